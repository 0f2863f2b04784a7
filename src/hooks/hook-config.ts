import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DistiqConfig } from '../config/schema.js';

export type PrePushConfig = DistiqConfig['hooks']['prePush'];

const CONFIG_FILES = [
  'package.json',
  '.distiqrc',
  '.distiqrc.json',
  '.distiqrc.yaml',
  '.distiqrc.yml',
  '.distiqrc.js',
  '.distiqrc.ts',
  '.distiqrc.mjs',
  '.distiqrc.cjs',
  'distiq.config.js',
  'distiq.config.ts',
  'distiq.config.mjs',
  'distiq.config.cjs',
];

interface Cached {
  stamp: string;
  prePush: PrePushConfig;
  secretEnvVars: string[];
  config: DistiqConfig;
}

/**
 * The hook runs on every push, so its config is cached in the git dir and reloaded (cosmiconfig +
 * zod, ~0.3 s) only when a config file appears, disappears or changes.
 */
export async function loadHookConfig(root: string, gitDir: string): Promise<Cached> {
  const stamp = CONFIG_FILES.map((f) => {
    const p = path.join(root, f);
    if (!existsSync(p)) return '';
    const s = statSync(p);
    return `${f}:${s.mtimeMs}:${s.size}`;
  }).join('|');
  const cacheFile = path.join(gitDir, 'distiq', 'hook-config.json');
  try {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as Cached;
    if (cached.stamp === stamp) return cached;
  } catch {
    // no cache yet, or unreadable: load for real
  }
  const { loadJobConfig } = await import('../validation/job-config.js');
  const { config } = await loadJobConfig(root);
  const fresh: Cached = {
    stamp,
    prePush: config.hooks.prePush,
    secretEnvVars: config.secrets.envVars,
    config,
  };
  mkdirSync(path.dirname(cacheFile), { recursive: true });
  writeFileSync(cacheFile, JSON.stringify(fresh));
  return fresh;
}
