import { Flags } from '@oclif/core';

/**
 * `--budget USD`: parsed once, here, so every command rejects the same inputs and the message
 * quotes what the user typed (`--budget abc`), not what Number() made of it.
 */
export function budgetFlag(summary: string) {
  return Flags.custom<number>({
    summary,
    helpValue: 'USD',
    parse: async (input) => {
      const value = Number(input.trim());
      if (input.trim() === '' || !Number.isFinite(value) || value <= 0) {
        throw new Error(`must be a positive number of USD (e.g. 0.50), got "${input}"`);
      }
      return value;
    },
  })();
}
