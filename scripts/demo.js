// `npm run demo [-- <fixture>]`: copies a bundled broken fixture into a fresh git repo in a temp
// folder, runs the `distiq fix` that fits it, and ends with the full diff of the repair.
// No API key, no model: the $0 autofix tier does the work.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Each fixture README names, with what is broken in it.
const TARGETS = { 'ts-app': '--build', 'lint-app': '--lint', 'rust-app': '--build' };
const fixture = process.argv[2] ?? 'ts-app';
const target = TARGETS[fixture];
if (!target) {
  console.error(`Unknown demo "${fixture}"; the demos are: ${Object.keys(TARGETS).join(', ')}`);
  process.exit(2);
}
const work = mkdtempSync(path.join(os.tmpdir(), `distiq-demo-${fixture}-`));
cpSync(path.join(root, 'fixtures', fixture), work, { recursive: true });
symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'), 'dir');
const git = (...args) => execFileSync('git', args, { cwd: work, stdio: 'ignore' });
git('init', '-q', '-b', 'main');
git('add', '-A');
git(
  '-c',
  'user.name=demo',
  '-c',
  'user.email=demo@example.com',
  'commit',
  '-q',
  '-m',
  'broken fixture',
);

console.log(`Demo repo: ${work}\n$ distiq fix ${target}\n`);
const bin = path.join(root, 'bin', 'run.js');
const run = spawnSync(process.execPath, [bin, 'fix', target, '--cwd', work], { stdio: 'inherit' });
console.log('\n$ git diff');
spawnSync('git', ['--no-pager', 'diff'], { cwd: work, stdio: 'inherit' });
process.exit(run.status ?? 1);
