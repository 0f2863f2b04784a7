import { randomUUID } from 'node:crypto';
import { promises as fs, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { BudgetExceededError } from '../errors.js';
import { ensureStateDir, statePath } from '../state-dir.js';

export { ensureStateDir };
import type { Usage } from '../providers/types.js';

/**
 * Append-only JSONL spend ledger shared by every distiq run in a repo (and by concurrent runs).
 * - Check-and-reserve happens under one file lock (proper-lockfile), so two processes can never
 *   both pass a limit check with the same headroom.
 * - A crash mid-append leaves at most a partial last line; the next writer (holding the lock)
 *   cuts it off before appending, and readers ignore it.
 * - A reservation that is never settled (crash, SIGKILL) expires after its TTL.
 */
export type LedgerEntry =
  | {
      v: 1;
      kind: 'reserve';
      id: string;
      run: string;
      at: string;
      usd: number;
      expiresAt: string;
      tier?: string;
      provider?: string;
      model?: string;
    }
  | {
      v: 1;
      kind: 'settle';
      id: string;
      run: string;
      at: string;
      usd: number;
      tier?: string;
      provider?: string;
      model?: string;
      usage?: Usage;
      outcome?: string;
      reason?: string;
      batch?: boolean;
    }
  | { v: 1; kind: 'release'; id: string; run: string; at: string };

// Validated on read: a line distiq did not write (or one edited since) must not move a sum.
const EARLIEST = Date.UTC(2024, 0, 1);
const MAX_CLOCK_SKEW_MS = 24 * 3600_000;
const amount = z.number().finite().min(0);
const tokens = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const stamp = z.string().refine((v) => {
  const t = Date.parse(v);
  return Number.isFinite(t) && t >= EARLIEST && t <= Date.now() + MAX_CLOCK_SKEW_MS;
}, 'an ISO timestamp between 2024 and now');
const base = {
  v: z.literal(1),
  id: z.string().min(1).max(200),
  run: z.string().min(1).max(200),
  at: stamp,
};
const meta = {
  tier: z.string().max(200).optional(),
  provider: z.string().max(200).optional(),
  model: z.string().max(200).optional(),
};
const usageSchema = z.object({
  inputTokens: tokens,
  outputTokens: tokens,
  cacheReadTokens: tokens,
  cacheWriteTokens: tokens,
  cacheWrite1hTokens: tokens,
});
const entrySchema = z.discriminatedUnion('kind', [
  z.object({
    ...base,
    ...meta,
    kind: z.literal('reserve'),
    usd: amount,
    expiresAt: z.string().refine((v) => Number.isFinite(Date.parse(v)), 'an ISO timestamp'),
  }),
  z.object({
    ...base,
    ...meta,
    kind: z.literal('settle'),
    usd: amount,
    usage: usageSchema.optional(),
    outcome: z.string().max(200).optional(),
    reason: z.string().max(2000).optional(),
    batch: z.boolean().optional(),
  }),
  z.object({ ...base, kind: z.literal('release') }),
]);

/** A ledger line that is not one distiq writes: no sum can be trusted, so nothing is spent. */
export class LedgerCorruptError extends BudgetExceededError {
  constructor(file: string, line: number, problem: string) {
    super(
      `The spend ledger ${file} has an invalid line ${line} (${problem}): spend cannot be checked, so no model is called`,
      `Fix or delete line ${line} of ${file} (distiq never writes such a line).`,
    );
  }
}

/** Parses one ledger line, or says what is wrong with it. */
export function parseLedgerLine(line: string): { entry: LedgerEntry } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { problem: 'not JSON' };
  }
  const parsed = entrySchema.safeParse(raw);
  if (parsed.success) return { entry: parsed.data as LedgerEntry };
  const issue = parsed.error.issues[0]!;
  return { problem: `${issue.path.join('.') || 'line'}: ${issue.message}` };
}

export interface LedgerState {
  /** Settled spend, every entry (for period sums). */
  settled: {
    at: number;
    usd: number;
    run: string;
    entry: Extract<LedgerEntry, { kind: 'settle' }>;
  }[];
  /** Open reservations by id. */
  open: Map<string, Extract<LedgerEntry, { kind: 'reserve' }>>;
}

export class Ledger {
  private offset = 0;
  /** Complete lines read so far (to name a bad one). */
  private lines = 0;
  private readonly state: LedgerState = { settled: [], open: new Map() };
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Created on first use only: a run that never calls a model leaves no trace in the repo. */
  private ensureFile(): void {
    if (existsSync(this.file)) return;
    ensureStateDir(path.dirname(this.file));
    writeFileSync(this.file, '', { flag: 'a' });
  }

  /**
   * Runs `fn` with the ledger lock held and the state caught up with the file; whatever entries
   * `fn` returns are appended (and fsynced) before the lock is released.
   */
  transact<T>(fn: (state: LedgerState) => { result: T; append?: LedgerEntry[] }): Promise<T> {
    // In-process calls queue up first; the file lock then orders processes.
    const run = this.queue.then(() => this.locked(fn));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The state as of now (read under the lock). */
  read(): Promise<LedgerState> {
    return this.transact((state) => ({ result: state }));
  }

  private async locked<T>(
    fn: (state: LedgerState) => { result: T; append?: LedgerEntry[] },
  ): Promise<T> {
    this.ensureFile();
    const release = await lockfile.lock(this.file, {
      retries: { retries: 400, minTimeout: 5, maxTimeout: 50, factor: 1.3 },
      stale: 10_000,
      realpath: false,
    });
    try {
      await this.catchUp();
      const { result, append } = fn(this.state);
      if (append && append.length > 0) {
        const handle = await fs.open(this.file, 'a');
        try {
          await handle.write(append.map((e) => JSON.stringify(e)).join('\n') + '\n');
          await handle.sync();
        } finally {
          await handle.close();
        }
        await this.catchUp();
      }
      return result;
    } finally {
      await release();
    }
  }

  /** Reads what other processes appended since our last look; cuts a crashed writer's partial line. */
  private async catchUp(): Promise<void> {
    const stat = await fs.stat(this.file);
    if (stat.size < this.offset) {
      this.reset(); // the ledger was rotated or truncated by hand
    }
    if (stat.size === this.offset) return;
    const handle = await fs.open(this.file, 'r+');
    try {
      const buf = Buffer.alloc(stat.size - this.offset);
      await handle.read(buf, 0, buf.length, this.offset);
      const text = buf.toString('utf8');
      const lastNewline = text.lastIndexOf('\n');
      if (lastNewline < text.length - 1) {
        // A partial line at the end: only a crashed writer leaves one (we hold the lock).
        await handle.truncate(this.offset + Buffer.byteLength(text.slice(0, lastNewline + 1)));
      }
      const complete = text.slice(0, lastNewline + 1);
      const lines = complete.split('\n').slice(0, -1);
      for (const [i, line] of lines.entries()) {
        if (!line.trim()) continue;
        const parsed = parseLedgerLine(line);
        // Fail closed: a line whose amount cannot be known could hide any spend.
        if ('problem' in parsed) {
          const at = this.lines + i + 1;
          this.reset(); // the next look starts over, so nothing is counted twice
          throw new LedgerCorruptError(this.file, at, parsed.problem);
        }
        this.apply(parsed.entry);
      }
      this.lines += lines.length;
      this.offset += Buffer.byteLength(complete);
    } finally {
      await handle.close();
    }
  }

  private reset(): void {
    this.offset = 0;
    this.lines = 0;
    this.state.settled = [];
    this.state.open.clear();
  }

  private apply(e: LedgerEntry): void {
    if (e.kind === 'reserve') this.state.open.set(e.id, e);
    else if (e.kind === 'settle') {
      this.state.open.delete(e.id);
      this.state.settled.push({ at: Date.parse(e.at), usd: e.usd, run: e.run, entry: e });
    } else this.state.open.delete(e.id);
  }
}

let ledgerOverride: string | undefined;

/** The Action's `ledger` input: a folder the workflow restores and saves with the Actions cache. */
export function useLedgerFile(file: string | undefined): void {
  ledgerOverride = file;
}

/**
 * Where the ledger lives: the Action's `ledger` input, else DISTIQ_LEDGER (a persistent folder on
 * a self-hosted runner), else `budget.ledger` from the config, relative to the repository root,
 * else distiq's state folder in the git directory (out of reach of edits).
 */
export function ledgerFile(
  root: string,
  configured: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const chosen = ledgerOverride || env.DISTIQ_LEDGER?.trim() || configured;
  return chosen ? path.resolve(root, chosen) : statePath(root, 'ledger.jsonl');
}

export function newId(): string {
  return randomUUID();
}
