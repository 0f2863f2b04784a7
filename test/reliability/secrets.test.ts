// Secrets: where they may go. Real child processes, real workflow files, real run files.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refusedEdit } from '../../src/edits/protected-paths.js';
import { loadPathPolicy } from '../../src/edits/path-policy.js';
import { deliverPullRequest } from '../../src/forge/github/deliver.js';
import { github } from '../../src/forge/github/client.js';
import { writeRunFile } from '../../src/report/run-file.js';
import { runCommand } from '../../src/validation/run-command.js';
import { API, REPO, sample, setup, TOKEN, run } from '../github-harness.js';
import { git, makeRepo, ROOT, tempDir } from '../helpers.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const workflow = (f: string) =>
  parse(readFileSync(path.join(ROOT, '.github/workflows', f), 'utf8'));

describe('Secrets', () => {
  it('provider keys and the Action token never reach validation commands (env and /proc/self/environ of a child that prints both)', async () => {
    const secrets = {
      ANTHROPIC_API_KEY: 'sk-ant-api03-secret-value-000000',
      DEEPSEEK_API_KEY: 'dsk-secret-value-111111',
      GITHUB_TOKEN: TOKEN,
      'INPUT_GITHUB-TOKEN': TOKEN,
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example/x',
      NPM_TOKEN: 'npm_secret_222222',
    };
    const saved = { ...process.env };
    Object.assign(process.env, secrets);
    try {
      const r = await runCommand(
        'env; cat /proc/self/environ | tr "\\0" "\\n"; node -e "console.log(JSON.stringify(process.env))"',
        { cwd: tempDir(), timeoutMs: 20_000, secretEnvVars: [] },
      );
      for (const [k, v] of Object.entries(secrets)) {
        expect(r.output, k).not.toContain(v);
        expect(r.output, k).not.toContain(`${k}=`);
      }
      expect(r.output).toContain('PATH=');
    } finally {
      process.env = saved;
    }
  });

  it('example workflows: persist-credentials false and least permissions per mode', () => {
    const review = workflow('distiq-review.yml');
    expect(review.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(workflow('distiq-fix.yml').permissions).toEqual({
      contents: 'write',
      'pull-requests': 'write',
      actions: 'read',
    });
    expect(workflow('distiq-comment.yml').permissions).toEqual({
      contents: 'write',
      'pull-requests': 'write',
      issues: 'write',
    });
    for (const f of ['distiq-fix.yml', 'distiq-comment.yml', 'distiq-review.yml', 'ci.yml']) {
      const steps = Object.values(
        workflow(f).jobs as Record<
          string,
          { steps: { uses?: string; with?: Record<string, unknown> }[] }
        >,
      ).flatMap((j) => j.steps);
      for (const s of steps.filter((x) => x.uses?.startsWith('actions/checkout')))
        expect(s.with?.['persist-credentials'], f).toBe(false);
    }
  });

  it('token shapes and secret env values are redacted in run files (and every other output: see the Action tests)', () => {
    const dir = makeRepo();
    process.env.DISTIQ_TEST_SECRET = 'a-value-of-a-secret-variable';
    try {
      const file = writeRunFile(dir, 'r1', {
        note: `ghp_${'x'.repeat(36)} github_pat_${'Y'.repeat(30)} AKIAABCDEFGHIJKLMNOP eyJhbGciOiJI.eyJzdWIiOiIx.SflKxwRJSMeKKF2QT4 sk-ant-api03-zzzzzzzzzzzzzzzzzz a-value-of-a-secret-variable`,
      });
      expect(readFileSync(file, 'utf8')).toBe(
        `{\n  "note": "${Array(6).fill('[REDACTED]').join(' ')}"\n}\n`,
      );
    } finally {
      delete process.env.DISTIQ_TEST_SECRET;
    }
  });

  it('diffs touching .github/workflows are refused by default', () => {
    const policy = loadPathPolicy(makeRepo({ files: { '.github/workflows/ci.yml': 'a' } }));
    expect(
      refusedEdit([{ path: '.github/workflows/ci.yml', before: 'a', after: 'b' }], { policy }),
    ).toMatch(/refused \(workflow\)/);
  });

  it('"GitHub Actions is not permitted to create or approve pull requests" is explained with the setting', async () => {
    const dir = makeRepo({ files: { 'a.txt': 'a\n' } });
    const remote = tempDir();
    git(remote, 'init', '-q', '--bare');
    git(dir, 'remote', 'add', 'origin', remote);
    writeFileSync(path.join(dir, 'a.txt'), 'b\n');
    nock(API).get(`${REPO}/pulls`).query(true).reply(200, []).post(`${REPO}/pulls`).reply(403, {
      message: 'GitHub Actions is not permitted to create or approve pull requests.',
      documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
    });
    const err = await deliverPullRequest({
      gh: github(TOKEN, { GITHUB_API_URL: API }),
      repo: { owner: 'Codertocat', repo: 'Hello-World' },
      root: dir,
      branch: 'distiq/fix-x',
      branchPrefix: 'distiq/',
      base: 'main',
      defaultBranch: 'main',
      files: ['a.txt'],
      title: 't',
      body: 'b',
      commitMessage: 'm',
      runId: 'r',
    }).catch((e) => e);
    expect(err.message).toBe(
      'The branch distiq/fix-x was pushed, but GitHub Actions may not open pull requests in this repository',
    );
    expect(err.hint).toContain('Allow GitHub Actions to create and approve pull requests');
  });

  it('no PR unless distiq’s own validation passes (PRs opened with GITHUB_TOKEN trigger no CI)', async () => {
    const p = sample('workflow_run', 'completed');
    const s = await setup('workflow_run', p);
    // A type error the $0 tier cannot repair, and no model tier: validation still fails.
    writeFileSync(path.join(s.dir, 'src/math.ts'), 'export const n: number = "x";\n');
    git(s.dir, 'commit', '-qam', 'broken');
    Object.assign(p.workflow_run, {
      conclusion: 'failure',
      head_sha: git(s.dir, 'rev-parse', 'HEAD').trim(),
      head_branch: 'main',
      head_repository: { ...p.workflow_run.head_repository, full_name: 'Codertocat/Hello-World' },
    });
    writeFileSync(s.env.GITHUB_EVENT_PATH, JSON.stringify(p));
    nock(API)
      .get(`${REPO}/collaborators/Codertocat/permission`)
      .reply(200, { permission: 'write' })
      .get(`${REPO}/actions/runs/1589141559/jobs`)
      .query(true)
      .reply(200, { total_count: 0, jobs: [] });
    const r = await run(s); // no pulls interceptor: any PR call would fail the run
    expect(r).toMatchObject({ status: 'failed', prUrl: null });
    expect(r.summary).toContain('No pull request: failed, 1 failure(s) remain.');
    expect(r.summary).toMatch(/\*\*\$0\.0000\*\*/); // the cost is still reported
  });
});
