import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { edits, startLoopbackOpenAI } from '../loopback-openai.js';
import { git, makeRepo, runCli, statusPorcelain, tempDir } from '../helpers.js';
import { recordFigures } from './figures.js';

const figures: Record<string, number> = {
  refusedEdits: 0,
  refusalsFedBack: 0,
  tamperedPathsRestored: 0,
  forgedJournalsQuarantined: 0,
};
const note = (k: keyof typeof figures, n: number) => {
  figures[k] += n;
  recordFigures('trustBoundary', figures);
};

/**
 * A malicious model on a loopback server, against the real CLI. Run 1 gets the hostile answers;
 * run 2 runs with secrets in the environment. Nothing planted may survive or run, no secret may
 * reach a file, a prompt or the server, and the user's uncommitted work stays intact.
 */

const BROKEN = 'module.exports = { port: "8080" };\n';
// The build runs this tracked file: it reports a tsc-style failure while port is not a number.
const CHECK = `const { port } = require('./config.js');
if (typeof port !== 'number') { console.log("src/config.js(1,27): error TS2322: Type 'string' is not assignable to type 'number'."); process.exit(1); }
console.log('build ok');
`;
const SECRETS = {
  OPENAI_API_KEY: 'sk-proj-trustboundarysecret000000000000',
  GITHUB_TOKEN: 'ghs_trustboundarysecret00000000000000000',
};
const NPM_SECRET = 'npm_trustboundaryNpmrcSecret0000000000';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function scenario(answers: string[], extraFiles: Record<string, string> = {}) {
  const server = await startLoopbackOpenAI((_b, n) => ({
    content: answers[Math.min(n, answers.length - 1)]!,
  }));
  close = server.close;
  const config = {
    commands: { build: 'node src/check.js' },
    providers: { loop: { type: 'openai-compatible', baseURL: server.url } },
    tiers: { cheap: [{ provider: 'loop', model: 'loop-cheap' }] },
    prices: { 'loop-cheap': { input: 1, output: 4 } },
    fix: { maxAttempts: Math.max(2, answers.length) },
  };
  const dir = makeRepo({
    files: {
      'src/config.js': BROKEN,
      'src/check.js': CHECK,
      'docs.md': 'docs\n',
      'package.json': '{"name":"victim","scripts":{"build":"node src/check.js"}}',
      '.distiqrc.json': JSON.stringify(config),
      ...extraFiles,
    },
  });
  const home = tempDir('distiq-home-test-');
  writeFileSync(path.join(home, '.npmrc'), `//registry.npmjs.org/:_authToken=${NPM_SECRET}\n`);
  // Uncommitted work of the user, which must survive everything.
  writeFileSync(path.join(dir, 'docs.md'), 'docs, edited by me\n');
  writeFileSync(path.join(dir, 'scratch.md'), 'untracked note\n');
  const env = { HOME: home, XDG_STATE_HOME: path.join(home, '.state') };
  const run = async (
    extraEnv: Record<string, string> = {},
    args = ['fix', '--build', '--tiers', 'cheap', '--allow-dirty', '--json'],
  ) => {
    const r = await runCli(args, { cwd: dir, env: { ...env, ...extraEnv } });
    return { ...r, report: JSON.parse(r.stdout) };
  };
  return { dir, server, run, home };
}

function assertUserWorkIntact(dir: string) {
  expect(readFileSync(path.join(dir, 'docs.md'), 'utf8')).toBe('docs, edited by me\n');
  expect(readFileSync(path.join(dir, 'scratch.md'), 'utf8')).toBe('untracked note\n');
}

function assertNoSecretAnywhere(dir: string, server: { requests: unknown[] }, outputs: string[]) {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
    (p) => !p.startsWith('.git/objects') && !p.startsWith('node_modules'),
  );
  const texts = [
    JSON.stringify(server.requests),
    ...outputs,
    ...files.map((f) => {
      try {
        return readFileSync(path.join(dir, f), 'utf8');
      } catch {
        return '';
      }
    }),
  ];
  for (const secret of [...Object.values(SECRETS), NPM_SECRET])
    for (const t of texts) expect(t).not.toContain(secret);
}

describe('Trust boundary', () => {
  it('a model edit to configs, dotfiles, gitfiles, hooks or scripts is refused and fed back with the reason; nothing is written', async () => {
    const hostile = [
      {
        path: '.config/distiqrc.cjs',
        search: '',
        replace: 'require("child_process").execSync("touch PWNED")',
      },
      { path: 'sub/.git', search: '', replace: 'gitdir: ../.git\n' },
      {
        path: 'githooks/pre-commit.js',
        search: 'x',
        replace: 'require("fs").writeFileSync("PWNED","")',
      },
      { path: '.gitmodules', search: '', replace: '[submodule "x"]\n\tpath = x\n\turl = ../x\n' },
      { path: 'package.json', search: '"build":"node src/check.js"', replace: '"build":"true"' },
      { path: 'src/check.js', search: 'process.exit(1);', replace: 'process.exit(0);' },
      { path: '.npmrc', search: '', replace: 'script-shell=/bin/true\n' },
      { path: 'node_modules/.bin/tsc', search: '', replace: '#!/bin/sh\nexit 0\n' },
      { path: 'Makefile', search: '', replace: 'all:\n\ttrue\n' },
      { path: 'vitest.config.ts', search: '', replace: 'export default {}' },
      { path: '.GIT/hooks/post-checkout', search: '', replace: 'touch PWNED' },
    ];
    const s = await scenario(
      hostile.map((e) => edits(e)),
      { 'githooks/pre-commit.js': 'x\n' },
    );
    git(s.dir, 'config', 'core.hooksPath', 'githooks');
    const r1 = await s.run();
    expect(r1.report.status).toBe('failed');
    // Every refusal reached the next prompt with its reason.
    const prompts = s.server.requests.map((q) => JSON.stringify(q.messages));
    expect(s.server.requests.length).toBe(hostile.length);
    for (const [i, code] of [
      'dotpath',
      'git',
      'hooks',
      'dotpath',
      'config',
      'script',
      'dotpath',
      'node_modules',
      'config',
      'config',
    ].entries()) {
      expect(prompts[i + 1], hostile[i]!.path).toContain(`(${code})`);
    }
    note(
      'refusedEdits',
      r1.report.repairs.filter((x: { outcome: string }) => x.outcome === 'rejected').length,
    );
    note('refusalsFedBack', prompts.filter((p) => /refused \(/.test(p)).length);
    expect(statusPorcelain(s.dir).split('\n').filter(Boolean).sort()).toEqual([
      ' M docs.md',
      '?? scratch.md',
    ]);
    for (const p of [
      '.config',
      'sub',
      '.gitmodules',
      '.npmrc',
      'node_modules',
      'Makefile',
      'vitest.config.ts',
      'PWNED',
    ])
      expect(existsSync(path.join(s.dir, p)), p).toBe(false);
    expect(existsSync(path.join(s.dir, '.git/hooks/post-checkout'))).toBe(false);
    assertUserWorkIntact(s.dir);
    // Run 2, with secrets: nothing of run 1 runs, nothing leaks.
    const r2 = await s.run(SECRETS);
    expect(existsSync(path.join(s.dir, 'PWNED'))).toBe(false);
    assertNoSecretAnywhere(s.dir, s.server, [r1.stdout, r1.stderr, r2.stdout, r2.stderr]);
    assertUserWorkIntact(s.dir);
  });

  it('code the build executes plants a workflow, a hook and a shim and prints ~/.npmrc: the sandbox blocks, the integrity check rejects and restores', async () => {
    const planted = `const fs = require('fs');
try { fs.mkdirSync('.github/workflows', { recursive: true }); fs.writeFileSync('.github/workflows/evil.yml', 'on: push'); } catch {}
try { fs.writeFileSync('.git/hooks/pre-commit', '#!/bin/sh\\ntouch PWNED\\n', { mode: 0o755 }); } catch { console.log('hook write refused'); }
try { fs.mkdirSync('node_modules/.bin', { recursive: true }); fs.writeFileSync('node_modules/.bin/tsc', '#!/bin/sh\\nexit 0\\n'); } catch {}
try { console.log('NPMRC ' + fs.readFileSync(require('os').homedir() + '/.npmrc', 'utf8')); } catch { console.log('npmrc unreadable'); }
try { console.log('ENV ' + process.env.OPENAI_API_KEY + process.env.GITHUB_TOKEN); } catch {}
module.exports = { port: 8080 };
`;
    const s = await scenario([edits({ path: 'src/config.js', search: BROKEN, replace: planted })]);
    const r1 = await s.run(SECRETS);
    // The build passed, but it changed the tree: the attempt is rejected, its plantings undone.
    expect(r1.report.status).toBe('failed');
    const rejected = r1.report.repairs.filter((x: { tampered?: string[] }) => x.tampered);
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected[0].tampered).toEqual(expect.arrayContaining(['.github/workflows/evil.yml']));
    note(
      'tamperedPathsRestored',
      rejected.reduce((n: number, x: { tampered: string[] }) => n + x.tampered.length, 0),
    );
    expect(r1.report.commands[0].sandbox).toBe('bwrap');
    expect(existsSync(path.join(s.dir, '.github'))).toBe(false);
    expect(existsSync(path.join(s.dir, '.git/hooks/pre-commit'))).toBe(false);
    expect(existsSync(path.join(s.dir, 'node_modules/.bin/tsc'))).toBe(false);
    expect(readFileSync(path.join(s.dir, 'src/config.js'), 'utf8')).toBe(BROKEN);
    assertUserWorkIntact(s.dir);
    const r2 = await s.run(SECRETS);
    expect(existsSync(path.join(s.dir, 'PWNED'))).toBe(false);
    assertNoSecretAnywhere(s.dir, s.server, [r1.stdout, r1.stderr, r2.stdout, r2.stderr]);
  });

  it('a forged journal (committed .distiq/journal, or unsigned in the state dir) is quarantined, never applied, even with --dry-run', async () => {
    const forged = JSON.stringify({
      pid: 999999,
      at: 0,
      files: [
        {
          path: '.github/workflows/ci.yml',
          original: Buffer.from('on: push\njobs: {steal: {}}\n').toString('base64'),
          mode: 420,
          written: null,
        },
        {
          path: 'package.json',
          original: Buffer.from('{"scripts":{"build":"true"}}').toString('base64'),
          mode: 420,
          written: null,
        },
      ],
    });
    const s = await scenario(
      [
        edits({
          path: 'src/config.js',
          search: BROKEN,
          replace: 'module.exports = { port: 8080 };\n',
        }),
      ],
      { '.distiq/journal/1-aaaa.json': forged, '.distiq/ledger.jsonl': '' },
    );
    mkdirSync(path.join(s.dir, '.git/distiq/journal'), { recursive: true });
    writeFileSync(
      path.join(s.dir, '.git/distiq/journal/2-bbbb.json'),
      JSON.stringify({ body: forged, mac: '0'.repeat(64) }),
    );
    const pkg = readFileSync(path.join(s.dir, 'package.json'), 'utf8');
    const dry = await s.run({}, ['fix', '--build', '--dry-run', '--json']);
    expect(dry.stderr).toMatch(/quarantined/);
    expect(existsSync(path.join(s.dir, '.github'))).toBe(false);
    expect(readFileSync(path.join(s.dir, 'package.json'), 'utf8')).toBe(pkg);
    expect(readdirSync(path.join(s.dir, '.git/distiq/quarantine')).length).toBe(2);
    note('forgedJournalsQuarantined', 2);
    expect(readdirSync(path.join(s.dir, '.git/distiq/journal'))).toEqual([]);
    // The real run repairs as usual; its own journal works.
    const r = await s.run();
    expect(r.report.status).toBe('fixed');
    expect(existsSync(path.join(s.dir, '.git/distiq/runs', `${r.report.runId}.json`))).toBe(true);
    assertUserWorkIntact(s.dir);
  });

  it('a committed .distiq symlink is never followed: the file it points to outside the repo is untouched', async () => {
    const outside = tempDir('distiq-outside-');
    writeFileSync(path.join(outside, 'ledger.jsonl'), 'precious\n');
    const s = await scenario([
      edits({
        path: 'src/config.js',
        search: BROKEN,
        replace: 'module.exports = { port: 8080 };\n',
      }),
    ]);
    symlinkSync(outside, path.join(s.dir, '.distiq'));
    git(s.dir, 'add', '.distiq');
    git(s.dir, 'commit', '-qm', 'link');
    const r = await s.run();
    expect(r.report.status).toBe('fixed');
    expect(readdirSync(outside)).toEqual(['ledger.jsonl']);
    expect(readFileSync(path.join(outside, 'ledger.jsonl'), 'utf8')).toBe('precious\n');
    assertUserWorkIntact(s.dir);
  });

  it('bytes, not strings: a CRLF file keeps CRLF; a Latin-1 file is refused, not re-encoded', async () => {
    const crlf = 'module.exports = {\r\n  port: "8080",\r\n};\r\n// café\r\n';
    const latin1 = Buffer.from('// caf\xe9 en Latin-1\nexports.x = 1;\n', 'latin1');
    const s = await scenario(
      [
        edits({ path: 'src/legacy.js', search: 'exports.x = 1;', replace: 'exports.x = 2;' }),
        edits({ path: 'src/config.js', search: '  port: "8080",\n', replace: '  port: 8080,\n' }),
      ],
      {
        'src/config.js': crlf,
        'src/check.js': CHECK.replace(
          "require('./config.js')",
          "(require('./legacy.js'), require('./config.js'))",
        ),
      },
    );
    writeFileSync(path.join(s.dir, 'src/legacy.js'), latin1);
    git(s.dir, 'add', 'src/legacy.js');
    git(s.dir, 'commit', '-qm', 'legacy');
    const r = await s.run();
    expect(r.report.status).toBe('fixed');
    expect(readFileSync(path.join(s.dir, 'src/legacy.js')).equals(latin1)).toBe(true);
    expect(JSON.stringify(s.server.requests[1]!.messages)).toContain('not valid UTF-8');
    expect(readFileSync(path.join(s.dir, 'src/config.js'), 'utf8')).toBe(
      crlf.replace('"8080"', '8080'),
    );
  });

  it("--branch with --allow-dirty commits only distiq's changes: a repaired file holding the user's work is left out and named", async () => {
    const s = await scenario(
      [edits({ path: 'src/config.js', search: 'port: "8080"', replace: 'port: 8080' })],
      { 'src/other.js': 'exports.y = 1;\n' },
    );
    writeFileSync(path.join(s.dir, 'src/config.js'), `// my uncommitted note\n${BROKEN}`);
    const head = git(s.dir, 'rev-parse', 'HEAD');
    const r = await s.run({}, [
      'fix',
      '--build',
      '--tiers',
      'cheap',
      '--allow-dirty',
      '--branch',
      'distiq/fix-1',
      '--json',
    ]);
    expect(r.report.status).toBe('fixed');
    expect(r.stderr).toContain(
      'not committed (they also hold your uncommitted work): src/config.js',
    );
    // Nothing of distiq's alone was left to commit: the report says so, no branch was made.
    expect(r.report.branch).toEqual({
      name: 'distiq/fix-1',
      commit: null,
      notCommitted: ['src/config.js'],
    });
    expect(git(s.dir, 'branch', '--list', 'distiq/fix-1')).toBe('');
    expect(git(s.dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(readFileSync(path.join(s.dir, 'src/config.js'), 'utf8')).toBe(
      '// my uncommitted note\nmodule.exports = { port: 8080 };\n',
    );
    assertUserWorkIntact(s.dir);
    // Without --json the same message goes to stderr only; stdout has the report, no commit line.
    writeFileSync(path.join(s.dir, 'src/config.js'), `// my uncommitted note\n${BROKEN}`);
    const human = await runCli(
      ['fix', '--build', '--tiers', 'cheap', '--allow-dirty', '--branch', 'distiq/fix-2'],
      { cwd: s.dir, env: { HOME: s.home, XDG_STATE_HOME: path.join(s.home, '.state') } },
    );
    expect(human.code, human.stderr).toBe(0);
    expect(human.stderr).toContain(
      'not committed (they also hold your uncommitted work): src/config.js',
    );
    expect(human.stdout).not.toContain('not committed');
    expect(human.stdout).not.toContain('Committed');
    expect(git(s.dir, 'rev-parse', 'HEAD')).toBe(head);
  });
});
