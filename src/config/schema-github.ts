import { z } from 'zod';
import { TIER_NAMES } from './tiers.js';
import { usd } from './schema-common.js';

/** `github`: the Action's triggers, limits and review settings. */
export const githubSchema = z
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
          .default(['**/*.lock', '**/package-lock.json', '**/dist/**', '**/*.min.js', '**/*.snap'])
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
  });
