import { z } from 'zod';

import { nonLlmKeyName } from '../providers/key-policy.js';
import { TIER_NAMES } from './tiers.js';

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

const usd = z.number().positive().finite();

// A provider key variable may not be one that holds a GitHub, registry, cloud, SSH or DB secret.
const apiKeyEnv = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
  .refine(
    (v) => !nonLlmKeyName(v),
    'an LLM API key variable (not a GitHub, npm, cloud, SSH or database credential)',
  );

const providerSpec = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('anthropic'),
      apiKeyEnv: apiKeyEnv.default('ANTHROPIC_API_KEY'),
      baseURL: z.string().url().optional(),
      cacheTtl: z.enum(['5m', '1h']).default('5m'),
    })
    .strict(),
  z
    .object({
      type: z.literal('openai'),
      apiKeyEnv: apiKeyEnv.default('OPENAI_API_KEY'),
      baseURL: z.string().url().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('openai-compatible'),
      baseURL: z.string().url(),
      apiKeyEnv: apiKeyEnv
        .optional()
        .describe(
          'Variable holding the key; omit for servers without auth (vLLM, llama.cpp, Ollama).',
        ),
      pricingProvider: z
        .string()
        .optional()
        .describe(
          'genai-prices provider id (deepseek, groq, openrouter, …); matched from baseURL when omitted.',
        ),
      free: z.boolean().default(false).describe('A self-hosted server: calls cost $0.'),
    })
    .strict(),
  z
    .object({
      type: z.literal('llama'),
      modelPath: z.string().min(1),
      gpu: z.enum(['auto', 'off']).default('auto'),
      threads: z.number().int().positive().optional(),
      perHourUsd: z.number().min(0).default(0),
      contextSize: z
        .number()
        .int()
        .min(256)
        .optional()
        .describe(
          "Context window in tokens (default: the model's training context, at most 4096).",
        ),
    })
    .strict(),
]);

const tierStep = z.object({ provider: z.string().min(1), model: z.string().min(1) }).strict();
const priceOverride = z
  .object({
    input: z.number().min(0),
    output: z.number().min(0),
    cacheRead: z.number().min(0).optional(),
    cacheWrite: z.number().min(0).optional(),
    cacheWrite1h: z.number().min(0).optional(),
  })
  .strict();

export const DEFAULT_PROVIDERS = {
  anthropic: { type: 'anthropic', apiKeyEnv: 'ANTHROPIC_API_KEY', cacheTtl: '5m' },
  openai: { type: 'openai', apiKeyEnv: 'OPENAI_API_KEY' },
  deepseek: {
    type: 'openai-compatible',
    baseURL: 'https://api.deepseek.com',
    apiKeyEnv: 'DEEPSEEK_API_KEY',
    pricingProvider: 'deepseek',
    free: false,
  },
} as const;

export const DEFAULT_TIERS = {
  local: [],
  cheap: [
    { provider: 'deepseek', model: 'deepseek-chat' },
    { provider: 'anthropic', model: 'claude-haiku-4-5' },
    { provider: 'openai', model: 'gpt-4o-mini' },
  ],
  premium: [
    { provider: 'anthropic', model: 'claude-sonnet-4-5' },
    { provider: 'openai', model: 'gpt-4o' },
  ],
};

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
    hooks: z
      .object({
        prePush: z
          .object({
            syntax: z
              .boolean()
              .default(true)
              .describe('tree-sitter syntax check of the pushed files.'),
            commands: z
              .array(
                z
                  .object({
                    name: z.string().min(1),
                    run: z
                      .string()
                      .min(1)
                      .describe(
                        'Shell command; with scope "files" the changed files are appended.',
                      ),
                    scope: z.enum(['files', 'repo']).default('files'),
                    pattern: z
                      .string()
                      .default('\\.(c|m)?[jt]sx?$')
                      .describe('Regex: which changed files a "files" command receives.'),
                    timeoutSec: z.number().positive().default(120),
                    fix: z
                      .string()
                      .optional()
                      .describe(
                        'The command that repairs what this one reports, shown when it blocks (e.g. "distiq fix --lint").',
                      ),
                  })
                  .strict(),
              )
              .default([]),
            review: z
              .object({
                tiers: z
                  .array(z.enum(TIER_NAMES))
                  .default([])
                  .describe(
                    'Model review of the diff: [] off, ["local"] the local model only; paid tiers only if listed here.',
                  ),
                budget: usd.default(0.05),
              })
              .strict()
              .default({ tiers: [], budget: 0.05 }),
            block: z
              .array(z.enum(['syntax', 'commands', 'review']))
              .default(['syntax', 'commands'])
              .describe('Finding classes that block the push.'),
          })
          .strict()
          .default({
            syntax: true,
            commands: [],
            review: { tiers: [], budget: 0.05 },
            block: ['syntax', 'commands'],
          }),
      })
      .strict()
      .default({
        prePush: {
          syntax: true,
          commands: [],
          review: { tiers: [], budget: 0.05 },
          block: ['syntax', 'commands'],
        },
      }),
    github: z
      .object({
        allowBots: z
          .array(
            z
              .string()
              .min(1)
              .refine((v) => !v.includes('*'), 'a bot login; wildcards are not accepted'),
          )
          .default([])
          .describe(
            'Bot accounts allowed to trigger /distiq commands (e.g. "renovate[bot]"); "*" is not accepted.',
          ),
        branchPrefix: z
          .string()
          .regex(/^distiq\/[\w./-]*$/, 'a prefix starting with "distiq/"')
          .default('distiq/')
          .describe('distiq pushes only to branches under this prefix.'),
        maxCommentBudget: usd
          .optional()
          .describe('Highest --budget a /distiq comment may ask for (default: budget.perRun).'),
        maxRunsPerThread: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(5)
          .describe(
            '/distiq runs per issue or pull request; further commands get a reply and nothing runs.',
          ),
        review: z
          .object({
            tiers: z
              .array(z.enum(TIER_NAMES))
              .default(['cheap', 'premium'])
              .describe(
                'Reviewer tiers: the first usable one reviews; the next one only for large or risky diffs.',
              ),
            skip: z
              .array(z.string())
              .default([
                '**/*.lock',
                '**/package-lock.json',
                '**/dist/**',
                '**/*.min.js',
                '**/*.snap',
              ])
              .describe('Globs of files never reviewed.'),
            maxComments: z.number().int().min(0).max(100).default(15),
            largeDiffLines: z
              .number()
              .int()
              .positive()
              .default(800)
              .describe(
                'Changed lines from which a diff counts as large (escalated to the next reviewer tier).',
              ),
          })
          .strict()
          .default({
            tiers: ['cheap', 'premium'],
            skip: ['**/*.lock', '**/package-lock.json', '**/dist/**', '**/*.min.js', '**/*.snap'],
            maxComments: 15,
            largeDiffLines: 800,
          }),
      })
      .strict()
      .default({
        allowBots: [],
        branchPrefix: 'distiq/',
        maxRunsPerThread: 5,
        review: {
          tiers: ['cheap', 'premium'],
          skip: ['**/*.lock', '**/package-lock.json', '**/dist/**', '**/*.min.js', '**/*.snap'],
          maxComments: 15,
          largeDiffLines: 800,
        },
      }),
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
