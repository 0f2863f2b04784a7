// The GitHub forge object: one deliver() per result kind. Real git (a bare remote on disk), nock
// at the GitHub API.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { github } from '../../src/forge/github/client.js';
import { GitHub } from '../../src/forge/github/github.js';
import { API, REPO, TOKEN } from '../github-harness.js';
import { git, makeRepo, tempDir } from '../helpers.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const SECRET = 'hunter2-not-for-github';

function forge(root: string, defaultBranch?: string) {
  return new GitHub({
    octokit: github(TOKEN, { GITHUB_API_URL: API, DISTIQ_GITHUB_RETRY_BASE_MS: '0' }),
    repo: { owner: 'Codertocat', repo: 'Hello-World' },
    root,
    redact: (s) => s.replaceAll(SECRET, '[redacted]'),
    branchPrefix: 'distiq/',
    defaultBranch,
  });
}

function repoOnBranch(branch: string) {
  const dir = makeRepo({ files: { 'a.txt': 'a\n' } });
  const remote = tempDir();
  git(remote, 'init', '-q', '--bare');
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'push', '-q', 'origin', 'main');
  git(dir, 'switch', '-q', '-c', branch);
  return { dir, remote };
}

describe('GitHub.deliver', () => {
  it('pull-request: commits the files on distiq’s branch, pushes it, opens a PR against the current branch, every text redacted', async () => {
    const { dir, remote } = repoOnBranch('work');
    writeFileSync(path.join(dir, 'a.txt'), 'fixed\n');
    let created: Record<string, unknown> = {};
    nock(API)
      .get(REPO)
      .reply(200, { default_branch: 'main' })
      .get(`${REPO}/pulls`)
      .query({ head: 'Codertocat:distiq/fix-work', state: 'open' })
      .reply(200, [])
      .post(`${REPO}/pulls`, (b) => ((created = b), true))
      .reply(201, { number: 5, html_url: 'https://github.com/Codertocat/Hello-World/pull/5' });
    const d = await forge(dir).deliver({
      kind: 'pull-request',
      files: ['a.txt'],
      runId: 'r1',
      branch: 'distiq/fix-work',
      title: `distiq: fix ${SECRET}`,
      body: `| cost | $0 |\n${SECRET}`,
    });
    expect(d).toMatchObject({
      branch: 'distiq/fix-work',
      prNumber: 5,
      prUrl: 'https://github.com/Codertocat/Hello-World/pull/5',
      created: true,
    });
    expect(created).toEqual({
      head: 'distiq/fix-work',
      base: 'work',
      title: 'distiq: fix [redacted]',
      body: '| cost | $0 |\n[redacted]',
    });
    expect(git(remote, 'rev-parse', 'distiq/fix-work').trim()).toBe(d.commit);
    const message = git(remote, 'log', '-1', '--format=%B', 'distiq/fix-work');
    expect(message).toContain('distiq: fix [redacted]');
    expect(message).toContain('Distiq-Run: r1');
    expect(message).not.toContain(SECRET);
    expect(nock.isDone()).toBe(true);
  });

  it('pull-request: refuses the default branch before any push', async () => {
    const { dir, remote } = repoOnBranch('work');
    writeFileSync(path.join(dir, 'a.txt'), 'fixed\n');
    const err = await forge(dir, 'main')
      .deliver({
        kind: 'pull-request',
        files: ['a.txt'],
        runId: 'r1',
        branch: 'main',
        base: 'work',
        title: 't',
        body: 'b',
      })
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(/Refusing to push to main/);
    expect(git(remote, 'for-each-ref', '--format=%(refname:short)', 'refs/heads').trim()).toBe(
      'main',
    );
  });

  it('review: one COMMENT review on the head commit, inline comments on the right side, redacted', async () => {
    let posted: Record<string, unknown> = {};
    nock(API)
      .post(`${REPO}/pulls/7/reviews`, (b) => ((posted = b), true))
      .reply(200, { id: 11, html_url: 'https://github.com/Codertocat/Hello-World/pull/7#r11' });
    const r = await forge(tempDir()).deliver({
      kind: 'review',
      pr: 7,
      commitId: 'abc123',
      body: `### distiq review\n\n${SECRET}`,
      comments: [{ path: 'src/a.ts', line: 3, body: `**bug**: leaks ${SECRET}` }],
    });
    expect(r).toEqual({ id: 11, url: 'https://github.com/Codertocat/Hello-World/pull/7#r11' });
    expect(posted).toEqual({
      commit_id: 'abc123',
      event: 'COMMENT',
      body: '### distiq review\n\n[redacted]',
      comments: [{ path: 'src/a.ts', line: 3, side: 'RIGHT', body: '**bug**: leaks [redacted]' }],
    });
  });

  it('comment: one comment on the thread, redacted', async () => {
    let posted: Record<string, unknown> = {};
    nock(API)
      .post(`${REPO}/issues/3/comments`, (b) => ((posted = b), true))
      .reply(201, { id: 21, html_url: 'https://github.com/Codertocat/Hello-World/issues/3#c21' });
    const c = await forge(tempDir()).deliver({
      kind: 'comment',
      issue: 3,
      body: `failed: ${SECRET}`,
    });
    expect(c).toEqual({ id: 21, url: 'https://github.com/Codertocat/Hello-World/issues/3#c21' });
    expect(posted).toEqual({ body: 'failed: [redacted]' });
  });
});
