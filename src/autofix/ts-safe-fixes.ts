import ts from 'typescript';

/**
 * Code fixes that repair what the author evidently meant without hiding the error
 * (no `as unknown`, no `// @ts-ignore`, no invented members or stubs, no deletions of live code).
 */
export const SAFE_FIXES = new Set([
  'spelling',
  'import',
  'addMissingAwait',
  'addMissingAsync',
  'fixAwaitInSyncFunction',
  'addMissingConst',
  'addMissingNewOperator',
  'fixOverrideModifier',
  'fixReturnTypeInAsyncFunction',
  'fixExpectedComma',
  'addVoidToPromise',
  'addMissingInvocationForDecorator',
  'fixImportNonExportedMember',
  'convertToTypeOnlyImport',
  'convertToTypeOnlyExport',
  'splitTypeOnlyImport',
  'forgottenThisPropertyAccess',
  'removeAccidentalCallParentheses',
  'fixPropertyAssignment',
  'fixIncorrectNamedTupleSyntax',
  'wrapDecoratorInParentheses',
  'addMissingResolutionModeImportAttribute',
  'fixNaNEquality',
  'useDefaultImport',
  'fixConvertConstToLet',
  'fixUnusedLabel',
  'useBigintLiteral',
  'fixNoPropertyAccessFromIndexSignature',
]);

/** A language-service fix distiq may apply at $0: allowlisted, no commands, some change. */
export function isSafeFix(fix: ts.CodeFixAction): boolean {
  return SAFE_FIXES.has(fix.fixName) && !fix.commands && fix.changes.length > 0;
}

/** Position-independent identity of a diagnostic: code + message + the source text at the site. */
export function diagKey(d: ts.Diagnostic, text: string): string {
  const at = d.start ?? 0;
  return `${d.code}:${ts.flattenDiagnosticMessageText(d.messageText, '\n')}:${text.slice(at, at + (d.length ?? 0))}`;
}

export function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function applyTextChanges(text: string, changes: readonly ts.TextChange[]): string {
  // Apply from the end so earlier offsets stay valid; insertions at one offset keep their given order.
  let out = text;
  const ordered = changes
    .map((c, i) => ({ c, i }))
    .sort((a, b) => b.c.span.start - a.c.span.start || b.i - a.i);
  for (const { c } of ordered) {
    out = out.slice(0, c.span.start) + c.newText + out.slice(c.span.start + c.span.length);
  }
  return out;
}
