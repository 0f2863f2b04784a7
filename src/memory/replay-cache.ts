import { randomBytes } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ChatRequest, ChatResult, Usage } from '../providers/types.js';
import { canonicalJson, sha256 } from './canonical-json.js';

/** The parts of a ladder step the cache needs (kept structural: no import cycle with call-model). */
export interface CacheStep {
  tier: string;
  model: string;
  provider: { name: string; type: string };
}

const usageSchema = z.object({
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  cacheReadTokens: z.number().int().min(0),
  cacheWriteTokens: z.number().int().min(0),
  cacheWrite1hTokens: z.number().int().min(0),
});

const entrySchema = z.object({
  version: z.literal(1),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  tier: z.string(),
  provider: z.string(),
  model: z.string(),
  text: z.string(),
  json: z.unknown().optional(),
  finishReason: z.enum(['stop', 'other']),
  usage: usageSchema,
  usd: z.number().min(0).finite(),
  storedAt: z.string(),
});
type Entry = z.infer<typeof entrySchema>;

export interface CacheHit {
  tier: string;
  provider: string;
  model: string;
  /** What the original call cost: the dollars this hit saved. */
  savedUsd: number;
  savedUsage: Usage;
}

/**
 * Exact replay cache: a model request whose bytes (provider, model, messages, schema, parameters)
 * equal an earlier one is answered with the earlier validated answer at $0. One file per key,
 * written by rename (a crash never leaves a half entry); a corrupt or mismatched entry is a miss.
 * Bounded: beyond `maxEntries` the least recently used entries (by mtime, touched on hit) go.
 */
export class ReplayCache {
  readonly hits: CacheHit[] = [];
  /** Which key each answer handed out came from, so a caller can forget an answer it rejected. */
  private readonly keys = new WeakMap<object, string>();
  constructor(
    readonly dir: string,
    private readonly maxEntries = 1000,
  ) {}

  static keyOf(step: CacheStep, req: ChatRequest): string {
    return sha256(
      canonicalJson({
        provider: [step.provider.type, step.provider.name],
        model: step.model,
        messages: req.messages.map((m) => ({
          role: m.role,
          content: m.content,
          bp: Boolean(m.cacheBreakpoint),
        })),
        schema: req.jsonSchema ?? null,
        maxOutputTokens: req.maxOutputTokens,
        temperature: req.temperature ?? null,
      }),
    );
  }

  /**
   * The cached answer, if any and if it still passes the caller's check (`accept` returns the
   * parsed JSON and a problem or null): a stale or now-invalid answer is a miss, never used.
   */
  lookup(
    step: CacheStep,
    req: ChatRequest,
    accept: (r: ChatResult) => { json?: unknown; problem: string | null },
  ): { result: ChatResult; json?: unknown } | null {
    const key = ReplayCache.keyOf(step, req);
    const entry = this.read(key);
    if (!entry) return null;
    const result: ChatResult = {
      text: entry.text,
      ...(entry.json !== undefined ? { json: entry.json } : {}),
      usage: zeroUsage(),
      model: entry.model,
      provider: entry.provider,
      latencyMs: 0,
      finishReason: entry.finishReason,
    };
    const { json, problem } = accept(result);
    if (problem) return null;
    if (json && typeof json === 'object') this.keys.set(json, key);
    this.hits.push({
      tier: step.tier,
      provider: step.provider.name,
      model: step.model,
      savedUsd: entry.usd,
      savedUsage: entry.usage,
    });
    try {
      const now = new Date();
      utimesSync(this.file(key), now, now); // recently used: evicted last
    } catch {
      // best effort
    }
    return { result, ...(json !== undefined ? { json } : {}) };
  }

  /** Stores a validated answer with what it cost. Failures to write never fail the run. */
  store(
    step: CacheStep,
    req: ChatRequest,
    result: ChatResult,
    usd: number,
    parsed?: unknown,
  ): void {
    if (result.finishReason !== 'stop' && result.finishReason !== 'other') return;
    const key = ReplayCache.keyOf(step, req);
    const answer = parsed ?? result.json;
    if (answer && typeof answer === 'object') this.keys.set(answer, key);
    const entry: Entry = {
      version: 1,
      key,
      tier: step.tier,
      provider: step.provider.name,
      model: step.model,
      text: result.text,
      ...(answer !== undefined ? { json: answer } : {}),
      finishReason: result.finishReason,
      usage: result.usage,
      usd,
      storedAt: new Date().toISOString(),
    };
    try {
      mkdirSync(this.dir, { recursive: true });
      const tmp = path.join(this.dir, `.${key}.${randomBytes(4).toString('hex')}.tmp`);
      writeFileSync(tmp, JSON.stringify(entry));
      renameSync(tmp, this.file(key));
      this.evict();
    } catch {
      // a cache is an optimisation: an unwritable state folder costs money, never correctness
    }
  }

  /**
   * The answer (the parsed JSON callModel returned) did not prove out: it is never replayed, so a
   * re-run asks the model afresh instead of repeating a rejected edit.
   */
  forget(answer: unknown): void {
    const key = answer && typeof answer === 'object' ? this.keys.get(answer) : undefined;
    if (key) rmSync(this.file(key), { force: true });
  }

  savedUsd(): number {
    return this.hits.reduce((a, h) => a + h.savedUsd, 0);
  }

  /** Entries on disk (for stats). */
  size(): number {
    try {
      return readdirSync(this.dir).filter((f) => f.endsWith('.json')).length;
    } catch {
      return 0;
    }
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  private read(key: string): Entry | null {
    let raw: string;
    try {
      raw = readFileSync(this.file(key), 'utf8');
    } catch {
      return null;
    }
    try {
      const parsed = entrySchema.safeParse(JSON.parse(raw));
      if (parsed.success && parsed.data.key === key) return parsed.data;
    } catch {
      // corrupt: dropped below
    }
    rmSync(this.file(key), { force: true });
    return null;
  }

  private evict(): void {
    const files = readdirSync(this.dir).filter((f) => f.endsWith('.json'));
    if (files.length <= this.maxEntries) return;
    const aged = files
      .map((f) => ({ f, t: statSync(path.join(this.dir, f)).mtimeMs }))
      .sort((a, b) => a.t - b.t);
    for (const { f } of aged.slice(0, files.length - this.maxEntries))
      rmSync(path.join(this.dir, f), { force: true });
  }
}

function zeroUsage(): Usage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
  };
}
