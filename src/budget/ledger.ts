import { randomUUID } from 'node:crypto';
import { promises as fs, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { ensureStateDir } from '../state-dir.js';

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
  | { v: 1; kind: 'reserve'; id: string; run: string; at: string; usd: number; expiresAt: string; tier?: string; provider?: string; model?: string }
  | { v: 1; kind: 'settle'; id: string; run: string; at: string; usd: number; tier?: string; provider?: string; model?: string; usage?: Usage; outcome?: string; batch?: boolean }
  | { v: 1; kind: 'release'; id: string; run: string; at: string };

export interface LedgerState {
  /** Settled spend, every entry (for period sums). */
  settled: { at: number; usd: number; run: string; entry: Extract<LedgerEntry, { kind: 'settle' }> }[];
  /** Open reservations by id. */
  open: Map<string, Extract<LedgerEntry, { kind: 'reserve' }>>;
}

export class Ledger {
  private offset = 0;
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

  private async locked<T>(fn: (state: LedgerState) => { result: T; append?: LedgerEntry[] }): Promise<T> {
    this.ensureFile();
    const release = await lockfile.lock(this.file, { retries: { retries: 400, minTimeout: 5, maxTimeout: 50, factor: 1.3 }, stale: 10_000, realpath: false });
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
      this.offset = 0; // the ledger was rotated or truncated by hand
      this.state.settled = [];
      this.state.open.clear();
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
      for (const line of text.slice(0, lastNewline + 1).split('\n')) {
        if (!line.trim()) continue;
        try {
          this.apply(JSON.parse(line) as LedgerEntry);
        } catch {
          // A corrupt line is skipped, never fatal: the ledger must not block work.
        }
      }
      this.offset += Buffer.byteLength(text.slice(0, lastNewline + 1));
    } finally {
      await handle.close();
    }
  }

  private apply(e: LedgerEntry): void {
    if (e.kind === 'reserve') this.state.open.set(e.id, e);
    else if (e.kind === 'settle') {
      this.state.open.delete(e.id);
      this.state.settled.push({ at: Date.parse(e.at), usd: e.usd, run: e.run, entry: e });
    } else this.state.open.delete(e.id);
  }
}

export function newId(): string {
  return randomUUID();
}
