import { z } from 'zod';

import { TIER_NAMES } from './tiers.js';
import { usd } from './schema-common.js';
import { githubSchema } from './schema-github.js';
import { hooksSchema } from './schema-hooks.js';
import { priceOverride, providerSpec, tierStep } from './schema-providers.js';

export { DEFAULT_PROVIDERS, DEFAULT_TIERS } from './schema-providers.js';

export { COMMAND_KINDS, TIER_NAMES, type CommandKind, type TierName } from './tiers.js';

const commandSpec = z.union([
  z.string().trim().min(1, 'a non-empty shell command'),
  z
    .object({
      run: z.string().trim().min(1, 'a non-empty shell command'),
      timeoutSec: z
        .number()
        .positive()
        .max(86_400)
        .optional()
        .describe('Kill the command (and its children) after this many seconds.'),
      scoped: z
        .string()
        .trim()
        .regex(/\{files\}/, 'a shell command containing {files}')
        .optional()
        .describe(
          'The same check limited to some files, e.g. "eslint {files}": used to prove one task quickly; the full command still runs before the job is done.',
        ),
    })
    .strict(),
]);

export const ConfigSchema = z
  .object({
    $schema: z.string().optional(),
    commands: z
      .object({
        build: commandSpec
          .optional()
          .describe(
            'Compiles the project; detected from package.json, tsconfig, Cargo.toml, go.mod or Makefile when absent.',
          ),
        typecheck: commandSpec.optional(),
        test: commandSpec.optional(),
        lint: commandSpec.optional(),
      })
      .strict()
      .default({}),
    commandTimeoutSec: z
      .number()
      .positive()
      .max(86_400)
      .default(600)
      .describe('Default timeout for every validation command.'),
    fix: z
      .object({
        maxAttempts: z
          .number()
          .int()
          .min(1)
          .max(20)
          .default(3)
          .describe('Repair rounds before giving up.'),
        tiers: z.array(z.enum(TIER_NAMES)).min(1).default(['autofix', 'memory']),
        base: z
          .string()
          .min(1)
          .optional()
          .describe(
            "The last green commit repairs compare against (default: the workflow run's base, else HEAD~1).",
          ),
      })
      .strict()
      .default({ maxAttempts: 3, tiers: ['autofix', 'memory'] }),
    memory: z
      .object({
        similarity: z
          .enum(['lexical', 'embedding'])
          .default('lexical')
          .describe(
            'How fix memory finds stored repairs near a new failure: lexical (BM25, no model) or embedding (the local tier GGUF).',
          ),
      })
      .strict()
      .default({ similarity: 'lexical' }),
    implement: z
      .object({
        tiers: z
          .array(z.enum(TIER_NAMES))
          .min(1)
          .default(['local', 'cheap', 'premium'])
          .describe('Tiers the executor may climb for implement tasks.'),
        maxAttempts: z
          .number()
          .int()
          .min(1)
          .max(20)
          .default(2)
          .describe('Attempts per tier before a task moves up.'),
        planAttempts: z
          .number()
          .int()
          .min(1)
          .max(5)
          .default(2)
          .describe('Planner answers tried before a malformed plan fails the job.'),
      })
      .strict()
      .default({ tiers: ['local', 'cheap', 'premium'], maxAttempts: 2, planAttempts: 2 }),
    execute: z
      .object({
        concurrency: z
          .number()
          .int()
          .min(1)
          .max(32)
          .default(4)
          .describe('Tasks run at once (model calls in parallel; edits are proved one at a time).'),
        allowWorkflowEdits: z
          .boolean()
          .default(false)
          .describe('Let edits touch .github/workflows (refused by default).'),
        allowPaths: z
          .array(z.string().min(1))
          .default([])
          .describe(
            'Globs (picomatch) that edits may write although the allowlist refuses them (configs, dotfiles, other file types). Never .git, node_modules, hooks or symlinks.',
          ),
      })
      .strict()
      .default({ concurrency: 4, allowWorkflowEdits: false, allowPaths: [] }),
    validation: z
      .object({
        sandbox: z
          .enum(['auto', 'required', 'off'])
          .default('auto')
          .describe(
            'Run validation commands under bubblewrap (Linux): auto uses it when it works, required fails without it, off never uses it.',
          ),
        network: z
          .boolean()
          .default(false)
          .describe('Let sandboxed validation commands use the network.'),
      })
      .strict()
      .default({ sandbox: 'auto', network: false }),
    autofix: z
      .object({
        typescript: z
          .boolean()
          .default(true)
          .describe(
            'TypeScript language-service code fixes (spelling, missing import, missing await, …).',
          ),
        eslint: z
          .boolean()
          .default(true)
          .describe('`eslint --fix` on files with lint failures, when the repo has eslint.'),
        prettier: z
          .boolean()
          .default(true)
          .describe('`prettier --write` on files prettier flags, when the repo has prettier.'),
        rustc: z
          .boolean()
          .default(true)
          .describe("rustc's own suggestions from `cargo check --message-format=json`."),
      })
      .strict()
      .default({ typescript: true, eslint: true, prettier: true, rustc: true }),
    providers: z
      .record(z.string(), providerSpec)
      .default({})
      .describe(
        'Model providers by name; merged over the built-in anthropic, openai and deepseek.',
      ),
    tiers: z
      .object({
        local: z.array(tierStep).optional(),
        cheap: z.array(tierStep).optional(),
        premium: z.array(tierStep).optional(),
      })
      .strict()
      .default({})
      .describe(
        'Each model tier: provider+model fallbacks in order. A tier given here replaces the default list.',
      ),
    roles: z
      .object({
        planner: z.array(z.enum(TIER_NAMES)).default(['cheap', 'premium']),
        executor: z
          .array(z.enum(TIER_NAMES))
          .default(['autofix', 'memory', 'local', 'cheap', 'premium']),
        reviewer: z.array(z.enum(TIER_NAMES)).default(['cheap', 'premium']),
      })
      .strict()
      .default({
        planner: ['cheap', 'premium'],
        executor: ['autofix', 'memory', 'local', 'cheap', 'premium'],
        reviewer: ['cheap', 'premium'],
      }),
    budget: z
      .object({
        perRun: usd.default(1).describe('USD one run may spend (hard cap).'),
        daily: usd.optional().describe('USD per UTC day, across runs sharing the ledger.'),
        monthly: usd.optional(),
        warnAt: z.number().gt(0).lte(1).default(0.8),
        ledger: z
          .string()
          .optional()
          .describe(
            'Spend ledger, relative to the repo root (default: <git-common-dir>/distiq/ledger.jsonl).',
          ),
        reservationTtlSec: z.number().positive().default(900),
      })
      .strict()
      .default({ perRun: 1, warnAt: 0.8, reservationTtlSec: 900 }),
    prices: z
      .record(z.string(), priceOverride)
      .default({})
      .describe('USD per million tokens, by model id (overrides the price library).'),
    models: z
      .object({
        maxOutputTokens: z.number().int().positive().max(64_000).default(4096),
        maxRetries: z.number().int().min(0).max(10).default(3),
        contextTokens: z
          .number()
          .int()
          .min(500)
          .max(200_000)
          .default(8000)
          .describe(
            'Token budget of the localized code sent with each task (the repo map gets an eighth of it).',
          ),
        requestTimeoutSec: z
          .number()
          .positive()
          .max(3600)
          .default(120)
          .describe('Total deadline of one model request: connect, headers and the whole body.'),
      })
      .strict()
      .default({
        maxOutputTokens: 4096,
        maxRetries: 3,
        contextTokens: 8000,
        requestTimeoutSec: 120,
      }),
    hooks: hooksSchema,
    github: githubSchema,
    secrets: z
      .object({
        envVars: z
          .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'))
          .default([])
          .describe(
            'Extra variables treated as secrets: never passed to validation commands, redacted from output.',
          ),
      })
      .strict()
      .default({ envVars: [] }),
  })
  .strict();

export type DistiqConfig = z.infer<typeof ConfigSchema>;
export type CommandSpec = z.infer<typeof commandSpec>;

export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema, { io: 'input' }) as Record<string, unknown>;
}
