// Issue #15, items 2–5: honest outcomes of the Action, in-process through its entry point
// (INPUT_* env, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY), with real git, a bare remote, and nock at the
// GitHub API and the model endpoint. GitHub errors follow the REST docs' shapes: 5xx bodies,
// and secondary rate limits as 403 + `retry-after` with "You have exceeded a secondary rate limit".
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/github-action/main.js';
import {
  API,
  commentEvent,
  PLAN,
  REPO,
  run,
  setup,
  threadComments,
  TOKEN,
} from '../github-harness.js';
import { git } from '../helpers.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

type Setup = Awaited<ReturnType<typeof setup>>;
const PR_URL = 'https://github.com/Codertocat/Hello-World/pull/12';
const SECONDARY = {
  message:
    'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
  documentation_url:
    'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
};
const SERVER_ERROR = { message: 'Server Error' };

/** Runs the Action's entry point as the runner does; returns its exit code, outputs and summary. */
async function action(s: Setup, extra: Record<string, string> = {}) {
  const env = {
    ...s.env,
    GITHUB_TOKEN: '',
    'INPUT_GITHUB-TOKEN': TOKEN,
    INPUT_COMMAND: 'auto',
    GITHUB_WORKSPACE: s.dir,
    ...extra,
  };
  const lines: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => (
    lines.push(String(chunk)),
    true
  )) as typeof process.stdout.write;
  let code: number;
  try {
    code = await main(env);
  } finally {
    process.stdout.write = orig;
  }
  const outputs: Record<string, string> = {};
  for (const m of readFileSync(s.env.GITHUB_OUTPUT, 'utf8').matchAll(
    /^([\w-]+)<<(distiq_[0-9a-f]+)\n([\s\S]*?)\n\2$/gm,
  ))
    outputs[m[1]!] = m[3]!;
  return {
    code,
    outputs,
    summary: readFileSync(s.env.GITHUB_STEP_SUMMARY, 'utf8'),
    log: lines.join(''),
  };
}

/** Commits a config change (the tree must stay clean for the job). */
function config(s: Setup, patch: Record<string, unknown>) {
  const file = path.join(s.dir, '.distiqrc.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...patch }));
  git(s.dir, 'commit', '-qam', 'config');
}

/** The API of a comment run up to the job: permission, thread, eyes, progress comment. */
function commentStart(opts: { onProgress?: (body: string) => void } = {}) {
  threadComments();
  return nock(API)
    .get(`${REPO}/collaborators/Codertocat/permission`)
    .reply(200, { permission: 'write', role_name: 'write' })
    .post(`${REPO}/issues/comments/492700400/reactions`, { content: 'eyes' })
    .reply(201, { id: 1, content: 'eyes' })
    .post(`${REPO}/issues/1/comments`, (b) => (opts.onProgress?.(b.body), true))
    .reply(201, { id: 77 });
}

describe('authorization fails closed, honestly', () => {
  it('a permission lookup that keeps failing (500, retried) → "could not check your permission, nothing ran", exit 1', async () => {
    const s = await setup('issue_comment', commentEvent('/distiq implement'), [PLAN]);
    let reply = '';
    const api = nock(API)
      .get(`${REPO}/collaborators/Codertocat/permission`)
      .times(4) // the first try and 3 bounded retries
      .reply(500, SERVER_ERROR)
      .post(`${REPO}/issues/1/comments`, (b) => ((reply = b.body), true))
      .reply(201, { id: 9 });
    const r = await action(s);
    expect(api.isDone()).toBe(true);
    expect(r.code).toBe(1);
    expect(r.outputs.status).toBe('error');
    expect(reply).toContain('I could not check your permission');
    expect(reply).toContain('nothing ran');
    expect(reply).not.toContain('write access'); // never "you lack access" when GitHub did not answer
    expect(r.summary).toContain('could not check the permission, nothing ran');
    expect(s.server!.requests).toHaveLength(0);
    expect(JSON.parse(readFileSync(r.outputs['report-json']!, 'utf8'))).toMatchObject({
      status: 'error',
      spentUsd: 0,
    });
  });

  it('a transient 500 on the lookup is retried and the run goes on', async () => {
    const s = await setup('issue_comment', commentEvent('/distiq implement --model x'));
    nock(API).get(`${REPO}/collaborators/Codertocat/permission`).reply(502, SERVER_ERROR);
    commentStart();
    nock(API)
      .patch(`${REPO}/issues/comments/77`)
      .reply(200, {})
      .post(`${REPO}/issues/comments/492700400/reactions`)
      .reply(201, {});
    expect((await run(s)).status).toBe('rejected'); // got past authorization
  });
});

// Full implement jobs (tsc, git, a bare remote) on two shared cores: ~50–80 s each under load.
describe('outcomes survive late failures', { timeout: 300_000 }, () => {
  it('a 500 on the final progress-comment update keeps the PR: pr-url set, status implemented, a warning, exit 0', async () => {
    const s = await setup('issue_comment', commentEvent('/distiq implement'), [PLAN, PLAN]);
    commentStart();
    const api = nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [])
      .post(`${REPO}/pulls`)
      .reply(201, { number: 12, html_url: PR_URL })
      .patch(`${REPO}/issues/comments/77`)
      .times(4)
      .reply(500, SERVER_ERROR)
      .post(`${REPO}/issues/comments/492700400/reactions`, {
        content: 'rocket',
      })
      .reply(201, {});
    const r = await action(s);
    expect(api.isDone()).toBe(true);
    expect(r.outputs).toMatchObject({
      status: 'implemented',
      'pr-url': PR_URL,
    });
    expect(Number(r.outputs['cost-usd'])).toBeGreaterThan(0);
    expect(r.code).toBe(0);
    expect(r.log).toMatch(
      /::warning title=distiq::updating the progress comment failed: GitHub API 500/,
    );
    expect(r.summary).toContain(`Opened ${PR_URL}`);
    expect(JSON.parse(readFileSync(r.outputs['report-json']!, 'utf8')).pullRequest).toMatchObject({
      url: PR_URL,
      number: 12,
    });
  });

  it('403 secondary rate limit with retry-after and a 500 on PR creation and on the final update are retried', async () => {
    const s = await setup('issue_comment', commentEvent('/distiq implement'), [PLAN, PLAN]);
    const progress: string[] = [];
    commentStart();
    const api = nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [])
      .post(`${REPO}/pulls`)
      .reply(403, SECONDARY, { 'retry-after': '2' })
      .post(`${REPO}/pulls`)
      .reply(500, SERVER_ERROR)
      .post(`${REPO}/pulls`)
      .reply(201, { number: 12, html_url: PR_URL })
      .patch(`${REPO}/issues/comments/77`)
      .reply(403, SECONDARY, { 'retry-after': '1' })
      .patch(`${REPO}/issues/comments/77`)
      .reply(503, SERVER_ERROR)
      .patch(`${REPO}/issues/comments/77`, (b) => (progress.push(b.body), true))
      .reply(200, {})
      .post(`${REPO}/issues/comments/492700400/reactions`, {
        content: 'rocket',
      })
      .reply(201, {});
    const r = await action(s);
    expect(api.isDone()).toBe(true);
    expect(r.outputs).toMatchObject({
      status: 'implemented',
      'pr-url': PR_URL,
    });
    expect(progress).toHaveLength(1);
    expect(progress[0]).toContain(`Pull request: ${PR_URL}`);
    expect(r.log).not.toContain('::warning');
  });

  it('a 502 on PR creation after GitHub made the PR: the retry\'s 422 "already exists" finds that PR', async () => {
    const s = await setup('issue_comment', commentEvent('/distiq implement'), [PLAN, PLAN]);
    commentStart();
    const api = nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [])
      .post(`${REPO}/pulls`)
      .reply(502, SERVER_ERROR)
      .post(`${REPO}/pulls`)
      .reply(422, {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: 'A pull request already exists for Codertocat:distiq/implement-1.',
          },
        ],
        documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
      })
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [{ number: 12, html_url: PR_URL }])
      .patch(`${REPO}/issues/comments/77`)
      .reply(200, {})
      .post(`${REPO}/issues/comments/492700400/reactions`, {
        content: 'rocket',
      })
      .reply(201, {});
    const r = await run(s);
    expect(api.isDone()).toBe(true);
    expect(r).toMatchObject({ status: 'implemented', prUrl: PR_URL });
  });

  it('a PR creation that keeps failing: status error, exit 1, yet the paid calls are in cost-usd, the run file and the summary', async () => {
    const s = await setup('issue_comment', commentEvent('/distiq implement'), [PLAN, PLAN]);
    let progress = '';
    commentStart();
    nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [])
      .post(`${REPO}/pulls`)
      .times(4)
      .reply(502, SERVER_ERROR)
      .patch(`${REPO}/issues/comments/77`, (b) => ((progress = b.body), true))
      .reply(200, {})
      .post(`${REPO}/issues/comments/492700400/reactions`, {
        content: 'confused',
      })
      .reply(201, {});
    const r = await action(s);
    expect(r.code).toBe(1);
    expect(r.outputs.status).toBe('error');
    const spent = Number(r.outputs['cost-usd']);
    expect(spent).toBeGreaterThan(0);
    const file = JSON.parse(readFileSync(r.outputs['report-json']!, 'utf8'));
    expect(file).toMatchObject({ status: 'error', job: 'implement' });
    expect(file.spentUsd).toBeCloseTo(spent, 6);
    expect(file.error.message).toContain('the pull request could not be opened');
    expect(r.summary).toMatch(/## distiq implement: error/);
    expect(r.summary).toMatch(/\| cheap \| loop\/loop-cheap \| 1 \|/);
    expect(progress).toContain('❌ distiq stopped');
  });
});

// Full implement jobs (tsc, git, a bare remote) on two shared cores: ~50–80 s each under load.
describe('every path writes the result', { timeout: 300_000 }, () => {
  it('a budget refusal is over-budget (not error), with the run file, the summary and cost-usd', async () => {
    const s = await setup('issue_comment', commentEvent('/distiq implement'), [PLAN]);
    config(s, { budget: { perRun: 0.0001 } });
    let progress = '';
    commentStart();
    nock(API)
      .patch(`${REPO}/issues/comments/77`, (b) => ((progress = b.body), true))
      .reply(200, {})
      .post(`${REPO}/issues/comments/492700400/reactions`, {
        content: 'confused',
      })
      .reply(201, {});
    const r = await action(s);
    expect(r.outputs.status).toBe('over-budget');
    expect(r.outputs['cost-usd']).toBe('0.000000');
    expect(r.code).toBe(1);
    expect(s.server!.requests).toHaveLength(0); // refused before sending
    expect(JSON.parse(readFileSync(r.outputs['report-json']!, 'utf8'))).toMatchObject({
      status: 'over-budget',
      spentUsd: 0,
    });
    expect(r.summary).toMatch(/## distiq implement: over-budget/);
    expect(r.summary).toContain('| **total** |');
    expect(progress).toContain('stopped at the budget');
  });

  it('an error before the run (bad input) still writes the summary and every output', async () => {
    const s = await setup('issue_comment', commentEvent('/distiq implement'));
    const r = await action(s, { INPUT_TIERS: 'gold' });
    expect(r.code).toBe(1);
    expect(r.outputs).toEqual({
      status: 'error',
      'pr-url': '',
      'review-url': '',
      'cost-usd': '0.000000',
      'report-json': '',
      'local-tier': '',
    });
    expect(r.summary).toContain('unknown tier(s) gold');
  });
});

describe('the local tier, when it cannot be made usable', () => {
  it('is reported (log warning before the job, summary, local-tier output) and taken out of the run', async () => {
    const s = await setup('issue_comment', commentEvent('/distiq implement'), [PLAN]);
    let progress = '';
    commentStart();
    nock(API)
      .patch(`${REPO}/issues/comments/77`, (b) => ((progress = b.body), true))
      .reply(200, {})
      .post(`${REPO}/issues/comments/492700400/reactions`, {
        content: 'confused',
      })
      .reply(201, {});
    const r = await action(s, { INPUT_TIERS: 'local' });
    expect(r.outputs['local-tier']).toBe(
      'unusable: no model configured for the local tier (tiers.local)',
    );
    expect(r.log).toMatch(
      /::warning title=distiq local tier unusable::no model configured for the local tier \(tiers\.local\); no other model tier is set/,
    );
    expect(r.outputs.status).toBe('skipped');
    expect(r.summary).toContain('local tier: no model configured for the local tier');
    expect(progress).toContain('local tier: no model configured');
    expect(s.server!.requests).toHaveLength(0); // no paid tier took its place
  });
});

describe('action.yml', () => {
  it('is valid YAML and declares exactly the outputs the entry point writes', async () => {
    const { parse } = await import('yaml');
    const meta = parse(readFileSync(path.resolve('action.yml'), 'utf8'));
    const s = await setup('issue_comment', commentEvent('/distiq implement'));
    const r = await action(s, { INPUT_TIERS: 'gold' });
    expect(Object.keys(meta.outputs).sort()).toEqual(Object.keys(r.outputs).sort());
    expect(meta.runs).toEqual({
      using: 'node20',
      main: 'dist/action/index.js',
    });
  });
});

// Full implement jobs (tsc, git, a bare remote) on two shared cores: ~50–80 s each under load.
describe('long issues: parsed whole, never cut silently', { timeout: 300_000 }, () => {
  const filler = (n: number) =>
    Array.from(
      { length: Math.ceil(n / 60) },
      (_, i) => `Background paragraph ${i}: the service keeps context here.`,
    ).join('\n\n');

  it('a 60 KB body with the checklist at the end: the item is found, the PR closes the issue', async () => {
    const body = `${filler(62_000)}\n\n## Tasks\n\n- [ ] Add \`subtract(a, b)\` to src/math.ts\n`;
    expect(body.length).toBeGreaterThan(60_000);
    const s = await setup('issue_comment', commentEvent('/distiq implement', body), [PLAN, PLAN]);
    let prBody = '';
    commentStart();
    nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [])
      .post(`${REPO}/pulls`, (b) => ((prBody = b.body), true))
      .reply(201, { number: 12, html_url: PR_URL })
      .patch(`${REPO}/issues/comments/77`)
      .reply(200, {})
      .post(`${REPO}/issues/comments/492700400/reactions`)
      .reply(201, {});
    const r = await run(s);
    expect(r.status).toBe('implemented');
    expect(prBody).toContain('- [x] Add `subtract(a, b)` to src/math.ts');
    expect(prBody).toContain('Closes #1');
    // Only the items went to the model, not the 60 KB of prose.
    expect(JSON.stringify(s.server!.requests[0]!.messages)).not.toContain('Background paragraph 5');
  });

  it('a 1 MB body: the checklist at its end is still found', async () => {
    const s = await setup(
      'issue_comment',
      commentEvent(
        '/distiq implement',
        `${filler(1_000_000)}\n- [ ] Add \`subtract(a, b)\` to src/math.ts\n`,
      ),
      [PLAN, PLAN],
    );
    commentStart();
    nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [])
      .post(`${REPO}/pulls`)
      .reply(201, { number: 12, html_url: PR_URL })
      .patch(`${REPO}/issues/comments/77`)
      .reply(200, {})
      .post(`${REPO}/issues/comments/492700400/reactions`)
      .reply(201, {});
    expect((await run(s)).status).toBe('implemented');
  });

  it('items past the context budget are dropped and listed (progress comment, PR body, report); no "Closes"', async () => {
    const huge = `Rewrite everything ${'and more words '.repeat(400)}`;
    const s = await setup(
      'issue_comment',
      commentEvent(
        '/distiq implement',
        `- [ ] Add \`subtract(a, b)\` to src/math.ts\n- [ ] ${huge}\n`,
      ),
      [PLAN, PLAN],
    );
    config(s, { models: { contextTokens: 1000 } });
    let prBody = '';
    let progress = '';
    commentStart();
    nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [])
      .post(`${REPO}/pulls`, (b) => ((prBody = b.body), true))
      .reply(201, { number: 12, html_url: PR_URL })
      .patch(`${REPO}/issues/comments/77`, (b) => ((progress = b.body), true))
      .reply(200, {})
      .post(`${REPO}/issues/comments/492700400/reactions`)
      .reply(201, {});
    const r = await run(s);
    expect(r.status).toBe('partial');
    expect(r.prUrl).toBe(PR_URL);
    expect(prBody).toContain('### Not attempted');
    expect(prBody).toContain('- [ ] Rewrite everything and more words');
    expect(prBody).not.toContain('Closes #1');
    expect(prBody).toContain('Refs #1');
    expect(progress).toContain('1 checklist item(s) did not fit the context budget');
    expect((r.report as { droppedItems: string[] }).droppedItems).toEqual([
      expect.stringMatching(/^Rewrite everything/),
    ]);
    expect(JSON.stringify(s.server!.requests[0]!.messages)).not.toContain('Rewrite everything');
  });
});

describe('what the commenter is told', () => {
  it('a --budget above the cap is lowered, and the commenter is told so', async () => {
    const s = await setup(
      'issue_comment',
      commentEvent('/distiq implement --budget 999 --model x'),
    );
    const bodies: string[] = [];
    commentStart({ onProgress: (b) => bodies.push(b) });
    nock(API)
      .patch(`${REPO}/issues/comments/77`, (b) => (bodies.push(b.body), true))
      .reply(200, {})
      .post(`${REPO}/issues/comments/492700400/reactions`)
      .reply(201, {});
    await run(s);
    for (const b of bodies)
      expect(b).toContain(
        'You asked for `--budget 999`; this run is capped at $1 (budget.perRun).',
      );
  });

  it('replies to denied comments are capped per thread', async () => {
    const s = await setup('issue_comment', commentEvent('/distiq implement'));
    threadComments(1, ['Sorry @x … <!-- distiq-denied -->', 'Sorry @y … <!-- distiq-denied -->']);
    nock(API)
      .get(`${REPO}/collaborators/Codertocat/permission`)
      .reply(200, { permission: 'read', role_name: 'read' });
    const r = await run(s);
    expect(r.status).toBe('denied');
    // No reply was attempted: nock has no route for one, so a POST would have left a warning.
    expect(r.warnings).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });
});
