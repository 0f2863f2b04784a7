// The price of the trust boundary per validation run, on a large real repo (real npm sources from
// node_modules: openai, @anthropic-ai/sdk, zod, yaml, eslint, typescript; thousands of files): the
// bubblewrap sandbox, and the sandbox plus the proof-integrity guard (snapshot before, snapshot
// after, compare, ignored-file and index checks), each against the bare command. Bare and guarded
// runs are interleaved (the order alternates per round) and compared as paired ratios per round,
// because the machine is shared and its load drifts; the table reports the median ratio.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, git, median, table } from './lib.js';

const dist = (p) => import(pathToFileURL(path.join(ROOT, 'dist', p)).href);
const PACKAGES = ['openai', '@anthropic-ai/sdk', 'zod', 'yaml', 'eslint', 'typescript'];

// A fixed amount of work (reads and hashes the whole tree 3×, then computes), ≥ 2 s here: what a build
// does, and unlike a time-based loop the same work with or without the sandbox.
const COMMAND = `node -e "const fs=require('fs'),p=require('path'),c=require('crypto');let n=0;const walk=d=>{for(const e of fs.readdirSync(d,{withFileTypes:true})){if(e.name==='.git')continue;const f=p.join(d,e.name);e.isDirectory()?walk(f):(n+=c.createHash('sha256').update(fs.readFileSync(f)).digest()[0])}};for(let k=0;k<3;k++)walk('.');let x=0;for(let i=0;i<3e8;i++)x=(x+i)%1000003;const u=process.cpuUsage();console.log(n,x,'CPU',(u.user+u.system)/1000)"`;

/**
 * CPU ms of this process and its reaped children (Linux /proc). A command under bwrap runs in its
 * own PID namespace and is not reaped by us, so the command reports its own CPU (`CPU <ms>` on
 * stdout) and a run's CPU is that plus what this process and its reaped children (sh, bwrap, git) used.
 */
function cpuMs() {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const tick = 10; // USER_HZ = 100 on Linux
  const own = process.cpuUsage();
  return (own.user + own.system) / 1000 + (Number(f[13]) + Number(f[14])) * tick;
}

async function measure(fn, reaped) {
  const c = cpuMs();
  const t = performance.now();
  const out = await fn();
  const reported = Number(/CPU ([\d.]+)/.exec(out)?.[1]);
  if (!Number.isFinite(reported)) throw new Error(`the command did not report its CPU: ${out}`);
  // A bare command is our reaped child: its CPU is already counted, the report would count it twice.
  return { wall: performance.now() - t, cpu: cpuMs() - c + (reaped ? 0 : reported) };
}

function bare(cwd) {
  return new Promise((resolve, reject) => {
    const p = spawn('/bin/sh', ['-c', COMMAND], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
  });
}

export async function benchTrustBoundary({ runs = 5 } = {}) {
  const repo = mkdtempSync(path.join(os.tmpdir(), 'distiq-bench-trust-'));
  for (const name of PACKAGES)
    cpSync(path.join(ROOT, 'node_modules', name), path.join(repo, 'pkgs', name), {
      recursive: true,
      dereference: true,
    });
  // Build output a real repo has, ignored by git: the guard lists the folder, never walks it.
  writeFileSync(path.join(repo, '.gitignore'), 'dist/\n');
  mkdirSync(path.join(repo, 'dist'), { recursive: true });
  for (let i = 0; i < 200; i++) writeFileSync(path.join(repo, 'dist', `out${i}.js`), `${i}\n`);
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-m', 'host');
  const files = git(repo, 'ls-files').split('\n').filter(Boolean).length;
  // A proof's tree: the attempt's edit plus some uncommitted work of the user.
  for (let i = 0; i < 5; i++)
    writeFileSync(path.join(repo, 'pkgs', 'zod', `note${i}.ts`), `export const n${i} = ${i};\n`);
  const { runCommand } = await dist('validation/run-command.js');
  const { configureSandbox, bwrapWorks } = await dist('validation/sandbox.js');
  const { guardSurface } = await dist('edits/restore-surface.js');
  const boxed = async () => {
    const r = await runCommand(COMMAND, { cwd: repo, timeoutMs: 300_000 });
    if (r.sandbox !== 'bwrap')
      throw new Error(`bwrap did not run (${bwrapWorks().why ?? r.sandbox})`);
    if (r.exitCode !== 0) throw new Error(`the command failed: ${r.output.slice(-500)}`);
    return r.stdout;
  };
  const guarded = async () => {
    const { result, tampered } = await guardSurface(repo, boxed);
    if (tampered.length) throw new Error(`the guard saw a change nobody made: ${tampered}`);
    return result;
  };
  configureSandbox({ mode: 'auto' });
  const kinds = { bare: () => bare(repo), sandbox: boxed, guarded };
  const rows = { bare: [], sandbox: [], guarded: [] };
  const loads = [];
  for (let i = 0; i < runs; i++) {
    loads.push(os.loadavg()[0]);
    // Alternate the order so that a load trend does not favour one kind.
    const order = i % 2 === 0 ? ['bare', 'sandbox', 'guarded'] : ['guarded', 'sandbox', 'bare'];
    for (const k of order) rows[k].push(await measure(kinds[k], k === 'bare'));
  }
  const ratio = (k, f) => median(rows[k].map((x, i) => x[f] / rows.bare[i][f]));
  const pct = (r) => `${((r - 1) * 100).toFixed(1)}%`;
  const m = (k, f) => median(rows[k].map((x) => x[f]));
  const load = `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`;
  const gw = ratio('guarded', 'wall');
  const gc = ratio('guarded', 'cpu');
  table(
    `Trust boundary overhead per validation run on ${files} files (${PACKAGES.join(', ')} from node_modules), ${runs} interleaved rounds, median of paired ratios; a ${(m('bare', 'wall') / 1000).toFixed(1)} s command; load average ${load} on ${os.cpus().length} cores`,
    ['what', 'wall ms', 'wall vs bare', 'CPU ms', 'CPU vs bare', 'target (< 10%)'],
    [
      [
        'bare command (sh -c)',
        m('bare', 'wall').toFixed(0),
        '',
        m('bare', 'cpu').toFixed(0),
        '',
        '',
      ],
      [
        'under bwrap',
        m('sandbox', 'wall').toFixed(0),
        pct(ratio('sandbox', 'wall')),
        m('sandbox', 'cpu').toFixed(0),
        pct(ratio('sandbox', 'cpu')),
        '',
      ],
      [
        'bwrap + integrity guard (what a proof pays)',
        m('guarded', 'wall').toFixed(0),
        pct(gw),
        m('guarded', 'cpu').toFixed(0),
        pct(gc),
        `wall ${gw < 1.1 ? 'ok' : 'OVER'}, CPU ${gc < 1.1 ? 'ok' : 'OVER'}`,
      ],
    ],
  );
}
