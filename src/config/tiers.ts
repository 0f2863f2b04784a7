/** Tier and command names, kept free of the schema library so CLI start-up stays cheap. */
export const TIER_NAMES = ['autofix', 'memory', 'local', 'cheap', 'premium'] as const;
export type TierName = (typeof TIER_NAMES)[number];

export const COMMAND_KINDS = ['build', 'typecheck', 'test', 'lint'] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];
