import path from 'node:path';
import type { TierName } from '../config/schema.js';
import type { Failure } from '../validation/failure.js';
import type { PlanTask } from './types.js';

/** Kept for the $0 stage and the report: a fix task is a plan task with failures. */
export type FixTask = PlanTask;

export interface FixPlanOptions {
  /** Files defining a name in the repo (from the index). Without it, failures group by file only. */
  definedIn?: (name: string) => string[];
  /** The identifier at a failure's line and column (a call to a changed function names nothing in its message). */
  symbolAt?: (file: string, line: number, column: number) => string | undefined;
  tier?: TierName;
  /** The repo file a module specifier in `fromFile` resolves to (for "Module '…' has no exported member"). */
  moduleFile?: (fromFile: string, specifier: string) => string | undefined;
  /** Files whose removed lines (since the last green commit) held a name: for names nothing defines now. */
  removedFrom?: (name: string) => string[];
  /**
   * Source files changed since the last green commit (a small diff only): the likeliest place of
   * the cause, so every task may repair there (issue #18: the changed hunks are the default scope).
   */
  changedFiles?: readonly string[];
}

// Quoted words in messages that name no repo symbol (type names of the language, not causes).
const NOT_A_CAUSE = new Set(
  'string number boolean any unknown never void null undefined object symbol bigint true false this Promise Array Record Partial Function Object Error'.split(
    ' ',
  ),
);

/**
 * The deterministic plan for `fix`, no model involved: failures that share a cause become one task.
 * Shared causes are the same file (one test file counts as one cause too) and the same repo symbol
 * named in messages, or written at the failure site, in different files (a changed signature breaking
 * two call sites); the file
 * that defines that symbol joins the task's scope, since the repair may belong there.
 */
export function planFixTasks(failures: Failure[], opts: FixPlanOptions = {}): FixTask[] {
  const parent = failures.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const union = (a: number, b: number) => void (parent[find(a)] = find(b));
  const firstByKey = new Map<string, number>();
  const symbolsOf = failures.map((f) => {
    if (!opts.definedIn) return [];
    const named = namedSymbols(f.message).filter((s) => opts.definedIn!(s).length > 0);
    const site =
      f.file && f.line && f.column ? opts.symbolAt?.(f.file, f.line, f.column) : undefined;
    // The symbol at the site counts only when it is defined in another file: a shared dependency.
    const atSite =
      site && !NOT_A_CAUSE.has(site) && opts.definedIn(site).some((p) => p !== f.file)
        ? [site]
        : [];
    return [...new Set([...named, ...atSite])];
  });
  // The same missing name, or the same module, is one cause even where nothing defines it any more.
  const causesOf = failures.map((f) => causeKeys(f, opts.moduleFile, opts.removedFrom));
  failures.forEach((f, i) => {
    const keys = [
      `file:${f.file ?? `(${f.tool})`}`,
      ...symbolsOf[i]!.map((s) => `symbol:${s}`),
      ...causesOf[i]!.keys,
    ];
    for (const k of keys) {
      const seen = firstByKey.get(k);
      if (seen === undefined) firstByKey.set(k, i);
      else union(i, seen);
    }
  });
  const groups = new Map<number, number[]>();
  failures.forEach((_, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), i]));
  const tasks = [...groups.values()].map((members) => {
    const fs = members.map((i) => failures[i]!);
    const files = [...new Set(fs.map((f) => f.file).filter((f): f is string => Boolean(f)))].sort();
    const symbols = [...new Set(members.flatMap((i) => symbolsOf[i]!))].filter(
      (s) => members.filter((i) => symbolsOf[i]!.includes(s)).length > 1 || files.length > 1,
    );
    const modules = members.flatMap((i) => causesOf[i]!.files);
    const scope = [
      ...new Set([
        ...files,
        ...modules,
        ...symbols.flatMap((s) => opts.definedIn!(s).slice(0, 2)),
        ...(opts.changedFiles ?? []),
      ]),
    ].sort();
    const anyFile = files.length > 0;
    return { fs, files, scope: anyFile ? scope : [], symbols };
  });
  // Tasks failing in a file the diff changed go first: that is likeliest the cause, and the
  // collateral tasks (a type renamed away breaks its users' types everywhere) run after it and
  // are skipped when its repair took their failures away (rxjs `ReadableStreamLike`).
  const changed = new Set(opts.changedFiles ?? []);
  const atChange = (t: { files: string[] }) => (t.files.some((f) => changed.has(f)) ? 0 : 1);
  tasks.sort(
    (a, b) =>
      atChange(a) - atChange(b) ||
      (a.files[0] ?? `(${a.fs[0]!.tool})`).localeCompare(b.files[0] ?? `(${b.fs[0]!.tool})`),
  );
  return tasks.map((t, i) => {
    const tools = [...new Set(t.fs.map((f) => f.tool))].join(', ');
    const where =
      t.files.length === 0
        ? `(${t.fs[0]!.tool})`
        : t.files.length === 1
          ? t.files[0]!
          : `${t.files[0]} +${t.files.length - 1}`;
    const cause = t.symbols.length > 0 ? ` sharing ${t.symbols.slice(0, 3).join(', ')}` : '';
    return {
      id: `t${i + 1}`,
      title: `${where}: ${t.fs.length} failure${t.fs.length === 1 ? '' : 's'} (${tools})${cause}`,
      goal: `Make these ${t.fs.length} failure(s) go away without new ones.`,
      files: t.scope,
      dependsOn: [],
      tier: opts.tier ?? 'autofix',
      acceptance:
        'the listed failures are gone from the validation commands and no new failure appears',
      failures: t.fs,
      changes: [],
      items: [],
    };
  });
}

const MISSING =
  /cannot find name|is not defined|has no exported member|does not exist (?:on|in) type|cannot find module|implementation name must be/i;

/**
 * Cause keys of a failure about something missing: the missing name itself, and the module the
 * message quotes, resolved from the failing file (two importers of one broken module share it).
 */
function causeKeys(
  f: Failure,
  moduleFile: FixPlanOptions['moduleFile'],
  removedFrom: FixPlanOptions['removedFrom'],
): { keys: string[]; files: string[] } {
  const first = f.message.split('\n')[0]!;
  if (!MISSING.test(first)) return { keys: [], files: [] };
  const keys: string[] = [];
  const files: string[] = [];
  const missing =
    /(?:name|member(?: named)?|property|value)\s+['"`‘]([A-Za-z_$][\w$]*)['"`’]/i.exec(first) ??
    /^ReferenceError: ([A-Za-z_$][\w$]*) is not defined/.exec(first) ??
    // TS2353: an object literal's member that its type no longer declares.
    /['"`‘]([A-Za-z_$][\w$]*)['"`’] does not exist in type/.exec(first);
  if (missing && !NOT_A_CAUSE.has(missing[1]!)) {
    keys.push(`missing:${missing[1]}`);
    // Renamed away or deleted since the last green commit: the file that lost it joins the scope.
    files.push(...(removedFrom?.(missing[1]!) ?? []).slice(0, 2));
  }
  // TS2305 says `Module '"./x"' has no exported member`; TS2724 (with a suggestion) starts
  // `'"./x"' has no exported member named` without the word.
  const spec = (/[Mm]odule ['"`]"?([^'"`\n]+?)"?['"`]/.exec(first) ??
    /^['"`]"([^"\n]+)"['"`] has no exported member/.exec(first))?.[1];
  if (spec && f.file) {
    const file = moduleFile?.(f.file, spec);
    const key =
      file ??
      (spec.startsWith('.')
        ? path.posix.join(path.posix.dirname(f.file), spec).replace(/\.(c|m)?[jt]sx?$/, '')
        : spec);
    keys.push(`module:${key}`);
    if (file) files.push(file);
  }
  return { keys, files };
}

/** Identifiers quoted in a message ('foo', "Bar", `baz`), minus the language's own type names. */
function namedSymbols(message: string): string[] {
  const first = message.split('\n')[0]!;
  const out = new Set<string>();
  for (const m of first.matchAll(/(['"`‘])([A-Za-z_$][\w$]*)(?:\([^)]*\))?['"`’]/g))
    if (!NOT_A_CAUSE.has(m[2]!) && m[2]!.length > 1) out.add(m[2]!);
  return [...out];
}
