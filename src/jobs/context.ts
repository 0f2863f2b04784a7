import { loadJobConfig } from '../validation/job-config.js';
import { buildIndex } from '../context/index.js';
import { lineReader } from '../context/line-reader.js';
import { localizeFailures, localizeQuery } from '../context/localize.js';
import { packContext, type PackedContext } from '../context/pack.js';
import { buildRepoMap, type RepoMap } from '../context/repo-map.js';
import { resolveCommands } from '../detect/commands.js';
import { UsageError } from '../errors.js';
import { repoRoot } from '../forge/git.js';
import { selectCommands } from '../validation/select-commands.js';
import { validate } from '../validation/validate.js';
import type { Failure } from '../validation/failure.js';

export interface ContextResult extends PackedContext {
  source: 'failures' | 'query';
  failures?: number;
  repoMap?: RepoMap;
}

/** `distiq context`: the few spans a task needs, within a token budget. */
export async function buildContext(opts: {
  cwd: string;
  configFile?: string;
  failures?: boolean;
  query?: string;
  tokens: number;
  repoMapTokens?: number;
  onWarn?: (m: string) => void;
}): Promise<ContextResult> {
  if (!opts.failures === !opts.query)
    throw new UsageError('Give exactly one of --failures or --query TEXT');
  if (!(opts.tokens >= 200)) throw new UsageError('--tokens must be at least 200');
  const root = await repoRoot(opts.cwd);
  const index = await buildIndex(root, { onWarn: opts.onWarn });
  const lines = lineReader(root);
  let failures: Failure[] = [];
  if (opts.failures) {
    const { config } = await loadJobConfig(root, opts.configFile);
    const v = await validate(selectCommands(resolveCommands(root, config), []), {
      root,
      secretEnvVars: config.secrets.envVars,
    });
    failures = v.failures;
  }
  const candidates = opts.failures
    ? localizeFailures(index, failures, (p, l) => lines(p)?.[l - 1])
    : localizeQuery(index, opts.query!);
  const packed = packContext(candidates, lines, opts.tokens);
  const repoMap = opts.repoMapTokens
    ? buildRepoMap(index, {
        tokens: opts.repoMapTokens,
        seeds: new Map(packed.spans.map((s) => [s.path, s.score])),
      })
    : undefined;
  return {
    source: opts.failures ? 'failures' : 'query',
    ...(opts.failures ? { failures: failures.length } : {}),
    ...packed,
    ...(repoMap ? { repoMap } : {}),
  };
}
