// Bad input and config: refused before any spend, with the reason; malformed payloads handled.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API, commentEvent, PLAN, REPO, run, setup, threadComments } from '../github-harness.js';
import { makeRepo, runCli } from '../helpers.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const writer = () => {
  threadComments();
  const bodies: string[] = [];
  nock(API)
    .get(`${REPO}/collaborators/Codertocat/permission`)
    .reply(200, { permission: 'write' })
    .post(`${REPO}/issues/comments/492700400/reactions`)
    .times(2)
    .reply(201, {})
    .post(`${REPO}/issues/1/comments`, (b) => (bodies.push(b.body), true))
    .reply(201, { id: 5 })
    .patch(`${REPO}/issues/comments/5`, (b) => (bodies.push(b.body), true))
    .times(3)
    .reply(200, {});
  return bodies;
};

describe('Bad input and config', () => {
  it('config is validated before any spend: the file, the key, what was expected and found (exit 2)', async () => {
    const dir = makeRepo({
      files: {
        '.distiqrc.json': JSON.stringify({
          budget: { perRun: -1 },
          tiers: { cheap: [{ provider: 'nope', model: 'x' }] },
        }),
      },
    });
    const r = await runCli(['implement', '--text', '- [ ] x', '--json'], { cwd: dir });
    expect(r.code).toBe(2);
    const e = JSON.parse(r.stdout).error;
    expect(e.message).toMatch(
      /^Invalid config in \/.*\/\.distiqrc\.json:\n {2}budget\.perRun: expected > 0, found number -1/,
    );
  });

  it('comment arguments cannot raise the budget above the configured cap', async () => {
    const s = await setup('issue_comment', commentEvent('/distiq implement --budget 50'), [PLAN]);
    writer();
    nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [])
      .post(`${REPO}/pulls`)
      .reply(201, { number: 2, html_url: 'u' });
    const r = await run(s);
    expect(r.report!.cost.budget!.perRun).toBe(1); // budget.perRun default, not 50
  });

  it('missing secrets (fork or Dependabot runs): a clean skip that says why, nothing spent', async () => {
    const s = await setup('issue_comment', commentEvent('/distiq implement'));
    writeFileSync(
      path.join(s.dir, '.distiqrc.json'),
      JSON.stringify({ implement: { tiers: ['cheap'] }, roles: { planner: ['cheap'] } }),
    );
    for (const k of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'DEEPSEEK_API_KEY'])
      delete (s.env as Record<string, string | undefined>)[k];
    const bodies = writer();
    const r = await run(s);
    expect(r.status).toBe('skipped');
    expect(r.reason).toMatch(
      /no model is usable in this run \(deepseek\/deepseek-chat: DEEPSEEK_API_KEY is not set; .*\); runs from forks and Dependabot get no secrets/,
    );
    expect(bodies.at(-1)).toContain('I did not run `/distiq implement`: no model is usable');
  });

  it('no diff: no pull request; the comment gives the reason and the cost', async () => {
    const empty = JSON.stringify({
      tasks: [
        {
          id: 't1',
          title: 'nothing',
          goal: 'g',
          items: [1],
          dependsOn: [],
          tier: 'cheap',
          acceptance: 'a',
          files: [
            {
              path: 'src/math.ts',
              action: 'modify',
              changes: [{ old: 'not in the file', new: 'x', reason: 'r' }],
            },
          ],
        },
      ],
    });
    const s = await setup('issue_comment', commentEvent('/distiq implement'), [
      empty,
      '{"edits":[{"path":"src/math.ts","search":"nope","replace":"x"}]}',
      '{"edits":[{"path":"src/math.ts","search":"nope","replace":"x"}]}',
      '{"edits":[{"path":"src/math.ts","search":"nope","replace":"x"}]}',
      '{"edits":[{"path":"src/math.ts","search":"nope","replace":"x"}]}',
    ]);
    const bodies = writer();
    const r = await run(s); // no pulls interceptor: a PR call would fail the run
    expect(r).toMatchObject({ status: 'failed', prUrl: null });
    expect(bodies.at(-1)).toMatch(
      /distiq implement: \*\*failed\*\*\. No pull request: failed, no file changed\./,
    );
    expect(bodies.at(-1)).toMatch(/\| \*\*total\*\* \| \| \d+ \| \| \| \| \*\*\$0\.\d{4}\*\* \|/);
  });

  it('malformed payloads: a deleted ("ghost") commenter is rejected cleanly; a huge issue body is cut, not crashed on', async () => {
    const ghost = commentEvent('/distiq implement');
    ghost.comment.user = null;
    expect(await run(await setup('issue_comment', ghost))).toMatchObject({
      status: 'denied',
      reason: 'the event names no actor',
    });
    const huge = commentEvent(
      '/distiq implement',
      `- [ ] Add \`subtract(a, b)\` to src/math.ts\n${'lorem ipsum '.repeat(100_000)}`,
    );
    const s = await setup('issue_comment', huge, [PLAN]);
    writer();
    nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [])
      .post(`${REPO}/pulls`)
      .reply(201, { number: 2, html_url: 'u' });
    const r = await run(s);
    expect(r.status).toBe('implemented');
    expect(JSON.stringify(s.server!.requests[0]).length).toBeLessThan(200_000);
  });
});
