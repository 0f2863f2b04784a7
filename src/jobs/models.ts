import { loadJobConfig } from '../validation/job-config.js';
import { repoRoot } from '../forge/git.js';
import { MODEL_TIERS } from '../routing/router.js';
import { buildModelDeps } from '../routing/model-deps.js';
import { ledgerFile } from '../budget/ledger.js';

export interface ModelsListing {
  tiers: {
    tier: string;
    models: {
      provider: string;
      model: string;
      usable: boolean;
      reason: string | null;
      inputPerMTok: number | null;
      outputPerMTok: number | null;
    }[];
  }[];
  roles: Record<string, string[]>;
  budget: { perRun: number; daily: number | null; monthly: number | null; ledger: string };
  /** The local tier runs on node-llama-cpp, an optional peer dependency (not in a plain install). */
  localTier: { installed: boolean; install: string | null };
}

const LLAMA_RANGE = '^3.22.1';
export const LLAMA_INSTALL = `npm i -D node-llama-cpp@${LLAMA_RANGE}`;

/** Whether node-llama-cpp resolves from here (the user's project, where distiq is installed). */
export function llamaInstalled(): boolean {
  try {
    import.meta.resolve('node-llama-cpp');
    return true;
  } catch {
    return false;
  }
}

/** Every model tier, its fallbacks in order, whether each is usable here and why not, and its list price. */
export async function listModels(cwd: string, configFile?: string): Promise<ModelsListing> {
  const root = await repoRoot(cwd);
  const { config, file } = await loadJobConfig(root, configFile);
  const deps = buildModelDeps({ root, config, configFile: file, tiers: [...MODEL_TIERS] });
  const perMTok = (priced: Parameters<typeof deps.gateway.prices.cost>[0], input: boolean) => {
    try {
      // Priced on 1k tokens and scaled: a full million would cross long-context price tiers.
      return (
        Math.round(
          deps.gateway.prices.cost(priced, {
            inputTokens: input ? 1000 : 0,
            outputTokens: input ? 0 : 1000,
            cacheReadTokens: 0,
            cacheWriteTokens: 0,
            cacheWrite1hTokens: 0,
          }) * 1e9,
        ) / 1e6
      );
    } catch {
      return null;
    }
  };
  return {
    tiers: deps.ladders.map((l) => ({
      tier: l.tier,
      models: l.info.map((i) => ({
        provider: i.provider,
        model: i.model,
        usable: i.usable,
        reason: i.reason ?? null,
        inputPerMTok: perMTok(i.priced, true),
        outputPerMTok: perMTok(i.priced, false),
      })),
    })),
    roles: config.roles,
    budget: {
      perRun: config.budget.perRun,
      daily: config.budget.daily ?? null,
      monthly: config.budget.monthly ?? null,
      ledger: ledgerFile(root, config.budget.ledger),
    },
    localTier: llamaInstalled()
      ? { installed: true, install: null }
      : { installed: false, install: LLAMA_INSTALL },
  };
}

/** Downloads a GGUF with node-llama-cpp's own resolver (hf:, https:, or a path), into <git-common-dir>/distiq/models. */
export async function pullModel(cwd: string, uri: string): Promise<string> {
  const root = await repoRoot(cwd);
  if (!llamaInstalled()) {
    const { UsageError } = await import('../errors.js');
    throw new UsageError(
      'distiq models pull needs node-llama-cpp, which a plain install leaves out (it is ~725 MB with its GPU variants)',
      `Add it to your project: ${LLAMA_INSTALL}`,
    );
  }
  const { resolveModelFile } = await import('node-llama-cpp');
  const { ensureStateDir, statePath } = await import('../state-dir.js');
  const dir = statePath(root, 'models');
  ensureStateDir(dir);
  try {
    return await resolveModelFile(uri, { directory: dir, cli: false });
  } catch (err) {
    const { UsageError } = await import('../errors.js');
    throw new UsageError(
      `Cannot get model ${uri}: ${err instanceof Error ? err.message : String(err)}`,
      'Use hf:<user>/<repo>/<file>.gguf, an https:// URL, or a path to a .gguf file.',
    );
  }
}
