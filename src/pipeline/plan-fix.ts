import type { Failure } from '../validation/failure.js';

export interface FixTask {
  id: string;
  title: string;
  /** Files the task may touch; failures without a file are scoped to their command. */
  scope: string[];
  failures: Failure[];
}

/** The deterministic plan for `fix`: one task per file (or per command for file-less failures). */
export function planFixTasks(failures: Failure[]): FixTask[] {
  const groups = new Map<string, Failure[]>();
  for (const f of failures) {
    const key = f.file ?? `(${f.tool})`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, fs], i) => {
      const tools = [...new Set(fs.map((f) => f.tool))].join(', ');
      return { id: `t${i + 1}`, title: `${key}: ${fs.length} failure${fs.length === 1 ? '' : 's'} (${tools})`, scope: fs[0]!.file ? [fs[0]!.file] : [], failures: fs };
    });
}
