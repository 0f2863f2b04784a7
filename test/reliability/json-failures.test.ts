// Under --json, stdout carries exactly one JSON object on every way `fix`, `implement`, `review`
// and `plan` can fail: an error object ({status: "error", error: {message, …}}) when the run could
// not start or crashed, the report (with its non-success status) when it ran and stopped. Real CLI,
// real git; the model (scripted) and GitHub are loopback servers.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LoopbackGitHub } from '../github/loopback-github.js';
import { edits, type LoopbackTurn, startLoopbackOpenAI } from '../loopback-openai.js';
import { git, makeRepo, runCli, tempDir, writeFiles } from '../helpers.js';

const BROKEN = 'module.exports = { port: "8080" };\n';
const CHECK = `const { port } = require('./config.js');
if (typeof port !== 'number') { console.log("src/config.js(1,27): error TS2322: Type 'string' is not assignable to type 'number'."); process.exit(1); }
console.log('build ok');
`;
const REPAIR = edits({ path: 'src/config.js', search: 'port: "8080"', replace: 'port: 8080' });
const AUTH: LoopbackTurn = {
  status: 401,
  body: {
    error: {
      message: 'Incorrect API key provided',
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    },
  },
};

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

async function model(turn: LoopbackTurn): Promise<string> {
  const server = await startLoopbackOpenAI(() => turn);
  closers.push(server.close);
  return server.url;
}

/** A repo whose build fails until src/config.js is repaired, with a loopback model tier. */
function brokenRepo(baseURL: string | null, extra: Record<string, unknown> = {}): string {
  const config = {
    commands: { build: 'node src/check.js' },
    ...(baseURL
      ? {
          providers: { loop: { type: 'openai-compatible', baseURL } },
          tiers: { cheap: [{ provider: 'loop', model: 'loop-cheap' }] },
          prices: { 'loop-cheap': { input: 1, output: 4 } },
        }
      : {}),
    ...extra,
  };
  return makeRepo({
    files: {
      'src/config.js': BROKEN,
      'src/check.js': CHECK,
      'docs.md': 'docs\n',
      '.distiqrc.json': JSON.stringify(config),
    },
  });
}

interface Case {
  name: string;
  setup: () => Promise<{ dir: string; args: string[]; env?: NodeJS.ProcessEnv }>;
  /** Exit code and status; an error object must carry error.message. */
  code: number;
  status: string;
  /** What the message must say, where the path is specific. */
  message?: RegExp;
}

const FIX = ['fix', '--build', '--tiers', 'cheap', '--json'];
const IMPLEMENT = ['implement', '--text', '- [ ] make port a number', '--tiers', 'cheap', '--json'];

const cases: Case[] = [];
for (const [job, args] of [
  ['fix', FIX],
  ['implement', IMPLEMENT],
  ['plan', ['plan', 'fix', '--build', '--json']],
  ['review', ['review', '--pr', '1', '--dry-run', '--json']],
] as const) {
  cases.push(
    {
      name: `${job}: bad config`,
      setup: async () => ({ dir: brokenRepo(null, { budget: { perRun: -1 } }), args: [...args] }),
      code: 2,
      status: 'error',
    },
    {
      name: `${job}: not a git repository`,
      setup: async () => {
        const dir = tempDir('distiq-nogit-');
        writeFiles(dir, { 'src/check.js': CHECK, 'src/config.js': BROKEN });
        return { dir, args: [...args] };
      },
      code: 2,
      status: 'error',
    },
  );
}
cases.push(
  {
    name: 'fix: dirty tree without --allow-dirty',
    setup: async () => {
      const dir = brokenRepo(await model({ content: REPAIR }));
      writeFileSync(path.join(dir, 'docs.md'), 'mine\n');
      return { dir, args: FIX };
    },
    code: 2,
    status: 'error',
  },
  {
    name: 'implement: dirty tree without --allow-dirty',
    setup: async () => {
      const dir = brokenRepo(await model({ content: REPAIR }));
      writeFileSync(path.join(dir, 'docs.md'), 'mine\n');
      return { dir, args: IMPLEMENT };
    },
    code: 2,
    status: 'error',
  },
  {
    name: 'fix: no commands detected',
    setup: async () => ({ dir: makeRepo({ files: { 'notes.md': 'hi\n' } }), args: FIX }),
    code: 2,
    status: 'error',
  },
  {
    name: 'plan: no commands detected',
    setup: async () => ({
      dir: makeRepo({ files: { 'notes.md': 'hi\n' } }),
      args: ['plan', 'fix', '--json'],
    }),
    code: 2,
    status: 'error',
  },
  {
    name: 'fix: budget exhausted',
    setup: async () => ({
      dir: brokenRepo(await model({ content: REPAIR })),
      args: [...FIX, '--budget', '0.000001'],
    }),
    code: 3,
    status: 'over-budget',
  },
  {
    name: 'fix: provider auth error',
    setup: async () => ({ dir: brokenRepo(await model(AUTH)), args: FIX }),
    code: 1,
    status: 'failed',
  },
  {
    name: 'implement: provider auth error',
    setup: async () => ({ dir: brokenRepo(await model(AUTH)), args: IMPLEMENT }),
    code: 1,
    status: 'error',
  },
  {
    name: 'review: no GitHub token',
    setup: async () => ({
      dir: brokenRepo(null),
      args: ['review', '--pr', '1', '--dry-run', '--json'],
      env: { GITHUB_TOKEN: '', GH_TOKEN: '', GITHUB_REPOSITORY: 'o/r' },
    }),
    code: 2,
    status: 'error',
  },
  {
    name: 'fix --pr: git push refused by the remote',
    setup: async () => {
      const dir = brokenRepo(await model({ content: REPAIR }));
      const bare = tempDir('distiq-remote-');
      execFileSync('git', ['init', '-q', '--bare', bare]);
      mkdirSync(path.join(bare, 'hooks'), { recursive: true });
      writeFileSync(path.join(bare, 'hooks/pre-receive'), '#!/bin/sh\necho refused >&2\nexit 1\n', {
        mode: 0o755,
      });
      git(dir, 'remote', 'add', 'origin', bare);
      const gh = new LoopbackGitHub().expect({
        method: 'GET',
        path: '/repos/o/r',
        status: 200,
        body: { default_branch: 'main', full_name: 'o/r' },
      });
      const url = await gh.start();
      closers.push(() => gh.stop());
      return {
        dir,
        args: [...FIX, '--pr'],
        env: { GITHUB_TOKEN: 'ghs_jsonfailuretoken000000000000000000', GITHUB_API_URL: url },
      };
    },
    code: 1,
    status: 'error',
    message: /pre-receive hook declined|refused/,
  },
  {
    name: 'fix --branch: an unexpected git failure inside the commit stage',
    setup: async () => {
      const dir = brokenRepo(await model({ content: REPAIR }));
      // A stale lock from a crashed git: `git commit` fails inside the stage, unexpectedly.
      writeFileSync(path.join(dir, '.git/index.lock'), '');
      return { dir, args: [...FIX, '--branch', 'distiq/test-json'] };
    },
    code: 1,
    status: 'error',
    message: /index\.lock/,
  },
);

describe('One JSON object on every failure path', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { dir, args, env } = await c.setup();
    const r = await runCli(args, { cwd: dir, env: { GITHUB_REPOSITORY: 'o/r', ...env } });
    let out: { status?: string; error?: { message?: string } };
    try {
      out = JSON.parse(r.stdout); // throws on anything but exactly one JSON value
    } catch {
      throw new Error(`stdout is not one JSON object (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
    expect(out && typeof out === 'object' && !Array.isArray(out)).toBe(true);
    expect({ status: out.status, code: r.code }, r.stderr).toEqual({
      status: c.status,
      code: c.code,
    });
    if (out.status === 'error') expect(out.error?.message, r.stdout).toMatch(c.message ?? /\S/);
    expect(r.stdout).not.toContain('ghs_jsonfailuretoken');
  });
});
