import { loadConfig, type LoadedConfig } from '../config/load.js';
import { configureSandbox } from './sandbox.js';

/**
 * Loads the config where a job starts and puts every validation command of this process under
 * its sandbox settings. Config loading itself stays free of side effects on validation.
 */
export async function loadJobConfig(root: string, file?: string): Promise<LoadedConfig> {
  const loaded = await loadConfig(root, file);
  // The config key is `sandbox`; configureSandbox takes it as `mode`.
  const { sandbox, network } = loaded.config.validation;
  configureSandbox({ mode: sandbox, network });
  return loaded;
}
