import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FileEdit, RepairProposal } from '../autofix/fixer.js';
import { errorMessage } from '../errors.js';
import { EditApplyError, resolveEdits } from '../edits/edit-format.js';
import { loadPathPolicy } from '../edits/path-policy.js';
import { refusedEdit } from '../edits/protected-paths.js';
import { diffFailures, type Failure, failureKey } from '../validation/failure.js';
import { type Candidate, FixMemory } from './fix-memory.js';
import type { EmbeddingRanker } from './embedding-similarity.js';
import { editToHunks, type Hunk } from './hunks.js';
import { retarget, retargetSpan } from './retarget.js';
import { memoryStateDir } from './state.js';

export const MEMORY_FIXER = 'memory';
const MAX_EXAMPLE_CHARS = 1500;

export interface MemoryHit {
  entry: string;
  match: Candidate['match'];
  /** The failure it answered, as `file: message`. */
  failure: string;
  files: string[];
  /** What the stored repair cost when a model first made it: saved by replaying it. */
  savedUsd: number;
}

/** A stored repair that did not prove out here: shown to the cheap tier as a worked example. */
export interface WorkedExample {
  failureKey: string;
  text: string;
}

export interface MemoryTierResult {
  hits: MemoryHit[];
  tried: number;
  rejected: number;
  /** Failure keys the memory repaired (for the report's task rows). */
  fixedKeys: Set<string>;
  examples: WorkedExample[];
}

export interface MemoryTierDeps {
  root: string;
  memory: FixMemory;
  /** The failures as they are now (changes after each kept repair). */
  current: () => Failure[];
  /** The job's proof path: apply, re-run the commands, keep or roll back exactly. */
  prove: (p: RepairProposal) => Promise<{ kept: boolean; reason: string; after?: Failure[] }>;
  allowWorkflowEdits: boolean;
  signal?: AbortSignal;
  progress?: (line: string) => void;
  perFailure?: number;
  /** `memory.similarity: embedding`: similar candidates ranked by embeddings, not BM25. */
  ranker?: EmbeddingRanker | null;
  /** Validation runs the tier may spend in one job (each candidate costs one). */
  maxProofs?: number;
}

export function openFixMemory(root: string): FixMemory {
  return FixMemory.load(path.join(memoryStateDir(root), 'memory.json'));
}

/**
 * The `memory` tier: for each failure still there, the closest stored repairs (exact fingerprint
 * first, then similar), re-targeted at this occurrence, each handed to the same proof path as
 * any repair at $0. An entry is data: its edits pass the same path checks and edit allowlist as
 * a model's, and a candidate that does not prove out is rolled back and becomes a worked example.
 */
export async function runMemoryTier(d: MemoryTierDeps): Promise<MemoryTierResult> {
  const out: MemoryTierResult = {
    hits: [],
    tried: 0,
    rejected: 0,
    fixedKeys: new Set(),
    examples: [],
  };
  const seen = new Set<string>();
  const maxProofs = d.maxProofs ?? 12;
  // The early path check reads git once, again only after a kept repair changed the tree.
  const loadPolicy = () => loadPathPolicy(d.root, { allowWorkflowEdits: d.allowWorkflowEdits });
  let policy = loadPolicy();
  for (;;) {
    if (d.signal?.aborted || out.tried >= maxProofs) break;
    const failure = d.current().find((f) => !seen.has(failureKey(f)));
    if (!failure) break;
    seen.add(failureKey(failure));
    const fileText = readText(d.root, failure.file);
    const limit = d.perFailure ?? 3;
    // An embedding that fails mid-run falls back to lexical: similarity never fails a run.
    const { site, candidates } = d.ranker
      ? await d.memory
          .candidatesByEmbedding(d.ranker, failure, fileText, limit)
          .catch(() => d.memory.candidates(failure, fileText, limit))
      : d.memory.candidates(failure, fileText, limit);
    for (const c of candidates) {
      if (d.signal?.aborted || out.tried >= maxProofs) break;
      let hunks = retarget(c.entry.hunks, c.entry.site, site);
      let edits: FileEdit[];
      try {
        // The same mistake on another line: the stored span edit re-applied to the new line.
        const span = () => retargetSpan(c.entry.hunks, c.entry.site, site, fileText, failure.line);
        try {
          edits = resolveEdits(d.root, hunks);
        } catch (err) {
          const alt = err instanceof EditApplyError ? span() : null;
          if (!alt) throw err;
          hunks = alt;
          edits = resolveEdits(d.root, hunks);
        }
        const refused =
          edits.length === 0 ? 'the edits change nothing here' : refusedEdit(edits, { policy });
        if (refused) throw new EditApplyError(refused);
      } catch (err) {
        if (!(err instanceof EditApplyError)) throw err;
        out.rejected++;
        out.examples.push(example(failure, c, hunks, errorMessage(err)));
        continue;
      }
      out.tried++;
      const before = d.current();
      d.progress?.(
        `${c.match} memory ${c.entry.id.slice(0, 8)} for ${failure.file ?? failure.tool}`,
      );
      const proposal: RepairProposal = {
        fixer: MEMORY_FIXER,
        descriptions: [
          `memory (${c.match}): ${failure.file ?? ''} ${c.entry.fingerprint.code ?? ''} ${c.entry.fingerprint.message}`
            .replace(/\s+/g, ' ')
            .trim(),
        ],
        edits,
      };
      const verdict = await d.prove(proposal);
      if (!verdict.kept) {
        out.rejected++;
        out.examples.push(example(failure, c, hunks, verdict.reason));
        continue;
      }
      d.memory.used(c.entry.id);
      policy = loadPolicy();
      for (const f of diffFailures(before, d.current()).fixed) out.fixedKeys.add(failureKey(f));
      out.hits.push({
        entry: c.entry.id,
        match: c.match,
        failure: `${failure.file ?? failure.tool}: ${failure.message.split('\n')[0]}`,
        files: edits.map((e) => e.path),
        savedUsd: c.entry.usd,
      });
      break;
    }
  }
  return out;
}

/** Worked examples for the failures of one model task, fenced as data, bounded in size. */
export function examplesFor(
  result: MemoryTierResult | undefined,
  failures: Failure[],
  max = 2,
): string[] {
  if (!result) return [];
  const keys = new Set(failures.map(failureKey));
  const texts = result.examples.filter((e) => keys.has(e.failureKey)).map((e) => e.text);
  return [...new Set(texts)].slice(0, max);
}

/** A proven model repair, waiting for its task's cost before it is stored. */
export interface ProvenRepair {
  taskId: string;
  tier: string;
  fixed: Failure[];
  edits: FileEdit[];
}

/**
 * Stores proven repairs: one entry per fixed failure (its fingerprint, the edit as hunks), with
 * the share of the task's model spend as what a replay saves. Returns how many were stored.
 */
export function learnRepairs(
  memory: FixMemory,
  repairs: ProvenRepair[],
  usdOfTask: (taskId: string) => number,
): number {
  let n = 0;
  for (const r of repairs) {
    const hunks: Hunk[] = [];
    for (const e of r.edits) {
      const h = editToHunks(e.path, e.before, e.after);
      if (!h) {
        hunks.length = 0;
        break; // a created or deleted file, or no unique hunk: not replayable as search/replace
      }
      hunks.push(...h);
    }
    if (hunks.length === 0 || hunks.length > 20) continue;
    const usd = usdOfTask(r.taskId) / Math.max(1, r.fixed.length);
    for (const f of r.fixed) {
      const text = r.edits.find((e) => e.path === f.file)?.before ?? null;
      memory.learn(f, text, hunks, { tier: r.tier, usd });
      n++;
    }
  }
  return n;
}

function example(f: Failure, c: Candidate, hunks: Hunk[], reason: string): WorkedExample {
  const body = hunks
    .map((h) => `${h.path}\n<<<<<<< search\n${h.search}\n=======\n${h.replace}\n>>>>>>> replace`)
    .join('\n');
  const text = `A repair that fixed "${c.entry.fingerprint.message}" elsewhere (${c.match} match), re-targeted here; it did not prove out as is (${reason.split('\n')[0]}):\n${body}`;
  return {
    failureKey: failureKey(f),
    text: text.length > MAX_EXAMPLE_CHARS ? `${text.slice(0, MAX_EXAMPLE_CHARS)}\n…` : text,
  };
}

function readText(root: string, file: string | null): string | null {
  if (!file) return null;
  try {
    return readFileSync(path.join(root, file), 'utf8');
  } catch {
    return null;
  }
}
