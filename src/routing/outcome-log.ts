import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Failure } from '../validation/failure.js';

/** One task's outcome: which tiers it went through and which one solved it (null: none). */
const taskLine = z.object({
  type: z.literal('task'),
  v: z.literal(1),
  at: z.string(),
  runId: z.string(),
  class: z.string(),
  tierPath: z.array(z.string()),
  solvedBy: z.string().nullable(),
  attempts: z.number().int().min(0),
  /** Attempts spent on each model tier (absent in older lines): the per-attempt odds. */
  attemptsByTier: z.record(z.string(), z.number().int().min(0)).optional(),
  usd: z.number().min(0),
});

/** One run's totals, for `distiq stats`. */
const runLine = z.object({
  type: z.literal('run'),
  v: z.literal(1),
  at: z.string(),
  runId: z.string(),
  job: z.string(),
  status: z.string(),
  calls: z.number().int().min(0),
  usd: z.number().min(0),
  inputTokens: z.number().min(0),
  outputTokens: z.number().min(0),
  byTier: z.record(z.string(), z.number()),
  cacheHits: z.number().int().min(0),
  cacheSavedUsd: z.number().min(0),
  cacheSavedTokens: z.number().min(0),
  memoryHits: z.number().int().min(0),
  memoryTried: z.number().int().min(0),
  memorySavedUsd: z.number().min(0),
});

export type TaskOutcomeLine = z.infer<typeof taskLine>;
export type RunOutcomeLine = z.infer<typeof runLine>;
const line = z.discriminatedUnion('type', [taskLine, runLine]);

/**
 * The repo's outcome log (`outcomes.jsonl` in distiq's state): append-only, one JSON object per
 * line. A torn or foreign line is skipped when read, never fatal.
 */
export class OutcomeLog {
  constructor(readonly file: string) {}

  append(lines: (TaskOutcomeLine | RunOutcomeLine)[]): void {
    if (lines.length === 0) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    // One write per run: O_APPEND keeps concurrent runs' lines whole.
    appendFileSync(this.file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  }

  read(since?: string): { tasks: TaskOutcomeLine[]; runs: RunOutcomeLine[] } {
    const out = { tasks: [] as TaskOutcomeLine[], runs: [] as RunOutcomeLine[] };
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return out;
    }
    for (const raw of text.split('\n')) {
      if (!raw.trim()) continue;
      let parsed;
      try {
        parsed = line.safeParse(JSON.parse(raw));
      } catch {
        continue;
      }
      if (!parsed.success || (since && parsed.data.at < since)) continue;
      if (parsed.data.type === 'task') out.tasks.push(parsed.data);
      else out.runs.push(parsed.data);
    }
    return out;
  }
}

/** A task's failure class: its most frequent `tool:code` (ties: the first seen). */
export function failureClass(failures: Pick<Failure, 'tool' | 'code'>[]): string {
  const counts = new Map<string, number>();
  for (const f of failures) {
    const k = `${f.tool}:${f.code ?? '-'}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let best = 'unknown';
  let n = 0;
  for (const [k, c] of counts) if (c > n) [best, n] = [k, c];
  return best;
}
