// Who may trigger: webhooks-examples payloads, nock for the GitHub API (no other call is possible:
// net connect is disabled), real git and a bare remote.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { API, commentEvent, REPO, run, sample, setup, threadComments } from '../github-harness.js';
import { makeRepo, ROOT } from '../helpers.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const workflows = () =>
  ['distiq-fix.yml', 'distiq-comment.yml', 'distiq-review.yml'].map((f) => ({
    f,
    y: parse(readFileSync(path.join(ROOT, '.github/workflows', f), 'utf8')),
  }));

describe('Who may trigger', () => {
  it('the collaborator-permission API decides: author_association OWNER with read permission is denied, a 404 rejects', async () => {
    const p = commentEvent('/distiq implement');
    expect(p.comment.author_association).toBe('OWNER'); // the sample's own association
    const s = await setup('issue_comment', p);
    nock(API)
      .get(`${REPO}/collaborators/Codertocat/permission`)
      .reply(200, { permission: 'read', role_name: 'read' })
      .post(`${REPO}/issues/1/comments`)
      .reply(201, { id: 1 });
    expect((await run(s)).status).toBe('denied');
    nock(API)
      .get(`${REPO}/collaborators/Codertocat/permission`)
      .reply(404, { message: 'Not Found' })
      .post(`${REPO}/issues/1/comments`)
      .reply(201, { id: 1 });
    expect(await run(s)).toMatchObject({
      status: 'denied',
      reason: 'the permission of Codertocat could not be checked (404)',
    });
  });

  it('bots and non-User actors are rejected unless allowlisted; "*" is refused by the config schema', async () => {
    const p = commentEvent('/distiq implement --nope');
    p.comment.user = { ...p.comment.user, login: 'helper[bot]', type: 'Bot' };
    const denied = await setup('issue_comment', p);
    expect(await run(denied)).toMatchObject({
      status: 'denied',
      reason: 'helper[bot] is a Bot account not in github.allowBots',
    });
    const org = commentEvent('/distiq implement');
    org.comment.user = { ...org.comment.user, login: 'octo-org', type: 'Organization' };
    expect((await run(await setup('issue_comment', org))).reason).toBe(
      'octo-org is a Organization account not in github.allowBots',
    );
    // Allowlisted: it passes the trigger check (and is then stopped by its bad argument).
    const allowed = await setup('issue_comment', p);
    const rc = path.join(allowed.dir, '.distiqrc.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(rc, JSON.stringify({ github: { allowBots: ['helper[bot]'] } }));
    threadComments();
    nock(API)
      .post(`${REPO}/issues/comments/492700400/reactions`)
      .times(2)
      .reply(201, {})
      .post(`${REPO}/issues/1/comments`)
      .reply(201, { id: 5 })
      .patch(`${REPO}/issues/comments/5`)
      .reply(200, {});
    expect((await run(allowed)).status).toBe('rejected');
    const star = makeRepo({
      files: { '.distiqrc.json': JSON.stringify({ github: { allowBots: ['*'] } }) },
    });
    await expect(loadConfig(star)).rejects.toThrow(
      /github\.allowBots\.0: expected a bot login; wildcards are not accepted/,
    );
  });

  it('only issue_comment "created" triggers (edited and deleted never do); the example workflow listens to created only', async () => {
    for (const action of ['edited', 'deleted']) {
      const p = commentEvent('/distiq implement');
      p.action = action;
      expect((await run(await setup('issue_comment', p))).status).toBe('skipped');
    }
    expect(workflows().find((w) => w.f === 'distiq-comment.yml')!.y.on.issue_comment.types).toEqual(
      ['created'],
    );
  });

  it('workflow_run: the workflow actor must pass the permission check too; fork head repositories are refused', async () => {
    const p = sample('workflow_run', 'completed');
    Object.assign(p.workflow_run, {
      conclusion: 'failure',
      head_sha: 'a'.repeat(40),
      head_branch: 'main',
      head_repository: { ...p.workflow_run.head_repository, full_name: 'Codertocat/Hello-World' },
    });
    const s = await setup('workflow_run', p);
    s.env.GITHUB_ACTOR = 'mallory';
    nock(API)
      .get(`${REPO}/collaborators/mallory/permission`)
      .reply(200, { permission: 'read', role_name: 'read' });
    expect(await run(s)).toMatchObject({
      status: 'denied',
      reason: 'mallory has read permission; write, maintain or admin is needed',
    });
    const fork = sample('workflow_run', 'completed');
    fork.workflow_run.conclusion = 'failure';
    expect((await run(await setup('workflow_run', fork))).reason).toMatch(
      /fork code is never built with secrets/,
    );
  });

  it('pull request code is never built with secrets: /distiq fix on a PR is refused; fix workflows only run same-repo runs', async () => {
    const p = commentEvent('/distiq fix');
    p.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' };
    const s = await setup('issue_comment', p);
    let said = '';
    threadComments();
    nock(API)
      .get(`${REPO}/collaborators/Codertocat/permission`)
      .reply(200, { permission: 'write' })
      .post(`${REPO}/issues/comments/492700400/reactions`)
      .times(2)
      .reply(201, {})
      .post(`${REPO}/issues/1/comments`)
      .reply(201, { id: 5 })
      .patch(`${REPO}/issues/comments/5`, (b) => ((said = b.body), true))
      .reply(200, {});
    expect((await run(s)).status).toBe('refused');
    expect(said).toContain('a comment never builds pull request code with secrets');
    const fix = workflows().find((w) => w.f === 'distiq-fix.yml')!.y;
    expect(fix.jobs.fix.if).toContain(
      'github.event.workflow_run.head_repository.full_name == github.repository',
    );
  });

  it("distiq's own branches are skipped; runs per issue are capped; workflows serialize per issue/PR", async () => {
    const p = sample('workflow_run', 'completed');
    Object.assign(p.workflow_run, {
      conclusion: 'failure',
      head_branch: 'distiq/fix-abc',
      head_repository: { ...p.workflow_run.head_repository, full_name: 'Codertocat/Hello-World' },
    });
    expect((await run(await setup('workflow_run', p))).reason).toBe(
      "the run is on distiq's own branch distiq/fix-abc",
    );
    const s = await setup('issue_comment', commentEvent('/distiq implement'));
    nock(API)
      .get(`${REPO}/collaborators/Codertocat/permission`)
      .reply(200, { permission: 'write' })
      .post(`${REPO}/issues/1/comments`)
      .reply(201, { id: 9 });
    threadComments(
      1,
      Array.from({ length: 5 }, () => '✅ done <!-- distiq-progress -->'),
    );
    expect(await run(s)).toMatchObject({
      status: 'capped',
      reason: '5 earlier run(s) on #1 (github.maxRunsPerThread)',
    });
    for (const { f, y } of workflows())
      expect(y.concurrency?.group, f).toMatch(
        /\$\{\{ github\.event\.(issue\.number|workflow_run\.head_branch|pull_request\.number) \}\}/,
      );
  });
});
