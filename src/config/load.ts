import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import type { z } from 'zod';
import { readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { ConfigError, ConfigSyntaxError, type ConfigProblem } from '../errors.js';
import { registerSecretNames } from '../security/secrets.js';
import { ConfigSchema, DEFAULT_PROVIDERS, type DistiqConfig } from './schema.js';

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
  let result: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  const file = explicitFile ? path.resolve(root, explicitFile) : undefined;
  try {
    // Inside the try: creating the explorer already reads package.json (cosmiconfig's meta config).
    const explorer = cosmiconfig('distiq', { searchStrategy: 'none' });
    result = file ? await explorer.load(file) : await explorer.search(root);
  } catch (err) {
    const where = file ?? (err as { filepath?: string }).filepath ?? root;
    const syntax = syntaxError(err, where);
    if (syntax) throw syntax;
    throw new ConfigError(where, [
      { keyPath: '', expected: 'a readable, well-formed config file', found: firstLine(err) },
    ]);
  }
  const loaded =
    !result || result.isEmpty
      ? { config: ConfigSchema.parse({}), file: result?.filepath ?? null }
      : { config: validateConfig(result.config, result.filepath), file: result.filepath };
  registerConfigSecrets(loaded.config);
  return loaded;
}

/** The one secret registry learns the config's secret names before anything runs or prints. */
export function registerConfigSecrets(config: DistiqConfig): void {
  const providers = [...Object.values(DEFAULT_PROVIDERS), ...Object.values(config.providers)];
  registerSecretNames([
    ...config.secrets.envVars,
    ...providers.map((p) => ('apiKeyEnv' in p ? p.apiKeyEnv : undefined)),
  ]);
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
      return {
        keyPath,
        expected: issue.expected,
        found: issue.input === undefined ? 'nothing' : found,
      };
    case 'invalid_value':
      return {
        keyPath,
        expected: `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
        found,
      };
    case 'too_small':
      return {
        keyPath,
        expected: `${issue.origin === 'array' ? 'at least ' + issue.minimum + ' item(s)' : (issue.inclusive ? '≥ ' : '> ') + issue.minimum}`,
        found,
      };
    case 'too_big':
      return {
        keyPath,
        expected: `${issue.origin === 'array' ? 'at most ' + issue.maximum + ' item(s)' : (issue.inclusive ? '≤ ' : '< ') + issue.maximum}`,
        found,
      };
    case 'invalid_union':
      return {
        keyPath,
        expected: 'a shell command string, or {"run": "<command>", "timeoutSec": <seconds>}',
        found,
      };
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

/**
 * YAML (js-yaml) and JSON (parse-json) parse errors, as cosmiconfig throws them, with the
 * parser's own reason, line and column and the code frame it printed.
 */
function syntaxError(err: unknown, file: string): ConfigSyntaxError | null {
  const e = err as Error & {
    reason?: string;
    mark?: { line: number; column: number };
    codeFrame?: string;
  };
  if (e?.name === 'YAMLException' && e.mark) {
    const frame = e.message.split('\n\n').slice(1).join('\n\n').replace(/\s+$/, '');
    return new ConfigSyntaxError(
      file,
      e.reason ?? firstLine(err),
      e.mark.line + 1,
      e.mark.column + 1,
      frame,
    );
  }
  if (e?.name === 'JSONError') {
    // "JSON Error in FILE: <frame> <reason> in JSON at position N while parsing '…' <frame>"
    const detail =
      /([^\n]*?) in JSON at position \d+/.exec(e.message)?.[1]?.trim() ??
      /Unexpected end of JSON input/.exec(e.message)?.[0] ??
      firstLine(err);
    const pos = /at position (\d+)/.exec(e.message)?.[1];
    const where = pos === undefined ? endOf(file) : lineColumn(file, Number(pos));
    return new ConfigSyntaxError(
      file,
      detail,
      where?.line ?? null,
      where?.column ?? null,
      stripVTControlCharacters(e.codeFrame ?? '').replace(/^\n+|\s+$/g, ''),
    );
  }
  return null;
}

/** 1-based line and column of a character offset in the file. */
function lineColumn(file: string, offset: number): { line: number; column: number } | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/** "Unexpected end of JSON input" names no position: the end of the file is where it is. */
function endOf(file: string): { line: number; column: number } | null {
  try {
    return lineColumn(file, readFileSync(file, 'utf8').trimEnd().length);
  } catch {
    return null;
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').find((l) => l.trim()) ?? msg;
}
