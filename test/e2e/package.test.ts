// Installs distiq the way a user does: `npm pack` of this checkout, then `npm i -D` of the
// tarball into a fresh repository (dependencies from the npm registry) and a global install
// with --prefix, and runs `npx distiq fix --build` on a small broken TypeScript project.
// No install script is needed (--ignore-scripts): the tarball carries the built CLI, and the
// tree-sitter grammars are used through their .wasm files. node-llama-cpp stays out.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { git, ROOT, tempDir, writeFiles } from '../helpers.js';

const NPM_FLAGS = ['--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'];
const npm = (cwd: string, args: string[]) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } });

let tarball: string;

beforeAll(() => {
  // The suite runs after `npm run build`; the tarball is what `npm publish` would upload.
  const out = tempDir('distiq-pack-');
  npm(ROOT, ['pack', '--pack-destination', out, '--loglevel=error']);
  tarball = path.join(
    out,
    readdirSync(out).find((f) => f.endsWith('.tgz'))!,
  );
}, 120_000);

/** A repo of the user's own: a TypeScript build broken by a dropped import. */
function brokenApp(): string {
  const dir = tempDir('distiq-app-');
  writeFiles(dir, {
    'package.json': JSON.stringify(
      {
        name: 'my-app',
        version: '1.0.0',
        private: true,
        type: 'module',
        scripts: { build: 'tsc -p .' },
      },
      null,
      2,
    ),
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        outDir: 'dist',
        skipLibCheck: true,
      },
      include: ['src'],
    }),
    'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
    'src/main.ts':
      'export function total(xs: number[]): number {\n  return xs.reduce((acc, x) => add(acc, x), 0);\n}\n',
    '.gitignore': 'node_modules/\ndist/\n',
  });
  git(dir, 'init', '-q', '-b', 'main');
  return dir;
}

describe('the npm package', () => {
  it('packs the built CLI, the schema and no Action bundle', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(listing).toContain('package/bin/run.js');
    expect(listing).toContain('package/dist/index.js');
    expect(listing).toContain('package/dist/hooks/main.js');
    expect(listing).toContain('package/schema/distiq.schema.json');
    expect(listing.filter((f) => f.startsWith('package/dist/action/'))).toEqual([]);
    expect(
      listing.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/')),
    ).toEqual([]);
  });

  it('installs into a fresh repo with npm i -D and repairs its build with npx distiq fix --build', () => {
    const app = brokenApp();
    npm(app, ['install', '-D', tarball, 'typescript@~5.9', ...NPM_FLAGS]);
    git(app, 'add', '-A');
    git(app, 'commit', '-q', '-m', 'broken build');
    // The local tier is optional: a plain install does not pull node-llama-cpp (~725 MB).
    expect(existsSync(path.join(app, 'node_modules', 'node-llama-cpp'))).toBe(false);
    const manifest = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.devDependencies)).toContain('distiq');

    let stdout = '';
    try {
      stdout = execFileSync('npx', ['distiq', 'fix', '--build', '--json'], {
        cwd: app,
        encoding: 'utf8',
        env: { ...process.env, CI: 'true' },
      });
    } catch (err) {
      throw new Error(
        `npx distiq fix failed: ${(err as { stdout?: string; stderr?: string }).stdout}\n${(err as { stderr?: string }).stderr}`,
      );
    }
    const report = JSON.parse(stdout);
    expect(report.status).toBe('fixed');
    expect(report.changedFiles).toEqual(['src/main.ts']);
    expect(readFileSync(path.join(app, 'src/main.ts'), 'utf8')).toMatch(
      /^import \{ add \} from "\.\/math\.js";/,
    );
    expect(execFileSync('npx', ['tsc', '-p', '.'], { cwd: app, encoding: 'utf8' })).toBe('');

    // `distiq models` says how to add the local tier instead of failing.
    const models = execFileSync('npx', ['distiq', 'models', '--json'], {
      cwd: app,
      encoding: 'utf8',
    });
    const local = JSON.parse(models).localTier;
    expect(local.installed).toBe(false);
    expect(local.install).toBe('npm i -D node-llama-cpp@^3.22.1');
  }, 600_000);

  it('installs globally (npm i -g --prefix) and runs from PATH', () => {
    const prefix = tempDir('distiq-global-');
    npm(prefix, ['install', '-g', '--prefix', prefix, tarball, ...NPM_FLAGS]);
    const bin = path.join(prefix, 'bin', 'distiq');
    const version = execFileSync(bin, ['--version'], { encoding: 'utf8' });
    expect(version).toMatch(/^distiq\/\d+\.\d+\.\d+ /);
    const help = execFileSync(bin, ['help', 'fix'], { encoding: 'utf8' });
    expect(help).toContain('--tiers');
  }, 600_000);
});
