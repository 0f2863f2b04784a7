// The order of a plan's tasks: every task after what it depends on. Used by the planner to check
// a plan and by the scheduler of execute/ to grant tasks in that order.
import { DistiqError, ExitCode } from '../errors.js';

export interface Schedulable {
  id: string;
  /** Scope: tasks sharing a file never run together; empty = the whole repo (runs alone). */
  files: string[];
  dependsOn: string[];
}

export class PlanGraphError extends DistiqError {
  constructor(message: string) {
    super(message, ExitCode.NOT_FIXED);
  }
}

/** Ids in an order where every task comes after what it depends on; unknown ids and cycles are errors. */
export function topologicalOrder(tasks: Schedulable[]): string[] {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  if (byId.size !== tasks.length)
    throw new PlanGraphError(`task ids must be unique (${tasks.map((t) => t.id).join(', ')})`);
  for (const t of tasks)
    for (const d of t.dependsOn)
      if (!byId.has(d))
        throw new PlanGraphError(`task ${t.id} depends on ${d}, which is not in the plan`);
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting')
      throw new PlanGraphError(
        `tasks depend on each other in a cycle: ${[...path.slice(path.indexOf(id)), id].join(' → ')}`,
      );
    state.set(id, 'visiting');
    for (const d of byId.get(id)!.dependsOn) visit(d, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const t of tasks) visit(t.id, []);
  return order;
}
