// Baseline for the hook benchmark: `git diff --name-only` and the tree-sitter syntax check of those
// files, nothing else, in a fresh process like the hook's.
import { execFileSync } from 'node:child_process';
import { newSyntaxProblems } from '../dist/context/syntax-check.js';

const [cwd, base, head] = process.argv.slice(2);
const files = execFileSync('git', ['diff', '--name-only', base, head], { cwd, encoding: 'utf8' })
  .split('\n')
  .filter(Boolean);
let problems = 0;
// The same check the hook makes: problems new relative to the base version.
const show = (rev, f) => execFileSync('git', ['show', `${rev}:${f}`], { cwd, encoding: 'utf8' });
for (const f of files)
  problems += (await newSyntaxProblems(f, show(base, f), show(head, f))).length;
process.exit(problems > 0 ? 1 : 0);
