import path from 'node:path';
import { definitionsByName } from './graph.js';
import { buildIndex } from './index.js';
import type { RepoIndex } from './index-types.js';
import { lineReader } from './line-reader.js';
import { type BaseChoice, loadHistory } from './history.js';
import {
  type ChangedHunks,
  localizeFailures,
  localizeQuery,
  type SpanCandidate,
} from './localize.js';
import { packContext } from './pack.js';
import { buildRepoMap } from './repo-map.js';
import type { PlanTask } from '../plan/types.js';
import type { Failure } from '../validation/failure.js';

/** What one task's prompt gets from the context engine. */
export interface TaskContext {
  /** Ranked outline of the repo: part of the stable prefix. */
  repoMap: string;
  /** Spans several tasks of the job need: also in the stable prefix, identical for every task. */
  shared: string;
  /** This task's own spans (fresh on every attempt). */
  spans: string;
  tokens: { repoMap: number; shared: number; spans: number };
}

interface Span {
  path: string;
  startLine: number;
  endLine: number;
}

/**
 * The context of one job: the index, a repo map built once, and the code shared by several tasks,
 * put in the stable prompt prefix so that parallel tasks hit the provider's prompt cache. Per task,
 * only what the prefix lacks is sent; a shared file that an earlier task changed is sent fresh.
 */
export class JobContext {
  private shared: { text: string; tokens: number; spans: Span[]; snapshot: Map<string, string> } = {
    text: '',
    tokens: 0,
    spans: [],
    snapshot: new Map(),
  };

  private constructor(
    private readonly root: string,
    private index: RepoIndex,
    private readonly tokens: number,
    private readonly repoMap: { text: string; tokens: number },
    /** Hunks changed since the last green commit: they rank first in fix tasks' context. */
    private readonly hunks?: ChangedHunks,
    private readonly removedNames?: Map<string, string[]>,
    /** Source files changed since the last green commit, when there are few (a fix's scope). */
    readonly changedSources: readonly string[] = [],
  ) {}

  /** Indexes the repo and builds the map; null when no file is in a supported language (prompts then carry whole files). */
  static async open(root: string, tokens: number, base?: BaseChoice): Promise<JobContext | null> {
    const index = await buildIndex(root);
    if (index.files.size === 0) return null;
    const map = buildRepoMap(index, { tokens: Math.floor(tokens / 8) });
    const history = base ? await loadHistory(root, base).catch(() => undefined) : undefined;
    return new JobContext(
      root,
      index,
      tokens,
      { text: map.text, tokens: map.tokens },
      history?.hunks,
      history?.removedNames,
      changedSources(index, history?.changedFiles),
    );
  }

  /**
   * Files whose lines removed since the last green commit held `name` (a declaration renamed away,
   * a member deleted): where a repair of a failure naming it may belong, though nothing defines it.
   */
  removedFrom = (name: string): string[] => this.removedNames?.get(name) ?? [];

  /** Files defining `name` (for grouping failures by cause). */
  definedIn = (name: string): string[] => {
    this.byName ??= definitionsByName(this.index);
    return [...new Set((this.byName.get(name) ?? []).map((d) => d.path))];
  };
  private byName?: ReturnType<typeof definitionsByName>;

  /** The indexed file a relative module specifier written in `fromFile` resolves to. */
  moduleFile = (fromFile: string, specifier: string): string | undefined => {
    if (!specifier.startsWith('.')) return undefined;
    const bare = path.posix
      .join(path.posix.dirname(fromFile), specifier)
      .replace(/\.(c|m)?[jt]sx?$/, '');
    const exts = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
    return [...exts.map((e) => bare + e), ...exts.map((e) => `${bare}/index${e}`)].find((p) =>
      this.index.files.has(p),
    );
  };

  /** The identifier at a position (1-based line and column), or the first one after it on the line. */
  symbolAt = (file: string, line: number, column: number): string | undefined => {
    const text = lineReader(this.root)(file)?.[line - 1];
    if (!text) return undefined;
    const re = /[A-Za-z_$][\w$]*/g;
    for (let m = re.exec(text); m; m = re.exec(text))
      if (m.index + m[0].length >= column) return m[0];
    return undefined;
  };

  /**
   * Fixes the shared block once, before any task runs: files that more than one task looks at,
   * packed in a fixed order. It never changes afterwards, so the prefix stays byte-identical.
   */
  share(tasks: PlanTask[]): void {
    if (tasks.length < 2) return;
    const lines = lineReader(this.root);
    const perTask = tasks.map((t) => candidatesFor(this.index, t, lines, this.hunks));
    const users = new Map<string, number>();
    for (const c of perTask)
      for (const p of new Set(c.map((s) => s.path))) users.set(p, (users.get(p) ?? 0) + 1);
    const packed = packContext(
      perTask.flat().filter((s) => (users.get(s.path) ?? 0) > 1),
      lines,
      Math.floor(this.tokens / 2),
      { numbered: false },
    );
    this.shared = {
      text: packed.text,
      tokens: packed.tokens,
      spans: packed.spans,
      snapshot: new Map(packed.spans.map((s) => [s.path, (lines(s.path) ?? []).join('\n')])),
    };
  }

  /** Tokens of the stable prefix's context part (map + shared code). */
  get prefixTokens(): { repoMap: number; shared: number } {
    return { repoMap: this.repoMap.tokens, shared: this.shared.tokens };
  }

  async refresh(): Promise<void> {
    this.index = await buildIndex(this.root);
  }

  /** For the planner: the map, and the code a free-text query ranks highest. */
  forQuery(query: string, tokens: number): { repoMap: string; spans: string } {
    const lines = lineReader(this.root);
    return {
      repoMap: this.repoMap.text,
      spans: packContext(localizeQuery(this.index, query), lines, tokens, { numbered: false }).text,
    };
  }

  /** The task's context now: its candidates minus what the (still current) shared block already shows. */
  forTask(task: PlanTask, failures: Failure[] = task.failures): TaskContext {
    const lines = lineReader(this.root);
    const unchanged = (p: string) => this.shared.snapshot.get(p) === (lines(p) ?? []).join('\n');
    const own = candidatesFor(this.index, { ...task, failures }, lines, this.hunks).filter(
      (c) =>
        !(
          unchanged(c.path) &&
          this.shared.spans.some(
            (s) => s.path === c.path && s.startLine <= c.startLine && s.endLine >= c.endLine,
          )
        ),
    );
    const packed = packContext(
      own,
      lines,
      Math.max(Math.floor(this.tokens / 4), this.tokens - this.shared.tokens),
      { numbered: false },
    );
    return {
      repoMap: this.repoMap.text,
      shared: this.shared.text,
      spans: packed.text,
      tokens: { repoMap: this.repoMap.tokens, shared: this.shared.tokens, spans: packed.tokens },
    };
  }
}

const WHOLE_FILE_LINES = 200;
const MAX_HUNK_FILES = 20;

/** All changed hunks of a small diff; of a large one, only those in the task's own files. */
function hunksFor(task: PlanTask, hunks: ChangedHunks | undefined): ChangedHunks | undefined {
  if (!hunks || hunks.size <= MAX_HUNK_FILES) return hunks;
  const own = new Set([...task.files, ...task.failures.map((f) => f.file ?? '')]);
  return new Map([...hunks].filter(([p]) => own.has(p)));
}

/** fix: localized failures; implement: the task text ranked over the index, plus the files it plans to touch. */
function candidatesFor(
  index: RepoIndex,
  task: PlanTask,
  lines: (p: string) => string[] | undefined,
  hunks?: ChangedHunks,
): SpanCandidate[] {
  if (task.failures.length > 0)
    return localizeFailures(index, task.failures, (p, l) => lines(p)?.[l - 1], {
      hunks: hunksFor(task, hunks),
    });
  const out = localizeQuery(
    index,
    `${task.title}\n${task.goal}\n${task.changes.map((c) => c.changes.map((x) => x.reason).join('\n')).join('\n')}`,
    12,
  );
  for (const file of task.changes.filter((c) => c.action !== 'create')) {
    const text = lines(file.path);
    if (!text) continue;
    if (text.length <= WHOLE_FILE_LINES) {
      out.push({
        path: file.path,
        startLine: 1,
        endLine: text.length,
        reason: `planned ${file.action} of ${file.path}`,
        score: 20,
      });
      continue;
    }
    const whole = text.join('\n');
    for (const ch of file.changes) {
      const at = ch.old ? whole.indexOf(ch.old) : -1;
      const line = at < 0 ? 1 : whole.slice(0, at).split('\n').length;
      out.push({
        path: file.path,
        startLine: Math.max(1, line - 15),
        endLine: Math.min(text.length, line + ch.old.split('\n').length + 15),
        reason: `planned change in ${file.path}: ${ch.reason}`,
        score: 20,
      });
    }
  }
  return out;
}

/** At most this many changed files join every fix task's scope; a larger diff is no hint. */
const MAX_CHANGED_IN_SCOPE = 8;

/** Indexed (source) files among those changed since the base, when the diff is small. */
function changedSources(index: RepoIndex, changed: readonly string[] = []): string[] {
  const sources = changed.filter((f) => index.files.has(f));
  return sources.length <= MAX_CHANGED_IN_SCOPE ? sources : [];
}
