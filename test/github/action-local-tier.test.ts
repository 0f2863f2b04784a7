// Issue #15, item 1: the local tier in the Action. The built bundle (built into a temp folder, as
// the runner would run dist/action/index.js) runs `tiers: local` on a real GGUF this suite writes,
// loading node-llama-cpp from the runner's tool cache; the GitHub API is a loopback server. The
// install path runs against a fake `npm` on PATH that records its arguments (no network): it
// "installs" by linking the node-llama-cpp this repo already has.
import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureNodeLlamaCpp,
  pinnedLlamaVersion,
  prepareLocalTier,
  toolCacheFolder,
} from '../../src/github-action/local-tier.js';
import { loadConfig } from '../../src/config/load.js';
import { useNodeLlamaCppFrom } from '../../src/providers/llama-loader.js';
import { commentEvent, FILES, TOKEN } from '../github-harness.js';
import { git, makeRepo, ROOT, tempDir } from '../helpers.js';
import { writeTinyGguf } from '../tiny-gguf.js';
import { LoopbackGitHub } from './loopback-github.js';

const REAL_LLAMA = realpathSync(path.join(ROOT, 'node_modules', 'node-llama-cpp'));
const VERSION = pinnedLlamaVersion();
const REAL_NPM = execFileSync('sh', ['-c', 'command -v npm'], {
  encoding: 'utf8',
}).trim();
let bundle: string;
let model: string;

beforeAll(async () => {
  bundle = tempDir('distiq-bundle-');
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/build-action.js'), bundle]);
  model = path.join(tempDir(), 'tiny.gguf');
  writeTinyGguf(model);
});
afterAll(() => useNodeLlamaCppFrom(null));

/**
 * A fake npm: `npm install` is recorded (argv, one line per call) and links the real package into
 * --prefix; anything else (the repo's own `npm run build`) goes to the real npm.
 */
function fakeNpm(opts: { fail?: boolean } = {}) {
  const bin = tempDir('distiq-fake-npm-');
  const log = path.join(bin, 'calls.log');
  const script = [
    '#!/bin/sh',
    `if [ "$1" != install ]; then exec '${REAL_NPM}' "$@"; fi`,
    `printf '%s\\n' "$*" >> '${log}'`,
    opts.fail ? 'echo "npm ERR! code E404" >&2; exit 1' : '',
    'prefix=""; while [ $# -gt 0 ]; do if [ "$1" = "--prefix" ]; then prefix="$2"; fi; shift; done',
    `mkdir -p "$prefix/node_modules" && ln -s '${REAL_LLAMA}' "$prefix/node_modules/node-llama-cpp"`,
  ].join('\n');
  writeFileSync(path.join(bin, 'npm'), script);
  chmodSync(path.join(bin, 'npm'), 0o755);
  const calls = () =>
    existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  return { bin, calls, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
}

describe('node-llama-cpp in the tool cache', () => {
  it('is installed on first use with the runner npm (pinned, --ignore-scripts, into the cache folder), then reused', async () => {
    const npm = fakeNpm();
    const toolCache = tempDir('distiq-toolcache-');
    const env = {
      PATH: npm.PATH,
      HOME: process.env.HOME,
      GITHUB_TOKEN: TOKEN,
      NPM_CONFIG_REGISTRY: 'https://registry.npmjs.org/',
    };
    const dir = toolCacheFolder(toolCache, VERSION);
    expect(dir).toBe(path.join(toolCache, 'distiq-node-llama-cpp', VERSION, process.arch));
    expect(await ensureNodeLlamaCpp({ toolCache, version: VERSION, env })).toEqual({
      dir,
      installed: true,
    });
    expect(npm.calls()).toEqual([
      `install --no-save --ignore-scripts --no-audit --no-fund --no-package-lock --prefix ${dir} node-llama-cpp@${VERSION}`,
    ]);
    expect(existsSync(`${dir}.complete`)).toBe(true);
    // Second run on the same runner: the marker is there, npm is not called.
    expect(await ensureNodeLlamaCpp({ toolCache, version: VERSION, env })).toEqual({
      dir,
      installed: false,
    });
    expect(npm.calls()).toHaveLength(1);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('a failed install leaves no folder and no marker, says why, and is retried next time', async () => {
    const npm = fakeNpm({ fail: true });
    const toolCache = tempDir('distiq-toolcache-');
    await expect(
      ensureNodeLlamaCpp({
        toolCache,
        version: VERSION,
        env: { PATH: npm.PATH },
      }),
    ).rejects.toThrow(`npm install node-llama-cpp@${VERSION} failed: npm ERR! code E404`);
    const dir = toolCacheFolder(toolCache, VERSION);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(`${dir}.complete`)).toBe(false);
    // A folder without its marker (an interrupted install) is not trusted: it is redone.
    mkdirSync(dir, { recursive: true });
    const ok = fakeNpm();
    expect(
      (
        await ensureNodeLlamaCpp({
          toolCache,
          version: VERSION,
          env: { PATH: ok.PATH },
        })
      ).installed,
    ).toBe(true);
    await expect(
      ensureNodeLlamaCpp({
        toolCache,
        version: '^3.0.0',
        env: { PATH: ok.PATH },
      }),
    ).rejects.toThrow('is not an exact version');
  });

  it('the tier is prepared from the cache (installed, loaded, probed on the CPU), or reported unusable with the reason', async () => {
    const npm = fakeNpm();
    const root = makeRepo({ files: { 'a.txt': 'x\n' } });
    const base = {
      providers: {
        local: { type: 'llama', modelPath: model, gpu: 'off', threads: 1 },
      },
      tiers: { local: [{ provider: 'local', model: 'tiny' }] },
    };
    writeFileSync(path.join(root, '.distiqrc.json'), JSON.stringify(base));
    const { config } = await loadConfig(root);
    const toolCache = tempDir('distiq-toolcache-');
    const ready = await prepareLocalTier({
      root,
      config,
      env: { PATH: npm.PATH, RUNNER_TOOL_CACHE: toolCache },
    });
    expect(ready).toMatchObject({
      status: 'ready',
      installed: true,
      gpu: false,
      dir: toolCacheFolder(toolCache, VERSION),
    });

    const failing = fakeNpm({ fail: true });
    const broken = await prepareLocalTier({
      root,
      config,
      env: { PATH: failing.PATH, RUNNER_TOOL_CACHE: tempDir() },
    });
    expect(broken).toMatchObject({
      status: 'unusable',
      reason: expect.stringContaining('npm install node-llama-cpp@'),
    });

    writeFileSync(
      path.join(root, '.distiqrc.json'),
      JSON.stringify({
        ...base,
        providers: {
          local: { type: 'llama', modelPath: '.distiq/models/none.gguf' },
        },
      }),
    );
    const noModel = await prepareLocalTier({
      root,
      config: (await loadConfig(root)).config,
      env: { PATH: npm.PATH, RUNNER_TOOL_CACHE: toolCache },
    });
    expect(noModel).toEqual({
      status: 'unusable',
      reason: expect.stringContaining(
        'model file .distiq/models/none.gguf not found on this runner',
      ),
    });
  });
});

describe('the built bundle with tiers: local', () => {
  let api: LoopbackGitHub;
  afterAll(() => api?.stop());

  // Bundling, a tsc run and real inference on two busy cores: sized well below this timeout.
  it(
    '/distiq fix on the tiny GGUF: node-llama-cpp from the tool cache (no install), local calls at $0, outputs and summary say so',
    { timeout: 400_000 },
    async () => {
      // One type error: one task. The tiny model's tokenizer spells text byte by byte, so the repair
      // prompt needs a context beyond its 512 training tokens (llama.cpp allows it).
      const dir = makeRepo({
        nodeModules: true,
        files: {
          ...FILES,
          'src/math.ts':
            'export function add(a: number, b: number): number {\n  return a + c;\n}\n',
        },
      });
      const config = {
        providers: {
          local: {
            type: 'llama',
            modelPath: model,
            gpu: 'off',
            threads: 1,
            contextSize: 16384,
          },
        },
        tiers: { local: [{ provider: 'local', model: 'tiny' }] },
        models: { maxOutputTokens: 60, contextTokens: 500 },
        fix: { maxAttempts: 1 },
      };
      writeFileSync(path.join(dir, '.distiqrc.json'), JSON.stringify(config));
      git(dir, 'add', '.distiqrc.json');
      git(dir, 'commit', '-qm', 'config');
      const remote = tempDir('distiq-remote-');
      git(remote, 'init', '-q', '--bare');
      git(dir, 'remote', 'add', 'origin', remote);
      // The runner's tool cache already holds node-llama-cpp (an earlier run installed it).
      const toolCache = tempDir('distiq-toolcache-');
      const cached = toolCacheFolder(toolCache, VERSION);
      mkdirSync(path.join(cached, 'node_modules'), { recursive: true });
      symlinkSync(REAL_LLAMA, path.join(cached, 'node_modules', 'node-llama-cpp'));
      writeFileSync(`${cached}.complete`, '');
      const npm = fakeNpm({ fail: true });

      api = new LoopbackGitHub();
      const REPO = '/repos/Codertocat/Hello-World';
      api.expect(
        {
          method: 'GET',
          path: `${REPO}/collaborators/Codertocat/permission`,
          status: 200,
          body: { permission: 'write', role_name: 'write' },
        },
        {
          method: 'GET',
          path: `${REPO}/issues/1/comments`,
          status: 200,
          body: [],
        },
        {
          method: 'POST',
          path: `${REPO}/issues/comments/492700400/reactions`,
          status: 201,
          body: { id: 1, content: 'eyes' },
        },
        {
          method: 'POST',
          path: `${REPO}/issues/1/comments`,
          status: 201,
          body: { id: 77 },
        },
        {
          method: 'PATCH',
          path: `${REPO}/issues/comments/77`,
          status: 200,
          body: { id: 77 },
        },
        {
          method: 'POST',
          path: `${REPO}/issues/comments/492700400/reactions`,
          status: 201,
          body: { id: 2, content: 'confused' },
        },
      );
      const url = await api.start();
      const event = path.join(tempDir(), 'event.json');
      const p = commentEvent('/distiq fix');
      p.repository.default_branch = 'main';
      writeFileSync(event, JSON.stringify(p));
      const out = tempDir();
      const env = {
        PATH: npm.PATH,
        HOME: process.env.HOME!,
        CI: 'true',
        GITHUB_EVENT_NAME: 'issue_comment',
        GITHUB_EVENT_PATH: event,
        GITHUB_REPOSITORY: 'Codertocat/Hello-World',
        GITHUB_API_URL: url,
        GITHUB_ACTOR: 'Codertocat',
        GITHUB_WORKSPACE: dir,
        GITHUB_OUTPUT: path.join(out, 'output'),
        GITHUB_STEP_SUMMARY: path.join(out, 'summary'),
        RUNNER_TOOL_CACHE: toolCache,
        DISTIQ_GITHUB_RETRY_BASE_MS: '1',
        'INPUT_GITHUB-TOKEN': TOKEN,
        INPUT_COMMAND: 'auto',
        INPUT_TIERS: 'local',
      };
      const child = spawn(process.execPath, [path.join(bundle, 'index.js')], {
        cwd: dir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stdout += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

      const outputs = Object.fromEntries(
        [
          ...readFileSync(env.GITHUB_OUTPUT, 'utf8').matchAll(
            /^([\w-]+)<<(distiq_[0-9a-f]+)\n([\s\S]*?)\n\2$/gm,
          ),
        ].map((m) => [m[1], m[3]]),
      );
      expect(api.unexpected, stdout).toEqual([]);
      expect(npm.calls()).toEqual([]); // the .complete marker: no install
      expect(outputs['local-tier'], stdout).toBe('ready');
      expect(stdout).toContain(`distiq: local tier ready from ${cached}`);
      const report = JSON.parse(readFileSync(outputs['report-json']!, 'utf8'));
      // Real inference ran on the local tier: tokens in and out, at $0 (the answer is meaningless).
      expect(report.cost.byTier.local.calls, stdout).toBeGreaterThan(0);
      expect(report.cost.byTier.local.inputTokens, JSON.stringify(report.tasks)).toBeGreaterThan(0);
      expect(report.cost.byTier.local.outputTokens).toBeGreaterThan(0);
      expect(report.cost.usd).toBe(0);
      expect(outputs['cost-usd']).toBe('0.000000');
      expect(['fixed', 'partial', 'failed']).toContain(outputs.status);
      expect(code).toBe(outputs.status === 'fixed' ? 0 : 1);
      const summary = readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8');
      expect(summary).toContain('Local tier: ready (CPU).');
      expect(summary).toMatch(/\| local \| local\/tiny \| \d+ \|/);
      expect(stdout).not.toContain(TOKEN);
    },
  );
});
