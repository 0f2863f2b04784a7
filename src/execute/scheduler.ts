import { DistiqError, ExitCode } from '../errors.js';

export interface Schedulable {
  id: string;
  /** Scope: tasks sharing a file never run together; empty = the whole repo (runs alone). */
  files: string[];
  dependsOn: string[];
}

export type Finish = 'done' | 'failed';

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

/**
 * Grants tasks a slot: at most `concurrency` model calls at once, only after every dependency finished well,
 * never two with overlapping scopes. Waiting tasks are granted in plan order. A task whose
 * dependency failed is refused (its `acquire` resolves to a reason) instead of running on a
 * broken base. With the plan checked by `topologicalOrder`, nothing can wait forever.
 */
export class TaskScheduler {
  private readonly tasks: Map<string, Schedulable>;
  private readonly order: string[];
  /** Tasks holding their scope (started, not finished). */
  private readonly running = new Set<string>();
  /** Running tasks not using a slot: they wait for or run a proof, not a model call. */
  private readonly paused = new Set<string>();
  private readonly resumers: { id: string; resolve: () => void }[] = [];
  private readonly finished = new Map<string, Finish>();
  private readonly waiting = new Map<
    string,
    (grant: { run: true } | { run: false; reason: string }) => void
  >();
  /** Highest number of tasks that ran at once (for reports and benchmarks). */
  peak = 0;

  constructor(
    tasks: Schedulable[],
    private readonly concurrency: number,
  ) {
    if (!(concurrency >= 1))
      throw new PlanGraphError(`concurrency must be at least 1, got ${concurrency}`);
    this.order = topologicalOrder(tasks);
    this.tasks = new Map(tasks.map((t) => [t.id, t]));
  }

  acquire(id: string): Promise<{ run: true } | { run: false; reason: string }> {
    if (!this.tasks.has(id)) throw new PlanGraphError(`unknown task ${id}`);
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.pump();
    });
  }

  /**
   * The task gives its slot back but keeps its files (it is about to wait for the proof lock):
   * another task's model call can start meanwhile.
   */
  pause(id: string): void {
    if (this.running.has(id)) this.paused.add(id);
    this.pump();
  }

  /** Takes a slot again before the next model call; paused tasks go before new ones. */
  resume(id: string): Promise<void> {
    if (!this.paused.has(id)) return Promise.resolve();
    return new Promise((resolve) => {
      this.resumers.push({ id, resolve });
      this.pump();
    });
  }

  private slotsInUse(): number {
    return this.running.size - this.paused.size;
  }

  release(id: string, result: Finish): void {
    this.running.delete(id);
    this.paused.delete(id);
    const r = this.resumers.findIndex((x) => x.id === id);
    if (r >= 0) this.resumers.splice(r, 1)[0]!.resolve();
    this.finished.set(id, result);
    this.pump();
  }

  private pump(): void {
    while (this.resumers.length > 0 && this.slotsInUse() < this.concurrency) {
      const { id, resolve } = this.resumers.shift()!;
      this.paused.delete(id);
      this.peak = Math.max(this.peak, this.slotsInUse());
      resolve();
    }
    for (const id of this.order) {
      const resolve = this.waiting.get(id);
      if (!resolve) continue;
      const task = this.tasks.get(id)!;
      const failedDep = task.dependsOn.find((d) => this.finished.get(d) === 'failed');
      if (failedDep) {
        this.waiting.delete(id);
        this.finished.set(id, 'failed');
        resolve({
          run: false,
          reason: `skipped: it depends on ${failedDep}, which did not succeed`,
        });
        continue;
      }
      if (this.slotsInUse() >= this.concurrency || this.resumers.length > 0) continue;
      if (!task.dependsOn.every((d) => this.finished.get(d) === 'done')) continue;
      if ([...this.running].some((r) => overlaps(task, this.tasks.get(r)!))) continue;
      this.waiting.delete(id);
      this.running.add(id);
      this.peak = Math.max(this.peak, this.slotsInUse());
      resolve({ run: true });
    }
  }
}

function overlaps(a: Schedulable, b: Schedulable): boolean {
  if (a.files.length === 0 || b.files.length === 0) return true;
  const set = new Set(a.files);
  return b.files.some((f) => set.has(f));
}
