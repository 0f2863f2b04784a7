import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from '../validation/run-command.js';
import type { FileEdit, Fixer } from './fixer.js';

interface Span {
  file_name: string;
  byte_start: number;
  byte_end: number;
  suggested_replacement: string | null;
  suggestion_applicability: string | null;
}
interface Diagnostic {
  level: string;
  message: string;
  code: { code: string } | null;
  spans: Span[];
  children: Diagnostic[];
}

// MaybeIncorrect suggestions (e.g. "a local variable with a similar name exists") are fine here:
// nothing is kept unless the repo's own commands prove it.
const APPLICABLE = new Set(['MachineApplicable', 'MaybeIncorrect']);

/** rustc's own suggestions, read from `cargo check --message-format=json`, applied per diagnostic. */
export const rustcFixer: Fixer = {
  name: 'rustc',
  async propose(failures, ctx) {
    if (!failures.some((f) => f.tool === 'cargo') || !existsSync(path.join(ctx.root, 'Cargo.toml')))
      return [];
    const run = await runCommand('cargo check --message-format=json --quiet --color never', {
      cwd: ctx.root,
      timeoutMs: 600_000,
      secretEnvVars: ctx.secretEnvVars,
      signal: ctx.signal,
    });
    const replacements = new Map<string, { start: number; end: number; text: string }[]>();
    const descriptions: string[] = [];
    for (const line of run.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      let msg: { reason?: string; message?: Diagnostic };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        continue;
      }
      const diag = msg.message;
      if (msg.reason !== 'compiler-message' || !diag || diag.level !== 'error') continue;
      // One suggestion per diagnostic: the first child that carries applicable replacements.
      const spans = diag.children
        .map((c) =>
          c.spans.filter(
            (s) =>
              s.suggested_replacement !== null && APPLICABLE.has(s.suggestion_applicability ?? ''),
          ),
        )
        .find((s) => s.length > 0);
      if (!spans) continue;
      for (const s of spans) {
        const list = replacements.get(s.file_name) ?? [];
        if (list.some((r) => s.byte_start < r.end && r.start < s.byte_end)) continue; // overlapping suggestions: keep the first
        list.push({ start: s.byte_start, end: s.byte_end, text: s.suggested_replacement! });
        replacements.set(s.file_name, list);
      }
      const primary = diag.spans[0];
      descriptions.push(
        `${primary?.file_name ?? '?'}: ${diag.code?.code ?? 'error'} ${diag.message} → ${spans.map((s) => `\`${s.suggested_replacement}\``).join(', ')}`,
      );
    }
    const edits: FileEdit[] = [];
    for (const [file, reps] of replacements) {
      const abs = path.resolve(ctx.root, file);
      const rel = path.relative(ctx.root, abs);
      if (rel.startsWith('..') || path.isAbsolute(rel) || !existsSync(abs)) continue;
      const before = readFileSync(abs);
      let after = before;
      for (const r of [...reps].sort((a, b) => b.start - a.start))
        after = Buffer.concat([
          after.subarray(0, r.start),
          Buffer.from(r.text, 'utf8'),
          after.subarray(r.end),
        ]);
      edits.push({
        path: rel.split(path.sep).join('/'),
        before: before.toString('utf8'),
        after: after.toString('utf8'),
      });
    }
    return edits.length ? [{ fixer: 'rustc', descriptions, edits }] : [];
  },
};
