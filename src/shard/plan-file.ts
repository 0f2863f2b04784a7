import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import type { PlanTask } from '../plan/types.js';

/** One matrix entry: a shard runs these tasks on a runner; `tier` picks the runner (local → GPU). */
export interface Shard {
  shard: number;
  tasks: string[];
  tier: string;
  /** USD this shard may spend: its slice of the job budget, reserved up front. */
  budgetUsd: number;
}

/** The file `plan --matrix` writes and `run` / `merge` read: everything a shard needs, nothing secret. */
export interface PlanFile {
  schemaVersion: 1;
  job: 'fix' | 'implement';
  /** fix: which commands (build/test/lint); empty = all. */
  targets: ('build' | 'test' | 'lint')[];
  /** The commit every shard must start from (and merge applies onto). */
  baseSha: string;
  items: string[];
  tasks: PlanTask[];
  shards: Shard[];
  budgetUsd: number;
  /** Failures of the validation commands when the plan was made (fix). */
  failuresBefore: number;
  /** What planning itself spent (implement's planner), counted once in the merged cost. */
  planningRecords: unknown[];
}

const FailureSchema = z.object({
  tool: z.string(),
  file: z.string().nullable(),
  line: z.number().nullable(),
  column: z.number().nullable(),
  code: z.string().nullable(),
  message: z.string(),
  severity: z.enum(['error', 'warning']),
  test: z.string().optional(),
});
const TaskSchema = z.object({
  id: z.string(),
  title: z.string(),
  goal: z.string(),
  files: z.array(z.string()),
  dependsOn: z.array(z.string()),
  tier: z.enum(['autofix', 'local', 'cheap', 'premium']),
  acceptance: z.string(),
  failures: z.array(FailureSchema),
  changes: z.array(
    z.object({
      path: z.string(),
      action: z.enum(['create', 'modify', 'delete']),
      changes: z.array(z.object({ old: z.string(), new: z.string(), reason: z.string() })),
    }),
  ),
  items: z.array(z.number()),
});
const PlanFileSchema = z.object({
  schemaVersion: z.literal(1),
  job: z.enum(['fix', 'implement']),
  targets: z.array(z.enum(['build', 'test', 'lint'])),
  baseSha: z.string().regex(/^[0-9a-f]{40}$/),
  items: z.array(z.string()),
  tasks: z.array(TaskSchema),
  shards: z.array(
    z.object({
      shard: z.number().int().min(0),
      tasks: z.array(z.string()),
      tier: z.string(),
      budgetUsd: z.number().min(0),
    }),
  ),
  budgetUsd: z.number().min(0),
  failuresBefore: z.number(),
  planningRecords: z.array(z.unknown()),
});

export function writePlanFile(file: string, plan: PlanFile): void {
  writeFileSync(file, JSON.stringify(plan, null, 2) + '\n');
}

export function readPlanFile(file: string): PlanFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(
      `Cannot read the plan ${file}: ${(err as Error).message}`,
      'Make it with `distiq plan <fix|implement> --matrix --out plan.json`.',
    );
  }
  const parsed = PlanFileSchema.safeParse(raw);
  if (!parsed.success)
    throw new UsageError(
      `${file} is not a distiq plan: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  return parsed.data as PlanFile;
}
