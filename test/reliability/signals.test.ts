// SIGTERM (a cancelled CI job) and SIGHUP (a closed terminal) sent to `distiq fix` while a proof
// runs: the edit in flight is rolled back, the --json report is written, exit 130 (README "Exit
// codes"), and no process of the validation command outlives distiq. The model is scripted on a
// loopback server; the CLI, git, the build and the sandbox are real.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { edits, startLoopbackOpenAI } from '../loopback-openai.js';
import { BIN, git, makeRepo, waitForFile } from '../helpers.js';

const BROKEN = 'module.exports = { port: "8080" };\n';
// Fails while port is a string; once the repair is applied (the proof run) it leaves a background
// child, writes a marker under an ignored folder and hangs, as a slow test suite would.
const CHECK = `const fs = require('fs');
const { spawn } = require('child_process');
const { port } = require('./config.js');
if (typeof port !== 'number') { console.log("src/config.js(1,27): error TS2322: Type 'string' is not assignable to type 'number'."); process.exit(1); }
spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e5)', process.argv[2]], { stdio: 'ignore' });
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/validating', '');
setInterval(() => {}, 1e5);
`;

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** Pids whose command line holds `token` (seen from here, whatever PID namespace they run in). */
function pidsWith(token: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(token)) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Alive: kill(pid, 0) succeeds and it is not a zombie waiting for a reaper. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe.runIf(process.platform === 'linux')('Signals during validation', () => {
  // bwrap (a PID namespace that dies with distiq) and no sandbox (the process group is killed).
  it.each([
    ['SIGTERM', 'auto'],
    ['SIGHUP', 'auto'],
    ['SIGTERM', 'off'],
    ['SIGHUP', 'off'],
  ] as const)(
    '%s (sandbox %s): the edit in flight is rolled back, the JSON report is written, exit 130, no child left',
    async (signal, sandbox) => {
      const server = await startLoopbackOpenAI(() => ({
        content: edits({
          path: 'src/config.js',
          search: 'port: "8080"',
          replace: 'port: 8080',
        }),
      }));
      close = server.close;
      const token = `distiq-signal-${randomUUID()}`;
      const config = {
        commands: { build: `node src/check.js ${token}` },
        validation: { sandbox },
        providers: { loop: { type: 'openai-compatible', baseURL: server.url } },
        tiers: { cheap: [{ provider: 'loop', model: 'loop-cheap' }] },
        prices: { 'loop-cheap': { input: 1, output: 4 } },
      };
      const dir = makeRepo({
        files: {
          'src/config.js': BROKEN,
          'src/check.js': CHECK,
          'docs.md': 'docs\n',
          '.distiqrc.json': JSON.stringify(config),
        },
      });
      writeFileSync(path.join(dir, 'docs.md'), 'docs, edited by me\n'); // the user's work
      const child = spawn(
        process.execPath,
        [BIN, 'fix', '--build', '--tiers', 'cheap', '--allow-dirty', '--json'],
        {
          cwd: dir,
          env: { ...process.env, CI: 'true', DISTIQ_TRUST_REPO_CONFIG: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((res) => child.on('close', (c) => res(c)));
      await Promise.race([
        waitForFile(path.join(dir, 'dist/validating')),
        exited.then(() => {
          throw new Error(`distiq exited before the proof ran: ${stderr}`);
        }),
      ]);
      // The repair is on disk and the build's process tree is running.
      expect(readFileSync(path.join(dir, 'src/config.js'), 'utf8')).not.toBe(BROKEN);
      const pids = pidsWith(token);
      expect(pids.length, 'the build and its background child').toBeGreaterThanOrEqual(2);
      child.kill(signal);
      const code = await exited;
      expect(code, stderr).toBe(130);
      const report = JSON.parse(stdout); // exactly one JSON object, nothing else on stdout
      expect(report.interrupted).toBe(true);
      // The proof really ran as configured (bwrap works here as root; "off" never uses it).
      expect(report.commands[0].sandbox).toBe(sandbox === 'off' ? 'none' : 'bwrap');
      expect(report.repairs ?? []).not.toContainEqual(expect.objectContaining({ outcome: 'kept' }));
      expect(readFileSync(path.join(dir, 'src/config.js'), 'utf8')).toBe(BROKEN);
      expect(readFileSync(path.join(dir, 'docs.md'), 'utf8')).toBe('docs, edited by me\n');
      expect(git(dir, 'status', '--porcelain')).toBe(' M docs.md\n');
      expect(pids.filter(alive), 'validation processes alive after distiq exited').toEqual([]);
    },
  );
});
