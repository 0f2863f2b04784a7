// Git safety: real repos, a real bare remote, the real hook entry.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertNewBranchName } from '../../src/forge/git.js';
import { github } from '../../src/forge/github/client.js';
import { deliverPullRequest } from '../../src/forge/github/deliver.js';
import { runPrePush } from '../../src/hooks/pre-push.js';
import { API, REPO, TOKEN } from '../github-harness.js';
import { git, makeRepo, ROOT, runCli, statusPorcelain, tempDir } from '../helpers.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function repoWithRemote() {
  const dir = makeRepo({ files: { 'a.txt': 'a\n' } });
  const remote = tempDir();
  git(remote, 'init', '-q', '--bare');
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'push', '-q', 'origin', 'main');
  return { dir, remote };
}

const deliver = (dir: string, branch: string) =>
  deliverPullRequest({
    gh: github(TOKEN, { GITHUB_API_URL: API }),
    repo: { owner: 'Codertocat', repo: 'Hello-World' },
    root: dir,
    branch,
    branchPrefix: 'distiq/',
    base: 'main',
    defaultBranch: 'main',
    files: ['a.txt'],
    title: 't',
    body: 'b',
    commitMessage: 'm',
    runId: 'r1',
  });

function srcFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? srcFiles(p) : [p];
  });
}

describe('Git safety', () => {
  it('never pushes to the default branch or outside distiq/ (checked before every push)', async () => {
    const { dir, remote } = repoWithRemote();
    writeFileSync(path.join(dir, 'a.txt'), 'changed\n');
    const before = git(remote, 'rev-parse', 'main').trim();
    for (const branch of ['main', 'feature/x', '-f', 'distiqx/y'])
      await expect(deliver(dir, branch), branch).rejects.toThrow(/Refusing to push/);
    expect(git(remote, 'rev-parse', 'main').trim()).toBe(before);
    expect(git(remote, 'for-each-ref', '--format=%(refname:short)', 'refs/heads').trim()).toBe(
      'main',
    );
  });

  it('no plain --force anywhere; only --force-with-lease on the sha just read (source scan)', () => {
    const offenders = srcFiles(path.join(ROOT, 'src')).filter((f) =>
      /'--force'|'-f'|push --force(?!-with-lease)|'reset', '--hard'|reset --hard|'clean', '-f|checkout \.'/.test(
        readFileSync(f, 'utf8'),
      ),
    );
    expect(offenders).toEqual([]);
    expect(readFileSync(path.join(ROOT, 'src/forge/github/deliver.ts'), 'utf8')).toContain(
      '--force-with-lease=refs/heads/${o.branch}:${remoteSha}',
    );
  });

  it('deterministic branch names: a second delivery updates the same branch and PR instead of opening another', async () => {
    const { dir, remote } = repoWithRemote();
    writeFileSync(path.join(dir, 'a.txt'), 'one\n');
    nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [])
      .post(`${REPO}/pulls`)
      .reply(201, { number: 4, html_url: 'u4' });
    expect(await deliver(dir, 'distiq/fix-main')).toMatchObject({ created: true, prNumber: 4 });
    git(dir, 'switch', '-q', 'main');
    writeFileSync(path.join(dir, 'a.txt'), 'two\n');
    nock(API)
      .get(`${REPO}/pulls`)
      .query(true)
      .reply(200, [{ number: 4 }])
      .patch(`${REPO}/pulls/4`)
      .reply(200, { number: 4, html_url: 'u4' });
    expect(await deliver(dir, 'distiq/fix-main')).toMatchObject({ created: false, prNumber: 4 });
    expect(git(remote, 'show', 'distiq/fix-main:a.txt')).toBe('two\n');
    expect(git(remote, 'rev-list', '--count', 'main..distiq/fix-main').trim()).toBe('1');
  });

  it('locally a dirty tree is refused and left exactly as it was', async () => {
    const dir = makeRepo({ fixture: 'ts-app', nodeModules: true });
    writeFileSync(
      path.join(dir, 'src/report.ts'),
      readFileSync(path.join(dir, 'src/report.ts'), 'utf8') + '\n// my work in progress\n',
    );
    writeFileSync(path.join(dir, 'untracked.txt'), 'mine\n');
    const status = statusPorcelain(dir);
    const head = git(dir, 'rev-parse', 'HEAD');
    const r = await runCli(['fix', '--build'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(statusPorcelain(dir)).toBe(status);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(readFileSync(path.join(dir, 'src/report.ts'), 'utf8')).toMatch(/my work in progress\n$/);
  });

  it('branch names are validated (no leading "-", git check-ref-format)', async () => {
    const dir = makeRepo();
    await expect(assertNewBranchName(dir, '--upload-pack=evil')).rejects.toThrow(
      /may not start with "-"/,
    );
    await expect(assertNewBranchName(dir, 'a..b')).rejects.toThrow(/Invalid branch name/);
  });

  it('the pre-push hook honours DISTIQ_SKIP_HOOK and does nothing in CI', async () => {
    const dir = makeRepo();
    expect(
      (await runPrePush({ cwd: dir, stdin: '', env: { DISTIQ_SKIP_HOOK: '1' } })).skipped,
    ).toBe('DISTIQ_SKIP_HOOK is set');
    expect((await runPrePush({ cwd: dir, stdin: '', env: { CI: 'true' } })).skipped).toMatch(/^CI/);
  });
});
