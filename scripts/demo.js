// `npm run demo`: copies the bundled broken fixture into a fresh git repo in a temp folder and
// runs `distiq fix --build` on it. No API key, no model: the $0 autofix tier does the work.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = process.argv[2] ?? 'ts-app';
const work = mkdtempSync(path.join(os.tmpdir(), `distiq-demo-${fixture}-`));
cpSync(path.join(root, 'fixtures', fixture), work, { recursive: true });
symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'), 'dir');
const git = (...args) => execFileSync('git', args, { cwd: work, stdio: 'ignore' });
git('init', '-q', '-b', 'main');
git('add', '-A');
git('-c', 'user.name=demo', '-c', 'user.email=demo@example.com', 'commit', '-q', '-m', 'broken fixture');

console.log(`Demo repo: ${work}\n$ distiq fix --build\n`);
const run = spawnSync(process.execPath, [path.join(root, 'bin', 'run.js'), 'fix', '--build', '--cwd', work], { stdio: 'inherit', env: { ...process.env } });
console.log('\n$ git diff --stat');
spawnSync('git', ['diff', '--stat'], { cwd: work, stdio: 'inherit' });
process.exit(run.status ?? 1);
