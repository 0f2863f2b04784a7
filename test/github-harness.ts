// Shared by the GitHub tests and the reliability suite: a repo whose origin is a bare repo on disk,
// the Actions environment, and nock at the network edge (GitHub API, model endpoint).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import examples from '@octokit/webhooks-examples/api.github.com/index.json' with { type: 'json' };
import nock from 'nock';
import { runGithubEvent, type EventInputs } from '../src/github-action/event.js';
import { type ChatBody, completion } from './loopback-openai.js';
import { git, makeRepo, tempDir } from './helpers.js';

export const API = 'https://api.github.com';
export const REPO = '/repos/Codertocat/Hello-World';
export const TOKEN = `ghs_${'A1b2C3d4E5'.repeat(4)}`; // a token shape: must never appear in any output
export const SECRET_IN_ISSUE = 'sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX1234';

export type Example = { action: string; [k: string]: any };
export const sample = (event: string, action: string): Example =>
  structuredClone(
    (examples as { name: string; examples: Example[] }[])
      .find((e) => e.name === event)!
      .examples.find((x) => x.action === action)!,
  );

export const FILES = {
  'package.json': JSON.stringify({ type: 'module', scripts: { build: 'tsc -p tsconfig.json' } }),
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      module: 'NodeNext',
      types: [],
    },
    include: ['src'],
  }),
  'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
};
export const SUBTRACT =
  'export function subtract(a: number, b: number): number {\n  return a - b;\n}\n';
export const PLAN = JSON.stringify({
  tasks: [
    {
      id: 't1',
      title: 'add subtract',
      goal: 'subtract',
      items: [1],
      dependsOn: [],
      tier: 'cheap',
      acceptance: 'builds',
      files: [
        {
          path: 'src/math.ts',
          action: 'modify',
          changes: [
            {
              old: '  return a + b;\n}\n',
              new: `  return a + b;\n}\n\n${SUBTRACT}`,
              reason: 'add subtract',
            },
          ],
        },
      ],
    },
  ],
});

export const MODELS = 'https://models.distiq.test';

/**
 * The model endpoint: answers in order, records what it was sent. nock 15.0.0 hangs on function
 * replies under fetch, so each answer is a static Chat Completions body with scripted usage
 * (400 prompt tokens, plausible for any prompt: reported usage is checked against the counted
 * prompt; completion tokens counted from the answer).
 */
export function modelEdge(answers: string[]) {
  const requests: ChatBody[] = [];
  answers.forEach((content, i) => {
    const body = completion({ model: 'loop-cheap', messages: [] }, i, { content });
    body.usage.prompt_tokens = 400;
    body.usage.total_tokens = 400 + body.usage.completion_tokens;
    nock(MODELS)
      .post('/v1/chat/completions', (b: ChatBody) => (requests.push(b), true))
      .reply(200, body);
  });
  return { requests };
}

/** A repo whose `origin` is a bare repo on disk, a loopback model, and the Actions environment. */
export async function setup(event: string, payload: unknown, answers?: string[]) {
  const server = answers ? modelEdge(answers) : null;
  const config = server
    ? {
        providers: {
          loop: {
            type: 'openai-compatible',
            baseURL: `${MODELS}/v1`,
            free: false,
            pricingProvider: 'openai',
          },
        },
        tiers: {
          cheap: [{ provider: 'loop', model: 'loop-cheap' }],
          premium: [{ provider: 'loop', model: 'loop-premium' }],
        },
        prices: {
          'loop-cheap': { input: 1, output: 4 },
          'loop-premium': { input: 10, output: 40 },
        },
        implement: { tiers: ['cheap', 'premium'] },
      }
    : {};
  const dir = makeRepo({
    nodeModules: true,
    files: { ...FILES, '.distiqrc.json': JSON.stringify(config) },
  });
  const remote = mkdtempSync(path.join(os.tmpdir(), 'distiq-remote-'));
  execFileSync('git', ['init', '-q', '--bare', remote]);
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'push', '-q', 'origin', 'main');
  const eventFile = path.join(tempDir(), 'event.json');
  writeFileSync(eventFile, JSON.stringify(payload));
  const out = tempDir();
  const env = {
    ...process.env,
    CI: 'true',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_REPOSITORY: 'Codertocat/Hello-World',
    GITHUB_TOKEN: TOKEN,
    GITHUB_API_URL: API,
    GITHUB_ACTOR: 'Codertocat',
    GITHUB_OUTPUT: path.join(out, 'output'),
    GITHUB_STEP_SUMMARY: path.join(out, 'summary'),
    // GitHub API retries wait retry-after × 1 ms, and writes are not paced: tests never sleep.
    DISTIQ_GITHUB_RETRY_BASE_MS: '1',
  };
  return { dir, remote, env, server, out };
}

export const run = (
  s: Awaited<ReturnType<typeof setup>>,
  inputs: EventInputs = { command: 'auto' },
) => runGithubEvent({ cwd: s.dir, env: s.env, inputs, progressStream: devNull() });

export function devNull(): NodeJS.WriteStream {
  return {
    write: () => true,
    isTTY: false,
    columns: 80,
    on: () => undefined,
    once: () => undefined,
    removeListener: () => undefined,
    end: () => undefined,
  } as unknown as NodeJS.WriteStream;
}

export function commentEvent(
  body: string,
  issueBody = '- [ ] Add `subtract(a, b)` to src/math.ts',
) {
  const p = sample('issue_comment', 'created');
  p.comment.body = body;
  p.issue.body = issueBody;
  p.repository.default_branch = 'main';
  return p;
}

/** `GET /issues/{n}/comments`: the thread distiq counts its earlier runs in (the per-thread cap). */
export function threadComments(n = 1, bodies: string[] = []) {
  return nock(API)
    .get(`${REPO}/issues/${n}/comments`)
    .query(true)
    .reply(
      200,
      bodies.map((body, i) => ({
        id: 500 + i,
        body,
        user: { login: 'github-actions[bot]', type: 'Bot' },
      })),
    );
}
