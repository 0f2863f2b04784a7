import { readFileSync } from 'node:fs';

/** A JSON file's object, or undefined when it is missing or not JSON. */
export function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
