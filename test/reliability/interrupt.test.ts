// Fault injection on a local `fix` run: the real CLI, killed at random points (SIGINT and SIGKILL)
// while the $0 tier and a model tier (the loopback server) work on a repo with uncommitted work.
// Invariants after every kill: history and index untouched, the user's work intact; the next run
// recovers (an unproven edit undone from the journal, no temp file left, the ledger readable and
// a dead run's reservation released after its TTL) and finishes the job.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Budget } from '../../src/budget/budget.js';
import { Ledger } from '../../src/budget/ledger.js';
import { BIN, git, makeRepo, ROOT, runCli, statusPorcelain } from '../helpers.js';
import { spawn, spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { edits, startLoopbackOpenAI } from '../loopback-openai.js';
import { LOOP_TYPE_ERROR_REPAIR } from '../loopback-repo.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const USER_LINE = '\n// my uncommitted note: keep me\n';

function killAfter(
  args: string[],
  cwd: string,
  ms: number,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, CI: 'true' },
      stdio: 'ignore',
    });
    const t = setTimeout(() => child.kill(signal), ms);
    child.on('exit', (code, sig) => {
      clearTimeout(t);
      resolve({ code, signal: sig });
    });
  });
}

function tempFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
    (p) =>
      !p.startsWith('node_modules') && !p.startsWith('.git/') && /\.distiq-[0-9a-f]+\.tmp$/.test(p),
  );
}

describe('Fault injection: a killed run loses nothing and the next run recovers', () => {
  it('SIGINT and SIGKILL at seeded random points of `fix --build` with a model tier', async () => {
    const server = await startLoopbackOpenAI(
      () => ({
        content: edits(LOOP_TYPE_ERROR_REPAIR),
      }),
      { latencyMs: 700 },
    );
    close = server.close;
    const config = {
      providers: { loop: { type: 'openai-compatible', baseURL: server.url } },
      tiers: { cheap: [{ provider: 'loop', model: 'loop-cheap' }] },
      prices: { 'loop-cheap': { input: 1, output: 4 } },
      budget: { reservationTtlSec: 1 },
    };
    let s = 0x1234;
    const rand = () => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
    const outcomes: string[] = [];
    for (const signal of ['SIGINT', 'SIGKILL', 'SIGKILL', 'SIGINT'] as NodeJS.Signals[]) {
      const dir = makeRepo({
        fixture: 'ts-app',
        nodeModules: true,
        files: {
          'src/config.ts': 'export const port: number = "8080";\n',
          'docs.md': 'docs\n',
          '.distiqrc.json': JSON.stringify(config),
        },
      });
      const head = git(dir, 'rev-parse', 'HEAD');
      // Uncommitted work: an edit to a file distiq repairs, an edit it never touches, an untracked file.
      const report = readFileSync(path.join(dir, 'src/report.ts'), 'utf8') + USER_LINE;
      writeFileSync(path.join(dir, 'src/report.ts'), report);
      writeFileSync(path.join(dir, 'docs.md'), 'docs, edited by me\n');
      writeFileSync(path.join(dir, 'scratch.txt'), 'untracked\n');
      const at = Math.round(800 + rand() * 7000);
      const r = await killAfter(
        ['fix', '--build', '--tiers', 'autofix,cheap', '--allow-dirty', '--json'],
        dir,
        at,
        signal,
      );
      outcomes.push(`${signal}@${at}ms→${r.signal ?? r.code}`);
      expect(git(dir, 'rev-parse', 'HEAD'), outcomes.at(-1)).toBe(head);
      expect(git(dir, 'diff', '--cached', '--name-only'), outcomes.at(-1)).toBe('');
      expect(readFileSync(path.join(dir, 'docs.md'), 'utf8')).toBe('docs, edited by me\n');
      expect(readFileSync(path.join(dir, 'scratch.txt'), 'utf8')).toBe('untracked\n');
      expect(readFileSync(path.join(dir, 'src/report.ts'), 'utf8'), outcomes.at(-1)).toContain(
        USER_LINE,
      );
      await new Promise((res) => setTimeout(res, 1100)); // past the reservation TTL of the killed run
      // The next run recovers and finishes; the user's work is still there.
      const next = await runCli(
        ['fix', '--build', '--tiers', 'autofix,cheap', '--allow-dirty', '--json'],
        { cwd: dir },
      );
      const rep = JSON.parse(next.stdout);
      expect(rep.status, `${outcomes.at(-1)}: ${next.stderr}`).toMatch(/^(fixed|nothing-to-fix)$/);
      expect(readFileSync(path.join(dir, 'src/report.ts'), 'utf8')).toContain(USER_LINE);
      expect(readFileSync(path.join(dir, 'docs.md'), 'utf8')).toBe('docs, edited by me\n');
      expect(tempFiles(dir)).toEqual([]);
      expect(
        existsSync(path.join(dir, '.git/distiq/journal'))
          ? readdirSync(path.join(dir, '.git/distiq/journal'))
          : [],
      ).toEqual([]);
      const ledger = new Ledger(path.join(dir, '.git/distiq/ledger.jsonl'));
      // A dead run's reservation no longer counts (its TTL passed) and the next reservation releases it for good.
      const budget = new Budget(ledger, { perRun: 1 }, 'after');
      const reservation = await budget.reserve(0.5);
      await budget.release(reservation);
      expect((await ledger.read()).open.size).toBe(0);
      expect(statusPorcelain(dir)).toContain('scratch.txt');
    }
    expect(outcomes).toHaveLength(4);
  });

  it('an unproven edit left by SIGKILL is restored from the journal; a file the user changed since is left alone', async () => {
    const { recoverInterruptedEdits } = await import('../../src/edits/apply-edits.js');
    const dir = makeRepo({ files: { 'a.ts': 'original a\n', 'b.ts': 'original b\n' } });
    // A real process applies the edits and dies by SIGKILL before keeping or rolling them back.
    const dist = (m: string) =>
      JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/edits', m)).href);
    const script = `const { applyEdits } = await import(${dist('apply-edits.js')}); const { loadPathPolicy } = await import(${dist('path-policy.js')});
      await applyEdits(process.cwd(), [{ path: 'a.ts', before: 'original a\\n', after: 'distiq edit a\\n' }, { path: 'b.ts', before: 'original b\\n', after: 'distiq edit b\\n' }, { path: 'c.ts', before: null, after: 'created by distiq\\n' }], { policy: loadPathPolicy(process.cwd()), scope: { created: ['c.ts'] } });
      process.kill(process.pid, 'SIGKILL');`;
    const killed = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const journalDir = path.join(dir, '.git/distiq/journal');
    expect(readdirSync(journalDir)).toHaveLength(1);
    writeFileSync(path.join(dir, 'b.ts'), 'the user edited b after the crash\n');
    writeFileSync(path.join(dir, `.a.ts.distiq-deadbeef.tmp`), 'half');
    expect((await recoverInterruptedEdits(dir)).sort()).toEqual(['a.ts', 'c.ts']);
    expect(readFileSync(path.join(dir, 'a.ts'), 'utf8')).toBe('original a\n');
    expect(readFileSync(path.join(dir, 'b.ts'), 'utf8')).toBe(
      'the user edited b after the crash\n',
    );
    expect(existsSync(path.join(dir, 'c.ts'))).toBe(false);
    expect(existsSync(path.join(dir, '.a.ts.distiq-deadbeef.tmp'))).toBe(false);
    expect(readdirSync(journalDir)).toEqual([]);
  });
});
