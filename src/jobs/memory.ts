import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../forge/git.js';
import { type MemorySize, readMemoryFile, serialize } from '../memory/memory-file.js';
import { openFixMemory } from '../memory/memory-tier.js';

export interface MemoryInfo {
  file: string;
  size: MemorySize;
  byTool: Record<string, number>;
  warning?: string;
}

/** `distiq memory`: where the fix memory is and how big. */
export async function memoryInfo(cwd: string): Promise<MemoryInfo> {
  const m = openFixMemory(await repoRoot(cwd));
  const byTool: Record<string, number> = {};
  for (const e of m.all()) byTool[e.fingerprint.tool] = (byTool[e.fingerprint.tool] ?? 0) + 1;
  return { file: m.file, size: m.size(), byTool, ...(m.warning ? { warning: m.warning } : {}) };
}

/** `distiq memory export FILE`: the repo's fix memory as one validated JSON file. */
export async function exportMemory(
  cwd: string,
  out: string,
): Promise<{ file: string; size: MemorySize }> {
  const m = openFixMemory(await repoRoot(cwd));
  const file = path.resolve(cwd, out);
  writeFileSync(file, serialize(m.all()));
  return { file, size: m.size() };
}

/**
 * `distiq memory import FILE`: validated whole before anything is merged (a corrupt, foreign or
 * oversized file is refused with the reason); then merged, bounded and saved.
 */
export async function importMemory(
  cwd: string,
  from: string,
): Promise<{ file: string; imported: number; known: number; size: MemorySize }> {
  const entries = readMemoryFile(path.resolve(cwd, from));
  const m = openFixMemory(await repoRoot(cwd));
  const imported = m.merge(entries);
  const size = m.save();
  return { file: m.file, imported, known: entries.length - imported, size };
}
