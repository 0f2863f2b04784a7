import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/validation/run-command.js';
import { bwrapWorks, configureSandbox } from '../../src/validation/sandbox.js';
import { makeRepo, tempDir } from '../helpers.js';

const hasBwrap = bwrapWorks().ok;

/** A hostile build: each step prints what it achieved, then it leaves a child that would write later. */
function hostileBuild(outside: string, port: number, marker: string): string {
  return [
    `(echo pwned > ${outside}/planted.txt && echo WROTE-OUTSIDE) 2>/dev/null || echo write-outside-failed`,
    `(cat "$HOME/.npmrc" 2>/dev/null || cat ${os.homedir()}/.npmrc 2>/dev/null) | grep -q SECRETNPM && echo READ-NPMRC || echo npmrc-unreadable`,
    `node -e "require('net').connect(${port},'127.0.0.1').on('connect',()=>{console.log('CONNECTED');process.exit(0)}).on('error',()=>{console.log('socket-refused');process.exit(0)})"`,
    `(sleep 1; echo survived > ${marker}) &`,
    'echo build-done',
  ].join('\n');
}

describe('Trust boundary', () => {
  afterEach(() => configureSandbox({ mode: 'auto', network: false }));

  it.skipIf(!hasBwrap)(
    'bwrap: tools the repo links to under the real /tmp (node_modules, PATH) stay usable, read-only',
    async () => {
      // A checkout under /tmp whose node_modules is a link out of the repo, as in CI clones and
      // in this suite's own repos: the private /tmp must not hide the build's tools.
      const tools = tempDir('distiq-tools-');
      mkdirSync(path.join(tools, 'node_modules', '.bin'), { recursive: true });
      const tool = path.join(tools, 'node_modules', '.bin', 'mytool');
      writeFileSync(tool, '#!/bin/sh\necho tool-ran\n', { mode: 0o755 });
      const repo = makeRepo({ files: { 'a.md': 'x\n' } });
      symlinkSync(path.join(tools, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
      const run = await runCommand(
        'mytool && (touch node_modules/planted 2>/dev/null || echo tools-read-only)',
        {
          cwd: repo,
          timeoutMs: 60_000,
        },
      );
      expect(run.sandbox).toBe('bwrap');
      expect(run.output).toContain('tool-ran');
      expect(run.output).toContain('tools-read-only');
      expect(existsSync(path.join(tools, 'node_modules', 'planted'))).toBe(false);
      // A hostile repo's node_modules link to some other folder of /tmp opens nothing.
      const secret = tempDir('distiq-secret-');
      writeFileSync(path.join(secret, 'token.txt'), 'SECRET-IN-TMP\n');
      const hostile = makeRepo({ files: { 'a.md': 'x\n' } });
      symlinkSync(secret, path.join(hostile, 'node_modules'), 'dir');
      const peek = await runCommand('cat node_modules/token.txt 2>/dev/null || echo tmp-hidden', {
        cwd: hostile,
        timeoutMs: 60_000,
      });
      expect(peek.output).toContain('tmp-hidden');
      expect(peek.output).not.toContain('SECRET-IN-TMP');
    },
  );

  it.skipIf(!hasBwrap)(
    'bwrap: a build cannot write outside the repo, read ~/.npmrc, open a socket or leave a child behind',
    async () => {
      const repo = makeRepo({ files: { 'a.md': 'x\n' } });
      const outside = tempDir('distiq-outside-');
      const npmrc = path.join(os.homedir(), '.npmrc');
      const hadNpmrc = existsSync(npmrc);
      const saved = hadNpmrc ? readFileSync(npmrc) : null;
      writeFileSync(npmrc, '//registry.npmjs.org/:_authToken=SECRETNPM\n');
      const server = createServer((s) => s.end());
      await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
      const port = (server.address() as { port: number }).port;
      const marker = path.join(repo, 'marker.txt');
      try {
        const run = await runCommand(hostileBuild(outside, port, marker), {
          cwd: repo,
          timeoutMs: 60_000,
        });
        expect(run.sandbox).toBe('bwrap');
        expect(run.output).toContain('write-outside-failed');
        expect(run.output).toContain('npmrc-unreadable');
        expect(run.output).toContain('socket-refused');
        expect(run.output).toContain('build-done');
        expect(existsSync(path.join(outside, 'planted.txt'))).toBe(false);
        // The background child was killed with the sandbox: wait past its sleep, then look.
        await new Promise((res) => setTimeout(res, 2500));
        expect(existsSync(marker)).toBe(false);
        // The repo itself is writable; its git dir is not.
        const ok = await runCommand(
          'echo built > out.md && (echo x > .git/hooks/pre-commit 2>/dev/null || echo hooks-read-only)',
          { cwd: repo, timeoutMs: 60_000 },
        );
        expect(readFileSync(path.join(repo, 'out.md'), 'utf8')).toBe('built\n');
        expect(ok.output).toContain('hooks-read-only');
        expect(existsSync(path.join(repo, '.git/hooks/pre-commit'))).toBe(false);
      } finally {
        server.close();
        if (saved) writeFileSync(npmrc, saved);
        else await import('node:fs').then((fs) => fs.rmSync(npmrc, { force: true }));
      }
    },
  );

  it('network: true lets a sandboxed build connect', async () => {
    configureSandbox({ mode: hasBwrap ? 'auto' : 'off', network: true });
    const repo = makeRepo({ files: { 'a.md': 'x\n' } });
    const server = createServer((s) => s.end());
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as { port: number }).port;
    try {
      const run = await runCommand(
        `node -e "require('net').connect(${port},'127.0.0.1').on('connect',()=>{console.log('CONNECTED');process.exit(0)}).on('error',()=>process.exit(3))"`,
        { cwd: repo, timeoutMs: 60_000 },
      );
      expect(run.output).toContain('CONNECTED');
    } finally {
      server.close();
    }
  });

  it('without bwrap (sandbox off): HOME is still fresh, the report says "none", and no child outlives the command', async () => {
    configureSandbox({ mode: 'off', network: false });
    const repo = makeRepo({ files: { 'a.md': 'x\n' } });
    const marker = path.join(repo, 'late.txt');
    const run = await runCommand(
      `echo "home=$HOME"; (sleep 1; echo survived > ${marker}) & echo started`,
      { cwd: repo, timeoutMs: 60_000 },
    );
    expect(run.sandbox).toBe('none');
    const home = /home=(.*)/.exec(run.output)![1]!;
    expect(home).not.toBe(os.homedir());
    expect(home).toContain('distiq-home-');
    expect(existsSync(home)).toBe(false); // removed after the command
    await new Promise((res) => setTimeout(res, 2500));
    expect(existsSync(marker)).toBe(false);
  });

  it('required without a working bwrap is a typed error before anything runs', async () => {
    configureSandbox({ mode: 'required', network: false });
    const repo = makeRepo();
    mkdirSync(path.join(repo, 'x'));
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const { bwrapWorks: fresh } = await import('../../src/validation/sandbox.js');
      // The probe is cached per process; only assert the typed error when bwrap is really absent.
      if (!fresh().ok)
        await expect(runCommand('true', { cwd: repo, timeoutMs: 5000 })).rejects.toThrow(
          /validation.sandbox is "required"/,
        );
      else expect((await runCommand('true', { cwd: repo, timeoutMs: 5000 })).sandbox).toBe('bwrap');
    } finally {
      process.env.PATH = saved;
    }
  });
});
