// The README's test command after `npm install`: build, then the whole vitest suite, then ONE
// closing line `N passed, N failed` (CI log readers look for it), printed on every outcome:
// green, red, a build that does not compile, or vitest crashing. Exit code: vitest's, or 1.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const countsFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'distiq-tests-')), 'counts.json');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

let code = run(npm, ['run', '--silent', 'build']);
if (code !== 0) {
  console.error('The build failed: no test ran.');
  console.log('0 passed, 1 failed');
  process.exit(code);
}
code = run(
  process.execPath,
  [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...process.argv.slice(2)],
  { DISTIQ_TEST_COUNTS: countsFile },
);
const counts = existsSync(countsFile) ? JSON.parse(readFileSync(countsFile, 'utf8')) : null;
if (!counts) {
  console.error(`vitest ended (exit ${code}) without reporting its counts.`);
  console.log('0 passed, 1 failed');
  process.exit(code || 1);
}
const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
console.log(`${counts.passed} passed, ${counts.failed} failed${skipped}`);
process.exit(code !== 0 ? code : counts.failed > 0 ? 1 : 0);
