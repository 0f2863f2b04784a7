import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureStateDir, statePath } from '../state-dir.js';
import { makeRedactor } from '../security/secrets.js';

/** Sortable and unique: `20261122T013005Z-3f9a1c`. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}-${randomBytes(3).toString('hex')}`;
}

/** Where a run's report is kept: `<git-common-dir>/distiq/runs/<id>.json` (the same JSON as `--json`). */
export function runFilePath(root: string, runId: string): string {
  return statePath(root, 'runs', `${runId}.json`);
}

/** Written at the end of every run, also a failed or interrupted one; secrets redacted like all output. */
export function writeRunFile(root: string, runId: string, report: unknown): string {
  const file = runFilePath(root, runId);
  ensureStateDir(path.dirname(file));
  writeFileSync(file, makeRedactor()(JSON.stringify(report, null, 2)) + '\n');
  return file;
}
