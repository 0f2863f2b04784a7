import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DistiqConfig } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import {
  loadNodeLlamaCpp,
  nodeLlamaCppEntry,
  useNodeLlamaCppFrom,
} from '../providers/llama-loader.js';
import { providerSpecs, tierSteps } from '../routing/router.js';

/** Set by scripts/build-action.js: the node-llama-cpp version the bundle was built and tested with. */
declare const __DISTIQ_LLAMA_VERSION__: string | undefined;

export const TOOL_NAME = 'distiq-node-llama-cpp';
const INSTALL_TIMEOUT_MS = 15 * 60_000;

/** What the Action reports about the local tier (log, job summary, `local-tier` output). */
export interface LocalTierState {
  status: 'ready' | 'unusable';
  reason?: string;
  /** The tool-cache folder node-llama-cpp is loaded from (null: normal module resolution). */
  dir?: string | null;
  /** True when this run installed it (first use on this runner). */
  installed?: boolean;
  /** What node-llama-cpp found: cuda, vulkan, metal, or false (CPU). */
  gpu?: string | false;
}

/** The pinned version: baked into the bundle; from distiq's package.json when run from source. */
export function pinnedLlamaVersion(): string {
  if (typeof __DISTIQ_LLAMA_VERSION__ === 'string') return __DISTIQ_LLAMA_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const range: string =
    pkg.peerDependencies?.['node-llama-cpp'] ??
    pkg.optionalDependencies?.['node-llama-cpp'] ??
    pkg.dependencies?.['node-llama-cpp'] ??
    '';
  return range.replace(/^[\^~=]/, '');
}

/** `$RUNNER_TOOL_CACHE/distiq-node-llama-cpp/<version>/<arch>`, the @actions/tool-cache layout. */
export function toolCacheFolder(
  toolCache: string,
  version: string,
  arch: string = process.arch,
): string {
  return path.join(toolCache, TOOL_NAME, version, arch);
}

/**
 * node-llama-cpp in the runner's tool cache, installed on first use with the runner's own npm
 * (`--ignore-scripts`: the prebuilt binaries, CUDA and Vulkan variants included, come as optional
 * packages; nothing is compiled). The tool-cache convention: a folder is used only when its
 * sibling `<arch>.complete` marker exists; a half-done install is removed and redone.
 */
export async function ensureNodeLlamaCpp(o: {
  toolCache: string;
  version: string;
  env: NodeJS.ProcessEnv;
  arch?: string;
  log?: (line: string) => void;
}): Promise<{ dir: string; installed: boolean }> {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(o.version))
    throw new Error(`node-llama-cpp version "${o.version}" is not an exact version`);
  const dir = toolCacheFolder(o.toolCache, o.version, o.arch);
  const marker = `${dir}.complete`;
  if (existsSync(marker) && existsSync(dir)) return { dir, installed: false };
  rmSync(dir, { recursive: true, force: true });
  rmSync(marker, { force: true });
  mkdirSync(dir, { recursive: true });
  o.log?.(
    `distiq: local tier: installing node-llama-cpp@${o.version} into ${dir} (first use on this runner)`,
  );
  const args = [
    'install',
    '--no-save',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--no-package-lock',
    '--prefix',
    dir,
    `node-llama-cpp@${o.version}`,
  ];
  try {
    await promisify(execFile)('npm', args, {
      cwd: dir,
      env: npmEnv(o.env),
      timeout: INSTALL_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    nodeLlamaCppEntry(dir); // the install must have produced the package
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: string; code?: string | number };
    const detail =
      e.code === 'ENOENT'
        ? 'npm is not on PATH'
        : String(e.stderr ?? '')
            .trim()
            .split('\n')
            .slice(-3)
            .join(' ') || errorMessage(err);
    throw new Error(`npm install node-llama-cpp@${o.version} failed: ${detail.slice(0, 500)}`);
  }
  writeFileSync(marker, '');
  return { dir, installed: true };
}

/** npm sees no secret: an allowlist of what an install needs (proxy, registry config, certs). */
function npmEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const keep =
    /^(PATH|HOME|USER|LANG|LC_ALL|TMPDIR|TEMP|TMP|SYSTEMROOT|HTTPS?_PROXY|NO_PROXY|NODE_EXTRA_CA_CERTS|NPM_CONFIG_(?!.*(AUTH|TOKEN|PASSWORD)).*)$/i;
  return Object.fromEntries(Object.entries(env).filter(([k]) => keep.test(k)));
}

/**
 * Makes the local tier usable in the Action, or says exactly why not, before anything runs:
 * a local tier needs its configured model files (never downloaded here: `modelPath` on the runner,
 * or `distiq models pull` in an earlier step) and, for `llama` providers, node-llama-cpp from the
 * tool cache (RUNNER_TOOL_CACHE set) or from normal resolution (run from source).
 */
export async function prepareLocalTier(o: {
  root: string;
  config: DistiqConfig;
  env: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  probe?: boolean;
}): Promise<LocalTierState> {
  const specs = providerSpecs(o.config);
  const steps = tierSteps(o.config, 'local');
  if (steps.length === 0)
    return {
      status: 'unusable',
      reason: 'no model configured for the local tier (tiers.local)',
    };
  const llamaSteps = steps.filter((s) => specs[s.provider]?.type === 'llama');
  if (llamaSteps.length < steps.length) return { status: 'ready', dir: null }; // a local server (vLLM, Ollama…): nothing to install
  const missing = llamaSteps
    .map((s) => specs[s.provider]!)
    .filter((spec) => spec.type === 'llama' && !existsSync(path.resolve(o.root, spec.modelPath)));
  if (missing.length === llamaSteps.length) {
    const file = missing[0]!.type === 'llama' ? missing[0]!.modelPath : '';
    return {
      status: 'unusable',
      reason: `model file ${file} not found on this runner (set providers.<name>.modelPath to a GGUF on the runner, or run \`distiq models pull <uri>\` in an earlier step)`,
    };
  }
  let dir: string | null = null;
  let installed = false;
  try {
    if (o.env.RUNNER_TOOL_CACHE)
      ({ dir, installed } = await ensureNodeLlamaCpp({
        toolCache: o.env.RUNNER_TOOL_CACHE,
        version: pinnedLlamaVersion(),
        env: o.env,
        log: o.log,
      }));
    useNodeLlamaCppFrom(dir);
    const mod = await loadNodeLlamaCpp();
    if (o.probe === false) return { status: 'ready', dir, installed };
    // The native binding must load here (prebuilt only, nothing compiled or downloaded).
    const cpuOnly = llamaSteps.every((s) => {
      const spec = specs[s.provider]!;
      return spec.type === 'llama' && spec.gpu === 'off';
    });
    const llama = await mod.getLlama({
      gpu: cpuOnly ? false : 'auto',
      build: 'never',
      logLevel: 'error' as never,
      progressLogs: false,
    });
    const gpu = llama.gpu;
    await llama.dispose();
    return { status: 'ready', dir, installed, gpu };
  } catch (err) {
    useNodeLlamaCppFrom(null);
    return {
      status: 'unusable',
      reason: `node-llama-cpp cannot be loaded: ${errorMessage(err).split('\n')[0]}`,
      dir,
      installed,
    };
  }
}
