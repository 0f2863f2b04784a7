import { z } from 'zod';
import { TIER_NAMES } from './tiers.js';
import { usd } from './schema-common.js';

/** `hooks`: the pre-push hook (README "Pre-push hook"). */
export const hooksSchema = z
  .object({
    prePush: z
      .object({
        syntax: z.boolean().default(true).describe('tree-sitter syntax check of the pushed files.'),
        commands: z
          .array(
            z
              .object({
                name: z.string().min(1),
                run: z
                  .string()
                  .min(1)
                  .describe('Shell command; with scope "files" the changed files are appended.'),
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
  });
