import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/validation/run-command.js';
import { tempDir } from '../helpers.js';

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('runCommand (real processes)', () => {
  it('captures interleaved output and the exit code', async () => {
    const r = await runCommand('echo out; echo err 1>&2; exit 3', {
      cwd: tempDir(),
      timeoutMs: 10_000,
    });
    expect(r.exitCode).toBe(3);
    expect(r.output).toContain('out');
    expect(r.output).toContain('err');
    expect(r.stdout).toBe('out\n');
    expect(r.timedOut).toBe(false);
  });

  it('kills the whole process tree on timeout, forked children included', async () => {
    const dir = tempDir();
    const marker = path.join(dir, 'child-survived');
    const go = path.join(dir, 'go');
    // The shell forks a child that writes the marker once `go` exists, then itself hangs.
    const cmd = `(while [ ! -e ${go} ]; do sleep 0.1; done; touch ${marker}) & echo $! > ${dir}/child.pid; sleep 300`;
    const started = Date.now();
    const r = await runCommand(cmd, { cwd: dir, timeoutMs: 3000, killGraceMs: 200 });
    expect(r.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(120_000); // far below the command's own 300 s
    const pid = Number(readFileSync(path.join(dir, 'child.pid'), 'utf8'));
    // Outside a sandbox the forked child's pid is ours to check: wait until it is gone (a zombie
    // not yet reaped counts as gone); a survivor fails the test at vitest's timeout. Under bwrap the
    // pid belongs to the sandbox's own pid namespace, which dies with the command.
    if (r.sandbox === 'none') while (alive(pid)) await sleep(50);
    writeFileSync(go, '');
    await sleep(500); // a surviving child polls every 0.1 s: several polls to show itself
    expect(existsSync(marker)).toBe(false);
  });

  it('keeps secrets out of the child environment (env and /proc/self/environ)', async () => {
    process.env.OPENAI_API_KEY = 'sk-test-should-not-leak-123456';
    process.env.GITHUB_TOKEN = 'ghs_shouldnotleak000000000000000000000';
    process.env.MY_CUSTOM_SECRET_NAME = 'custom-secret-value';
    process.env.HARMLESS_SETTING = 'visible';
    try {
      const r = await runCommand('env; cat /proc/self/environ | tr "\\0" "\\n"', {
        cwd: tempDir(),
        timeoutMs: 10_000,
        secretEnvVars: ['MY_CUSTOM_SECRET_NAME'],
      });
      expect(r.output).not.toContain('sk-test-should-not-leak');
      expect(r.output).not.toContain('ghs_shouldnotleak');
      expect(r.output).not.toContain('custom-secret-value');
      expect(r.output).toContain('HARMLESS_SETTING=visible');
    } finally {
      delete process.env.OPENAI_API_KEY;
      delete process.env.GITHUB_TOKEN;
      delete process.env.MY_CUSTOM_SECRET_NAME;
      delete process.env.HARMLESS_SETTING;
    }
  });

  it('puts the repo node_modules/.bin first on PATH, as npm scripts do', async () => {
    const dir = tempDir();
    const r = await runCommand('echo $PATH', { cwd: dir, timeoutMs: 10_000 });
    expect(r.output.split(':')[0]).toBe(path.join(dir, 'node_modules', '.bin'));
  });

  it('a signal aborted before the start runs nothing', async () => {
    const dir = tempDir();
    const ac = new AbortController();
    ac.abort();
    const r = await runCommand(`touch ${dir}/ran`, {
      cwd: dir,
      timeoutMs: 10_000,
      signal: ac.signal,
    });
    expect(r.exitCode).toBeNull();
    expect(existsSync(path.join(dir, 'ran'))).toBe(false);
  });

  it('an abort signal kills the tree', async () => {
    const ac = new AbortController();
    const p = runCommand('sleep 30', {
      cwd: tempDir(),
      timeoutMs: 60_000,
      signal: ac.signal,
      killGraceMs: 100,
    });
    setTimeout(() => ac.abort(), 200);
    const r = await p;
    expect(r.exitCode).not.toBe(0);
  });
});
