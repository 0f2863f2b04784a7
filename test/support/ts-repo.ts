// Small strict TypeScript repos made by a test, and tsc's failures on them (shared by the
// $0-repair, history and context tests).
import { runCommand } from '../../src/validation/run-command.js';
import { parseFailures } from '../../src/validation/parsers/index.js';
import { git, makeRepo, writeFiles } from '../helpers.js';

export const TSCONFIG = JSON.stringify({
  compilerOptions: {
    strict: true,
    noEmit: true,
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: [],
  },
  include: ['src'],
});

export async function tscFailures(dir: string) {
  const run = await runCommand('tsc -p tsconfig.json', { cwd: dir, timeoutMs: 60_000 });
  return parseFailures(run.output, { root: dir });
}

/** A green repo, then a commit that breaks it: HEAD~1 is the last green commit. */
export function brokenRepo(green: Record<string, string>, broken: Record<string, string>): string {
  const dir = makeRepo({
    nodeModules: true,
    files: { 'package.json': '{"type":"module"}', 'tsconfig.json': TSCONFIG, ...green },
  });
  writeFiles(dir, broken);
  git(dir, 'commit', '-qam', 'break');
  return dir;
}
