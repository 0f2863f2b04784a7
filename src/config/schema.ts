import { z } from 'zod';

import { TIER_NAMES } from './tiers.js';

export { COMMAND_KINDS, TIER_NAMES, type CommandKind, type TierName } from './tiers.js';

const commandSpec = z.union([
  z.string().trim().min(1, 'a non-empty shell command'),
  z
    .object({
      run: z.string().trim().min(1, 'a non-empty shell command'),
      timeoutSec: z.number().positive().max(86_400).optional().describe('Kill the command (and its children) after this many seconds.'),
    })
    .strict(),
]);

export const ConfigSchema = z
  .object({
    $schema: z.string().optional(),
    commands: z
      .object({
        build: commandSpec.optional().describe('Compiles the project; detected from package.json, tsconfig, Cargo.toml, go.mod or Makefile when absent.'),
        typecheck: commandSpec.optional(),
        test: commandSpec.optional(),
        lint: commandSpec.optional(),
      })
      .strict()
      .default({}),
    commandTimeoutSec: z.number().positive().max(86_400).default(600).describe('Default timeout for every validation command.'),
    fix: z
      .object({
        maxAttempts: z.number().int().min(1).max(20).default(3).describe('Repair rounds before giving up.'),
        tiers: z.array(z.enum(TIER_NAMES)).min(1).default(['autofix']),
      })
      .strict()
      .default({ maxAttempts: 3, tiers: ['autofix'] }),
    autofix: z
      .object({
        typescript: z.boolean().default(true).describe('TypeScript language-service code fixes (spelling, missing import, missing await, …).'),
        eslint: z.boolean().default(true).describe('`eslint --fix` on files with lint failures, when the repo has eslint.'),
        prettier: z.boolean().default(true).describe('`prettier --write` on files prettier flags, when the repo has prettier.'),
        rustc: z.boolean().default(true).describe("rustc's own suggestions from `cargo check --message-format=json`."),
      })
      .strict()
      .default({ typescript: true, eslint: true, prettier: true, rustc: true }),
    secrets: z
      .object({
        envVars: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')).default([]).describe('Extra variables treated as secrets: never passed to validation commands, redacted from output.'),
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
