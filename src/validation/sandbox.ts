import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DistiqError, ExitCode } from '../errors.js';
import { bwrapFailure } from './bwrap-failure.js';

/**
 * Validation commands run model-written code. On Linux they run under bubblewrap: the repository
 * writable (its git dir read-only), the rest of the filesystem read-only, a fresh HOME (no
 * ~/.npmrc, ~/.ssh, ~/.aws, ~/.config), a private /tmp, no network unless `validation.network`, and
 * a private PID namespace that dies with distiq, so no background child survives the command.
 */

export type SandboxMode = 'auto' | 'required' | 'off';
export type SandboxKind = 'bwrap' | 'none';

export interface SandboxSettings {
  mode: SandboxMode;
  network: boolean;
}

export class SandboxUnavailableError extends DistiqError {
  constructor(why: string) {
    super(
      `validation.sandbox is "required", but bubblewrap cannot run here: ${why}`,
      ExitCode.USAGE,
      'Install bubblewrap (apt-get install -y bubblewrap) and allow unprivileged user namespaces, or set validation.sandbox to "auto".',
    );
  }
}

let settings: SandboxSettings = { mode: 'auto', network: false };
let probe: { ok: true } | { ok: false; why: string } | undefined;
let warned = false;

/** Set once from the loaded config (see config/load.ts). */
export function configureSandbox(s: Partial<SandboxSettings>): void {
  settings = { mode: s.mode ?? 'auto', network: s.network ?? false };
}

export function sandboxSettings(): SandboxSettings {
  return settings;
}

/**
 * Whether bwrap can start the namespaces a validation run uses (one real `bwrap … true`, once per
 * run): a missing binary, AppArmor's user-namespace restriction, seccomp in a container.
 */
export function bwrapWorks(): { ok: true } | { ok: false; why: string } {
  if (probe) return probe;
  if (process.platform !== 'linux')
    return (probe = { ok: false, why: `not available on ${process.platform}` });
  const r = spawnSync(
    'bwrap',
    [
      ...['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'],
      ...(settings.network ? [] : ['--unshare-net']),
      ...['--unshare-pid', '--die-with-parent', 'true'],
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (r.error)
    return (probe = {
      ok: false,
      why:
        (r.error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'bwrap is not installed'
          : r.error.message,
    });
  if (r.status !== 0) return (probe = { ok: false, why: bwrapFailure(r.stderr, r.status) });
  return (probe = { ok: true });
}

/** For tests: forget the probe (settings or PATH changed). */
export function resetSandboxProbe(): void {
  probe = undefined;
  warned = false;
}

export interface Sandboxed {
  kind: SandboxKind;
  /** Why there is no sandbox (kind "none"). */
  why?: string;
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Removes the fresh HOME created outside the sandbox (the "none" case). */
  cleanup: () => void;
}

/** How to run `command` (a shell line) in `root` with `env`, under the configured sandbox. */
export function sandboxCommand(command: string, root: string, env: NodeJS.ProcessEnv): Sandboxed {
  const realHome = os.homedir();
  const works =
    settings.mode === 'off'
      ? ({ ok: false, why: 'validation.sandbox is "off"' } as const)
      : bwrapWorks();
  if (!works.ok) {
    if (settings.mode === 'required') throw new SandboxUnavailableError(works.why);
    if (!warned && settings.mode !== 'off')
      process.stderr.write(
        `distiq: warning: validation commands run without a sandbox (${works.why}); HOME is still replaced\n`,
      );
    warned = true;
    // Still a fresh HOME: the build does not read ~/.npmrc or ~/.aws by accident.
    const home = mkdtempSync(path.join(os.tmpdir(), 'distiq-home-'));
    return {
      kind: 'none',
      why: works.why,
      file: '/bin/sh',
      args: ['-c', command],
      env: { ...toolHomes(env, realHome), ...env, HOME: home, USERPROFILE: home },
      cleanup: () => rmSync(home, { recursive: true, force: true }),
    };
  }
  const home = '/tmp/distiq-home';
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
  // Hide the real home (keys, ~/.npmrc, ~/.ssh); tool caches a build needs come back read-only.
  if (realHome && realHome !== '/' && existsSync(realHome) && !isInsideHome(realHome, '/tmp'))
    args.push('--tmpfs', realHome);
  const homes = toolHomes(env, realHome);
  // Toolchains installed under HOME (nvm, rustup, cargo, go) stay visible read-only.
  const pathDirs = (env.PATH ?? '')
    .split(path.delimiter)
    .filter((d) => d && isInsideHome(d, realHome))
    .map((d) => (path.basename(d) === 'bin' ? path.dirname(d) : d));
  const bound = new Set<string>();
  for (const dir of [...Object.values(homes), ...pathDirs]) {
    if (
      !dir ||
      !isInsideHome(dir, realHome) ||
      !existsSync(dir) ||
      isInsideHome(root, dir) ||
      root === dir ||
      bound.has(dir)
    )
      continue;
    bound.add(dir);
    args.push('--ro-bind', dir, dir);
  }
  // The private /tmp hides the real one; what the build needs from it comes back read-only: the
  // tools on PATH (e.g. a checkout under /tmp whose node_modules/.bin npm put first) and the
  // repo's node_modules when it is a link to a folder outside the repo.
  for (const dir of tmpNeeds(root, env)) {
    if (bound.has(dir)) continue;
    bound.add(dir);
    args.push('--ro-bind', dir, dir);
  }
  args.push('--bind', root, root);
  const gitDir = path.join(root, '.git');
  if (existsSync(gitDir) && statSync(gitDir).isDirectory()) args.push('--ro-bind', gitDir, gitDir); // hooks, config
  args.push('--dir', home, '--unshare-pid', '--die-with-parent', '--new-session', '--chdir', root);
  if (!settings.network) args.push('--unshare-net');
  args.push('--', '/bin/sh', '-c', command);
  return {
    kind: 'bwrap',
    file: 'bwrap',
    args,
    env: { ...homes, ...env, HOME: home, USERPROFILE: home, TMPDIR: '/tmp' },
    cleanup: () => undefined,
  };
}

/** Where cargo, rustup and go keep toolchains: kept visible (read-only) when HOME is replaced. */
function toolHomes(env: NodeJS.ProcessEnv, realHome: string): Record<string, string> {
  const out: Record<string, string> = {};
  const pick = (name: string, fallback: string) => {
    const dir = env[name] || (realHome ? path.join(realHome, fallback) : '');
    if (dir && existsSync(dir)) out[name] = dir;
  };
  pick('CARGO_HOME', '.cargo');
  pick('RUSTUP_HOME', '.rustup');
  pick('GOPATH', 'go');
  pick('GOROOT', '.go');
  if (out.GOROOT && !existsSync(path.join(out.GOROOT, 'bin', 'go'))) delete out.GOROOT;
  return out;
}

/** Folders under the real /tmp that a validation command needs, as real paths. */
function tmpNeeds(root: string, env: NodeJS.ProcessEnv): string[] {
  const out = new Set<string>();
  const real = (dir: string): string | null => {
    try {
      return realpathSync(dir);
    } catch {
      return null;
    }
  };
  const add = (dir: string | null) => {
    if (!dir || !isInsideHome(dir, '/tmp') || dir === root || isInsideHome(dir, root)) return;
    if (isInsideHome(root, dir)) return; // a parent of the repo: the repo bind covers what it needs
    out.add(dir);
  };
  // A node_modules only when it really is one: the repo's own link (and the node_modules/.bin
  // distiq puts first on PATH) can be committed pointing anywhere, and must not open an
  // arbitrary folder of the real /tmp to the build, even read-only.
  const nodeModules = (dir: string) => {
    const r = real(dir);
    return r && path.basename(r) === 'node_modules' ? r : null;
  };
  for (const d of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    // node_modules/.bin entries link into their packages: the whole node_modules is needed.
    const parent = path.dirname(d);
    const isBin = path.basename(d) === '.bin' && path.basename(parent) === 'node_modules';
    add(isBin ? nodeModules(parent) : real(d));
  }
  add(nodeModules(path.join(root, 'node_modules')));
  return [...out];
}

function isInsideHome(dir: string, home: string): boolean {
  const rel = path.relative(home, dir);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
