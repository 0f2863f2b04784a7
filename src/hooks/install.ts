import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { readJson } from '../util-json.js';
import { git } from './changed-files.js';

export type Manager = 'husky' | 'lefthook' | 'simple-git-hooks' | 'hooks-dir';

const MARKER = 'distiq pre-push hook';
const BLOCK_START = '# >>> distiq pre-push (managed by `distiq hook install`)';
const BLOCK_END = '# <<< distiq';
const LEFTHOOK_FILES = ['lefthook.yml', '.lefthook.yml', 'lefthook.yaml', '.lefthook.yaml'];

/** What install changed, so uninstall can put back exactly what was there. */
interface InstallState {
  manager: Manager;
  file: string;
  original: string | null;
  written: string;
  chained?: string;
}

export interface InstallResult {
  manager: Manager;
  file: string;
  action: 'installed' | 'updated' | 'unchanged';
  note?: string;
}

/** The command the hook runs: this installation's lightweight hook entry, with this node. */
function hookCommand(argsSh: string): string {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  return `"${process.execPath}" "${main}" pre-push ${argsSh}`;
}

async function locate(cwd: string) {
  const root = (
    await git(cwd, 'rev-parse', '--show-toplevel').catch(() => {
      throw new UsageError(`${cwd} is not inside a git repository`);
    })
  ).trim();
  const gitDir = path.resolve(root, (await git(root, 'rev-parse', '--git-dir')).trim());
  // --git-path hooks honours core.hooksPath (husky, custom folders).
  const hooksDir = path.resolve(root, (await git(root, 'rev-parse', '--git-path', 'hooks')).trim());
  const hooksPath = (await git(root, 'config', '--get', 'core.hooksPath').catch(() => '')).trim();
  return { root, gitDir, hooksDir, hooksPath };
}

export async function detectManager(
  cwd: string,
): Promise<{ manager: Manager; root: string; gitDir: string; hooksDir: string }> {
  const loc = await locate(cwd);
  const { root, hooksPath } = loc;
  if (LEFTHOOK_FILES.some((f) => existsSync(path.join(root, f))))
    return { manager: 'lefthook', ...loc };
  if (/(^|\/)\.husky(\/_)?\/?$/.test(hooksPath) || existsSync(path.join(root, '.husky', '_')))
    return { manager: 'husky', ...loc };
  const pkg = readJson(path.join(root, 'package.json'));
  if (pkg && 'simple-git-hooks' in pkg) return { manager: 'simple-git-hooks', ...loc };
  return { manager: 'hooks-dir', ...loc };
}

const stateFile = (gitDir: string) => path.join(gitDir, 'distiq', 'hook-install.json');

export async function installHook(cwd: string): Promise<InstallResult> {
  const { manager, root, gitDir, hooksDir } = await detectManager(cwd);
  const previous = readState(gitDir);
  let result: InstallResult;
  let state: InstallState;
  switch (manager) {
    case 'hooks-dir': {
      const file = path.join(hooksDir, 'pre-push');
      const chained = path.join(hooksDir, 'pre-push.distiq-chained');
      const current = readOrNull(file);
      const ours = current !== null && current.includes(MARKER);
      if (current !== null && !ours) {
        // Never overwrite a hook distiq did not write: it keeps running, after distiq, with the same input.
        if (existsSync(chained))
          throw new UsageError(
            `${chained} already exists; refusing to overwrite it`,
            'Move it away, then run distiq hook install again.',
          );
        renameSync(file, chained);
      }
      const written = `#!/bin/sh\n# ${MARKER}: installed by \`distiq hook install\`; \`distiq hook uninstall\` restores what was here.\n# Bypass once: git push --no-verify, or DISTIQ_SKIP_HOOK=1 git push\nexec ${hookCommand('"$1" "$2"')}${existsSync(chained) ? ` --chain "${chained}"` : ''}\n`;
      mkdirSync(hooksDir, { recursive: true });
      writeFileSync(file, written);
      chmodSync(file, 0o755);
      state = {
        manager,
        file,
        original: ours ? (previous?.original ?? null) : null,
        written,
        ...(existsSync(chained) ? { chained } : {}),
      };
      result = {
        manager,
        file,
        action: current === written ? 'unchanged' : ours ? 'updated' : 'installed',
        ...(existsSync(chained)
          ? { note: `the existing hook runs after distiq (${path.basename(chained)})` }
          : {}),
      };
      break;
    }
    case 'husky': {
      const file = path.join(root, '.husky', 'pre-push');
      const current = readOrNull(file);
      const base = current === null ? null : stripBlock(current);
      const written = `${base ?? ''}${base && !base.endsWith('\n') ? '\n' : ''}${BLOCK_START}\n${hookCommand('"$1" "$2"')} || exit $?\n${BLOCK_END}\n`;
      writeFileSync(file, written);
      chmodSync(file, 0o755);
      state = {
        manager,
        file,
        original:
          current !== null && current.includes(BLOCK_START)
            ? (previous?.original ?? base)
            : current,
        written,
      };
      result = {
        manager,
        file,
        action:
          current === written
            ? 'unchanged'
            : current?.includes(BLOCK_START)
              ? 'updated'
              : 'installed',
      };
      break;
    }
    case 'lefthook': {
      const file = path.join(
        root,
        LEFTHOOK_FILES.find((f) => existsSync(path.join(root, f)))!,
      );
      const current = readFileSync(file, 'utf8');
      const YAML = await import('yaml');
      const doc = YAML.parseDocument(current);
      const entry = { run: hookCommand('{1} {2}'), use_stdin: true };
      const jobs = doc.getIn(['pre-push', 'jobs']);
      if (YAML.isSeq(jobs)) {
        const items = jobs.items.filter((i) => !(YAML.isMap(i) && i.get('name') === 'distiq'));
        jobs.items = [...items, doc.createNode({ name: 'distiq', ...entry })];
      } else doc.setIn(['pre-push', 'commands', 'distiq'], doc.createNode(entry));
      const written = doc.toString();
      writeFileSync(file, written);
      const wasOurs = YAML.parseDocument(current).hasIn(['pre-push', 'commands', 'distiq']);
      state = {
        manager,
        file,
        original: wasOurs ? (previous?.original ?? current) : current,
        written,
      };
      result = {
        manager,
        file,
        action: current === written ? 'unchanged' : wasOurs ? 'updated' : 'installed',
        note: refreshManager(root, 'lefthook', ['install']),
      };
      break;
    }
    case 'simple-git-hooks': {
      const file = path.join(root, 'package.json');
      const current = readFileSync(file, 'utf8');
      const pkg = JSON.parse(current) as Record<string, Record<string, string>>;
      const hooks = pkg['simple-git-hooks']!;
      const cmd = hookCommand('"$1" "$2"');
      // Theirs first: distiq reads the refs from upstream when their command consumed stdin.
      hooks['pre-push'] =
        hooks['pre-push'] && !hooks['pre-push'].includes('hooks/main.js')
          ? `${hooks['pre-push']} && ${cmd}`
          : cmd;
      const written =
        JSON.stringify(pkg, null, detectIndent(current)) + (current.endsWith('\n') ? '\n' : '');
      writeFileSync(file, written);
      state = {
        manager,
        file,
        original: previous?.manager === manager ? previous.original : current,
        written,
      };
      result = {
        manager,
        file,
        action: current === written ? 'unchanged' : 'installed',
        note: refreshManager(root, 'simple-git-hooks', []),
      };
      break;
    }
  }
  mkdirSync(path.dirname(stateFile(gitDir)), { recursive: true });
  writeFileSync(stateFile(gitDir), JSON.stringify(state, null, 2));
  return result;
}

export async function uninstallHook(cwd: string): Promise<{
  manager: Manager | null;
  file: string | null;
  restored: 'exactly' | 'block-removed' | 'nothing-installed';
}> {
  const { gitDir, root } = await locate(cwd);
  const state = readState(gitDir);
  if (!state) return { manager: null, file: null, restored: 'nothing-installed' };
  const current = readOrNull(state.file);
  let restored: 'exactly' | 'block-removed';
  if (current === state.written) {
    // Untouched since install: put back the exact bytes (or the absence) that were there.
    if (state.original === null) rmSync(state.file, { force: true });
    else writeFileSync(state.file, state.original);
    restored = 'exactly';
  } else {
    // Edited since: remove only what distiq added, keep the user's edits.
    if (current !== null && state.manager === 'husky')
      writeFileSync(state.file, stripBlock(current));
    if (current !== null && state.manager === 'lefthook') {
      const YAML = await import('yaml');
      const doc = YAML.parseDocument(current);
      doc.deleteIn(['pre-push', 'commands', 'distiq']);
      writeFileSync(state.file, doc.toString());
    }
    if (current !== null && state.manager === 'hooks-dir' && current.includes(MARKER))
      rmSync(state.file, { force: true });
    restored = 'block-removed';
  }
  if (state.chained && existsSync(state.chained)) renameSync(state.chained, state.file);
  if (state.manager === 'lefthook') refreshManager(root, 'lefthook', ['install']);
  if (state.manager === 'simple-git-hooks') refreshManager(root, 'simple-git-hooks', []);
  rmSync(stateFile(gitDir), { force: true });
  return { manager: state.manager, file: state.file, restored };
}

/** Re-runs the manager's own installer so git's hook files match its config. */
function refreshManager(root: string, bin: string, args: string[]): string | undefined {
  const local = path.join(root, 'node_modules', '.bin', bin);
  if (!existsSync(local))
    return `run \`${bin} ${args.join(' ')}\` to apply the change to .git/hooks`;
  try {
    execFileSync(local, args, { cwd: root, stdio: 'ignore' });
    return undefined;
  } catch {
    return `\`${bin} ${args.join(' ')}\` failed; run it yourself`;
  }
}

function stripBlock(text: string): string {
  const start = text.indexOf(BLOCK_START);
  if (start < 0) return text;
  const end = text.indexOf(BLOCK_END, start);
  return text.slice(0, start) + (end < 0 ? '' : text.slice(end + BLOCK_END.length + 1));
}

function readState(gitDir: string): InstallState | null {
  try {
    return JSON.parse(readFileSync(stateFile(gitDir), 'utf8')) as InstallState;
  } catch {
    return null;
  }
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function detectIndent(json: string): string {
  return /\n([ \t]+)"/.exec(json)?.[1] ?? '  ';
}
