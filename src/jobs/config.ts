import { loadJobConfig } from '../validation/job-config.js';
import type { DistiqConfig } from '../config/schema.js';
import { resolveCommands, type ResolvedCommands } from '../detect/commands.js';
import { repoRoot } from '../forge/git.js';

export interface ShownConfig {
  root: string;
  file: string | null;
  config: DistiqConfig;
  commands: ResolvedCommands;
}

export async function showConfig(cwd: string, configFile?: string): Promise<ShownConfig> {
  const root = await repoRoot(cwd);
  const { config, file } = await loadJobConfig(root, configFile);
  return { root, file, config, commands: resolveCommands(root, config) };
}
