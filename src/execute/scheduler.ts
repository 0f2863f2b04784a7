import { PlanGraphError, type Schedulable, topologicalOrder } from '../plan/task-order.js';

export { type Schedulable, topologicalOrder, PlanGraphError } from '../plan/task-order.js';

export type Finish = 'done' | 'failed';

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
