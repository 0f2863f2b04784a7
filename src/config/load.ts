import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { ConfigSchema, type DistiqConfig } from './schema.js';
import { configureSandbox } from '../validation/sandbox.js';

export interface LoadedConfig {
  config: DistiqConfig;
  /** Absolute path of the file the config came from, or null when defaults were used. */
  file: string | null;
}

/**
 * Loads the config from the repo root only (no walking up into parent projects),
 * or from an explicit file, and validates it before anything runs or spends.
 */
export async function loadConfig(root: string, explicitFile?: string): Promise<LoadedConfig> {
  const explorer = cosmiconfig('distiq', { searchStrategy: 'none' });
  let result: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  const file = explicitFile ? path.resolve(root, explicitFile) : undefined;
  try {
    result = file ? await explorer.load(file) : await explorer.search(root);
  } catch (err) {
    const where = file ?? (err as { filepath?: string }).filepath ?? root;
    throw new ConfigError(where, [{ keyPath: '', expected: 'a readable, well-formed config file', found: firstLine(err) }]);
  }
  const loaded = !result || result.isEmpty ? { config: ConfigSchema.parse({}), file: result?.filepath ?? null } : { config: validateConfig(result.config, result.filepath), file: result.filepath };
  configureSandbox(loaded.config.validation); // every validation command of this process runs under it
  return loaded;
}

export function validateConfig(raw: unknown, file: string): DistiqConfig {
  const parsed = ConfigSchema.safeParse(raw ?? {}, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new ConfigError(file, parsed.error.issues.map(describeIssue));
}

function describeIssue(issue: z.core.$ZodIssue): ConfigProblem {
  const keyPath = issue.path.map(String).join('.');
  const found = 'input' in issue ? describeValue(issue.input) : 'an invalid value';
  switch (issue.code) {
    case 'unrecognized_keys':
      return {
        keyPath: [keyPath, issue.keys.join(', ')].filter(Boolean).join('.'),
        expected: 'no such key (it is not a distiq setting)',
        found: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
      };
    case 'invalid_type':
      return { keyPath, expected: issue.expected, found: issue.input === undefined ? 'nothing' : found };
    case 'invalid_value':
      return { keyPath, expected: `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`, found };
    case 'too_small':
      return { keyPath, expected: `${issue.origin === 'array' ? 'at least ' + issue.minimum + ' item(s)' : (issue.inclusive ? '≥ ' : '> ') + issue.minimum}`, found };
    case 'too_big':
      return { keyPath, expected: `${issue.origin === 'array' ? 'at most ' + issue.maximum + ' item(s)' : (issue.inclusive ? '≤ ' : '< ') + issue.maximum}`, found };
    case 'invalid_union':
      return { keyPath, expected: 'a shell command string, or {"run": "<command>", "timeoutSec": <seconds>}', found };
    default:
      return { keyPath, expected: issue.message, found };
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value} ${shown}`;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').find((l) => l.trim()) ?? msg;
}
