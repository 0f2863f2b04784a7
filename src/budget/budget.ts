import { BudgetExceededError } from '../errors.js';
import type { Usage } from '../providers/types.js';
import { type LedgerState, Ledger, newId } from './ledger.js';

export interface BudgetLimits {
  perRun?: number;
  daily?: number;
  monthly?: number;
  /** Warn once when spend plus reservations reach this fraction of a limit. */
  warnAt?: number;
}

export interface Reservation {
  id: string;
  usd: number;
}

export interface CallMeta {
  tier?: string;
  provider?: string;
  model?: string;
}

const DEFAULT_TTL_MS = 15 * 60_000;

/**
 * The hard cap. Before a request is sent its worst case is reserved against every limit in one
 * atomic step; afterwards the real cost replaces the reservation. Periods are UTC days and months.
 */
export class Budget {
  private warned = false;

  constructor(
    private readonly ledger: Ledger,
    private readonly limits: BudgetLimits,
    readonly runId: string,
    private readonly opts: {
      ttlMs?: number;
      onWarn?: (message: string) => void;
      now?: () => number;
    } = {},
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  async reserve(usd: number, meta: CallMeta = {}): Promise<Reservation> {
    if (!(usd >= 0) || !Number.isFinite(usd))
      throw new BudgetExceededError(
        `Refusing a request whose worst case is not a finite amount (${usd})`,
      );
    const id = newId();
    const now = this.now();
    return this.ledger.transact((state) => {
      const committed = this.committed(state, now);
      for (const [name, limit, used] of this.checks(committed)) {
        if (limit !== undefined && used + usd > limit + 1e-12) {
          throw new BudgetExceededError(
            `The ${name} budget of $${limit.toFixed(4)} cannot cover the next request: $${used.toFixed(4)} spent or reserved, this one could cost up to $${usd.toFixed(4)}`,
          );
        }
      }
      this.maybeWarn(committed, usd);
      const at = new Date(now).toISOString();
      // A crashed run's expired reservations are released for good, so the ledger does not carry them forever.
      const expired = [...state.open.values()]
        .filter((r) => Date.parse(r.expiresAt) <= now)
        .map((r) => ({ v: 1 as const, kind: 'release' as const, id: r.id, run: r.run, at }));
      return {
        result: { id, usd },
        append: [
          ...expired,
          {
            v: 1,
            kind: 'reserve',
            id,
            run: this.runId,
            at,
            usd,
            expiresAt: new Date(now + (this.opts.ttlMs ?? DEFAULT_TTL_MS)).toISOString(),
            ...meta,
          },
        ],
      };
    });
  }

  settle(
    res: Reservation,
    usd: number,
    meta: CallMeta & { usage?: Usage; outcome?: string; reason?: string; batch?: boolean } = {},
  ): Promise<void> {
    // A cost that is not a finite non-negative amount settles at the reservation, never below.
    if (!(usd >= 0 && Number.isFinite(usd))) {
      meta = {
        ...meta,
        reason: `${meta.reason ? `${meta.reason}; ` : ''}cost ${usd} replaced by the reservation`,
      };
      usd = res.usd;
    }
    return this.ledger.transact(() => ({
      result: undefined,
      append: [
        {
          v: 1,
          kind: 'settle',
          id: res.id,
          run: this.runId,
          at: new Date(this.now()).toISOString(),
          usd,
          ...meta,
        },
      ],
    }));
  }

  release(res: Reservation): Promise<void> {
    return this.ledger.transact(() => ({
      result: undefined,
      append: [
        {
          v: 1,
          kind: 'release',
          id: res.id,
          run: this.runId,
          at: new Date(this.now()).toISOString(),
        },
      ],
    }));
  }

  /** Settled spend of this run (what the report shows). */
  async spentThisRun(): Promise<number> {
    const state = await this.ledger.read();
    return state.settled.filter((s) => s.run === this.runId).reduce((a, s) => a + s.usd, 0);
  }

  private committed(state: LedgerState, now: number): { run: number; day: number; month: number } {
    const d = new Date(now);
    const dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const out = { run: 0, day: 0, month: 0 };
    for (const s of state.settled) {
      if (s.run === this.runId) out.run += s.usd;
      if (s.at >= dayStart) out.day += s.usd;
      if (s.at >= monthStart) out.month += s.usd;
    }
    for (const r of state.open.values()) {
      if (Date.parse(r.expiresAt) <= now) continue; // a crashed run's reservation: expired
      if (r.run === this.runId) out.run += r.usd;
      out.day += r.usd;
      out.month += r.usd;
    }
    return out;
  }

  private checks(c: {
    run: number;
    day: number;
    month: number;
  }): [string, number | undefined, number][] {
    return [
      ['per-run', this.limits.perRun, c.run],
      ['daily', this.limits.daily, c.day],
      ['monthly', this.limits.monthly, c.month],
    ];
  }

  private maybeWarn(c: { run: number; day: number; month: number }, next: number): void {
    const at = this.limits.warnAt;
    if (this.warned || at === undefined || !this.opts.onWarn) return;
    for (const [name, limit, used] of this.checks(c)) {
      if (limit !== undefined && used + next >= limit * at) {
        this.warned = true;
        this.opts.onWarn(
          `Spend is at ${Math.round(((used + next) / limit) * 100)}% of the ${name} budget ($${limit})`,
        );
        return;
      }
    }
  }
}
