import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Lines of repo files, read once each: what localization and packing look at. */
export function lineReader(root: string): (file: string) => string[] | undefined {
  const cache = new Map<string, string[] | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      try {
        cache.set(file, readFileSync(path.join(root, file), 'utf8').split('\n'));
      } catch {
        cache.set(file, undefined);
      }
    }
    return cache.get(file);
  };
}
