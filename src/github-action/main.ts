import { TIER_NAMES, type TierName } from '../config/tiers.js';
import { BudgetExceededError, DistiqError, errorMessage } from '../errors.js';
import { annotations, appendSummary, setOutputs } from '../forge/github/actions-io.js';
import { type EventInputs, runGithubEvent } from './event.js';
import type { LocalTierState } from './local-tier.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { useLedgerFile } from '../budget/ledger.js';
import { useMemoryStateDir } from '../memory/state.js';
import { trustRepoConfig } from '../providers/key-policy.js';
import { makeRedactor } from '../security/secrets.js';
import { actionExitCode } from '../report/status.js';

/** Action inputs arrive as INPUT_<NAME> (upper case, hyphens kept). */
function input(name: string, env: NodeJS.ProcessEnv): string {
  return (env[`INPUT_${name.toUpperCase()}`] ?? '').trim();
}

/** The GitHub Action: inputs → the event job → outputs, job summary and annotations. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const token = input('github-token', env);
  const runEnv = { ...env, ...(token ? { GITHUB_TOKEN: token } : {}) };
  const redact = makeRedactor(runEnv);
  const outputs = (o: Record<string, string>) => setOutputs(env.GITHUB_OUTPUT, o);
  try {
    const command = input('command', env) || 'auto';
    if (!['auto', 'fix', 'implement', 'review'].includes(command))
      throw new DistiqError(
        `input "command" must be auto, fix, implement or review, got "${command}"`,
        2,
      );
    const budget = input('budget', env);
    const tiers = input('tiers', env);
    const inputs: EventInputs = {
      command: command as EventInputs['command'],
      ...(input('config', env) ? { configFile: input('config', env) } : {}),
      ...(budget ? { budgetUsd: positive(budget) } : {}),
      ...(tiers ? { tiers: parseTiers(tiers) } : {}),
    };
    useRunPolicy(env);
    const result = await runGithubEvent({
      cwd: env.GITHUB_WORKSPACE || process.cwd(),
      env: runEnv,
      inputs,
      progressStream: process.stdout,
    });
    for (const line of annotations(result.remaining)) process.stdout.write(`${redact(line)}\n`);
    // Problems after the outcome was settled are warnings: they never turn a result into an error.
    for (const w of result.warnings ?? [])
      process.stdout.write(`::warning title=distiq::${escapeData(redact(w))}\n`);
    const warnings = result.warnings?.length
      ? `\n\n${result.warnings.map((w) => `> ⚠️ ${w}`).join('\n')}`
      : '';
    appendSummary(env.GITHUB_STEP_SUMMARY, redact(result.summary + warnings));
    outputs({
      status: result.status,
      'pr-url': result.prUrl ?? '',
      'review-url': result.reviewUrl ?? '',
      'cost-usd': result.costUsd.toFixed(6),
      'report-json': result.reportFile ?? '',
      'local-tier': localTierOutput(result.localTier),
    });
    process.stdout.write(
      redact(
        `distiq: ${result.status}${result.reason ? ` (${result.reason})` : ''}${result.prUrl ? ` ${result.prUrl}` : ''}\n`,
      ),
    );
    return actionExitCode(result.status);
  } catch (err) {
    // Before the run started (bad input, unreadable event or config): nothing was spent.
    const message = redact(
      errorMessage(err) + (err instanceof DistiqError && err.hint ? ` (${err.hint})` : ''),
    );
    process.stdout.write(`::error title=distiq::${escapeData(message)}\n`);
    // A budget that cannot cover the first call (e.g. the daily limit, from the cached ledger) is over-budget.
    const status = err instanceof BudgetExceededError ? 'over-budget' : 'error';
    appendSummary(
      env.GITHUB_STEP_SUMMARY,
      `## distiq: ${status}\n\n${message}\n\nNothing ran; spent $0.`,
    );
    outputs({
      status,
      'pr-url': '',
      'review-url': '',
      'cost-usd': (0).toFixed(6),
      'report-json': '',
      'local-tier': '',
    });
    return 1;
  } finally {
    useLedgerFile(undefined);
    trustRepoConfig(false);
  }
}

const escapeData = (s: string) =>
  s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** `ready`, `ready (installed)`, `unusable: <reason>`, or empty when the run had no local tier. */
function localTierOutput(l: LocalTierState | undefined): string {
  if (!l) return '';
  return l.status === 'ready'
    ? `ready${l.installed ? ' (installed)' : ''}`
    : `unusable: ${l.reason}`;
}

/**
 * Inputs that hold for the whole run: `ledger` (a folder the workflow restores and saves with
 * actions/cache, so budget.daily and budget.monthly hold across runs) and `trust-repo-config`.
 */
function useRunPolicy(env: NodeJS.ProcessEnv): void {
  trustRepoConfig(input('trust-repo-config', env) === 'true');
  const ledger = input('ledger', env);
  const at = ledger ? path.resolve(env.GITHUB_WORKSPACE || process.cwd(), ledger) : undefined;
  useLedgerFile(at);
  // Fix memory, replay cache and outcome log travel in the same cached folder as the ledger.
  useMemoryStateDir(at ? path.dirname(at) : undefined);
  const notice = !at
    ? 'input "ledger" is not set: the spend ledger lives in this checkout, so budget.daily and budget.monthly count this run only (README: "Limits across Action runs")'
    : !existsSync(at)
      ? `no ledger at ${at} (first run, cache miss or cache unavailable): budget.daily and budget.monthly count from this run on`
      : null;
  if (notice) process.stdout.write(`::notice title=distiq::${notice}\n`);
}

function positive(v: string): number {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0))
    throw new DistiqError(`input "budget" must be a positive number of USD, got "${v}"`, 2);
  return n;
}

function parseTiers(v: string): TierName[] {
  const names = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !(TIER_NAMES as readonly string[]).includes(n));
  if (names.length === 0 || bad.length)
    throw new DistiqError(
      `input "tiers": unknown tier(s) ${bad.join(', ') || '(empty)'}; known: ${TIER_NAMES.join(', ')}`,
      2,
    );
  return names as TierName[];
}
