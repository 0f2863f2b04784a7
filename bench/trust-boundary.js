// The price of the trust boundary per validation run, on a large real repo (rxjs@7 and typescript@5.9
// as published: thousands of files): the proof-integrity snapshot (before + after + compare) and
// the bubblewrap sandbox, each against the bare command measured in the same run.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, git, median, npmPackage, table } from './lib.js';

const dist = (p) => import(pathToFileURL(path.join(ROOT, 'dist', p)).href);

// A fixed amount of work (reads and hashes the whole tree 3×, then computes), ≥ 2 s here: what a build
// does, and unlike a time-based loop the same work with or without the sandbox.
const COMMAND = `node -e "const fs=require('fs'),p=require('path'),c=require('crypto');let n=0;const walk=d=>{for(const e of fs.readdirSync(d,{withFileTypes:true})){if(e.name==='.git')continue;const f=p.join(d,e.name);e.isDirectory()?walk(f):(n+=c.createHash('sha256').update(fs.readFileSync(f)).digest()[0])}};for(let k=0;k<3;k++)walk('.');let x=0;for(let i=0;i<3e8;i++)x=(x+i)%1000003;console.log(n,x)"`;

/** CPU ms of this process and its reaped children (Linux /proc): independent of how busy the machine is. */
function cpuMs() {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const tick = 10; // USER_HZ = 100 on Linux
  const own = process.cpuUsage();
  return (own.user + own.system) / 1000 + (Number(f[13]) + Number(f[14])) * tick;
}

async function measure(fn) {
  const c = cpuMs();
  const t = performance.now();
  const out = await fn();
  return { wall: performance.now() - t, cpu: cpuMs() - c, out };
}

export async function benchTrustBoundary({ runs = 3 } = {}) {
  const repo = mkdtempSync(path.join(os.tmpdir(), 'distiq-bench-trust-'));
  for (const spec of ['rxjs@7', 'typescript@5.9'])
    cpSync(npmPackage(spec), path.join(repo, spec.replace(/@[^@/]*$/, '')), { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'host');
  const files = git(repo, 'ls-files').split('\n').filter(Boolean).length;
  // A proof's tree: the attempt's edit plus some uncommitted work of the user.
  for (let i = 0; i < 5; i++)
    writeFileSync(path.join(repo, `rxjs/src/internal/note${i}.ts`), `export const n${i} = ${i};\n`);
  const { runCommand } = await dist('validation/run-command.js');
  const { configureSandbox, bwrapWorks } = await dist('validation/sandbox.js');
  const { snapshotProofSurface, surfaceChanges } = await dist('edits/integrity.js');
  const rows = { bare: [], none: [], boxed: [], integrity: [] };
  for (let i = 0; i < runs; i++) {
    rows.bare.push(await measure(() => spawnSync('/bin/sh', ['-c', COMMAND], { cwd: repo })));
    configureSandbox({ mode: 'off' });
    rows.none.push(await measure(() => runCommand(COMMAND, { cwd: repo, timeoutMs: 120_000 })));
    configureSandbox({ mode: 'auto' });
    const r = await measure(() => runCommand(COMMAND, { cwd: repo, timeoutMs: 120_000 }));
    if (r.out.sandbox !== 'bwrap')
      throw new Error(`bwrap did not run (${bwrapWorks().why ?? r.out.sandbox})`);
    rows.boxed.push(r);
    rows.integrity.push(
      await measure(async () => {
        const before = await snapshotProofSurface(repo);
        const after = await snapshotProofSurface(repo);
        if (surfaceChanges(before, after).length !== 0)
          throw new Error('integrity check saw a change nobody made');
      }),
    );
  }
  const m = (k, f) => median(rows[k].map((x) => x[f]));
  const bw = m('bare', 'wall');
  const bc = m('bare', 'cpu');
  const pw = (x) => `${((100 * (x - bw)) / bw).toFixed(1)}%`;
  const pc = (x) => `${((100 * (x - bc)) / bc).toFixed(1)}%`;
  const totalW = m('boxed', 'wall') + m('integrity', 'wall');
  const totalC = m('none', 'cpu') + m('integrity', 'cpu'); // CPU: the command's own (as measured unsandboxed) + the check
  const load = os.loadavg()[0].toFixed(1);
  table(
    `Trust boundary overhead per validation run on ${files} files (rxjs@7 + typescript@5.9), ${runs} runs, median; a ${(bw / 1000).toFixed(1)} s command; load average ${load} on ${os.cpus().length} cores`,
    ['what', 'wall ms', 'wall overhead', 'CPU ms', 'CPU overhead', 'target (< 10%)'],
    [
      ['bare command (sh -c, baseline)', bw.toFixed(0), '', bc.toFixed(0), '', ''],
      [
        'runCommand, no sandbox (fresh HOME)',
        m('none', 'wall').toFixed(0),
        pw(m('none', 'wall')),
        m('none', 'cpu').toFixed(0),
        pc(m('none', 'cpu')),
        '',
      ],
      // The sandboxed tree is reaped inside its own PID namespace: its CPU is not visible from here.
      [
        'runCommand under bwrap',
        m('boxed', 'wall').toFixed(0),
        pw(m('boxed', 'wall')),
        'n/a',
        'n/a',
        '',
      ],
      [
        'integrity snapshot before + after',
        m('integrity', 'wall').toFixed(0),
        `${((100 * m('integrity', 'wall')) / bw).toFixed(1)}%`,
        m('integrity', 'cpu').toFixed(0),
        `${((100 * m('integrity', 'cpu')) / bc).toFixed(1)}%`,
        '',
      ],
      [
        'bwrap + integrity (what a proof pays)',
        totalW.toFixed(0),
        pw(totalW),
        `${totalC.toFixed(0)} (no bwrap)`,
        pc(totalC),
        `wall ${(totalW - bw) / bw < 0.1 ? 'ok' : 'OVER'}, CPU ${(totalC - bc) / bc < 0.1 ? 'ok' : 'OVER'}`,
      ],
    ],
  );
}
