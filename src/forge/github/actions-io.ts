import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Failure } from '../../validation/failure.js';

/** GitHub's workflow-command escaping: data, and property values (which also escape : and ,). */
const escData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escProp = (s: string) => escData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** `::error file=…,line=…::message` for each failure left unfixed (GitHub shows them on the diff). */
export function annotations(failures: Failure[], limit = 50): string[] {
  return failures.slice(0, limit).map((f) => {
    const props = [
      f.file && `file=${escProp(f.file)}`,
      f.line && `line=${f.line}`,
      f.column && `col=${f.column}`,
      `title=${escProp(`distiq: ${f.tool}${f.code ? ` ${f.code}` : ''} left unfixed`)}`,
    ]
      .filter(Boolean)
      .join(',');
    return `::error ${props}::${escData(f.message)}`;
  });
}

/** Step outputs through $GITHUB_OUTPUT, multi-line safe (a random delimiter). */
export function setOutputs(file: string | undefined, outputs: Record<string, string>): void {
  if (!file) return;
  for (const [k, v] of Object.entries(outputs)) {
    const d = `distiq_${randomBytes(8).toString('hex')}`;
    appendFileSync(file, `${k}<<${d}\n${v}\n${d}\n`);
  }
}

export function appendSummary(file: string | undefined, markdown: string): void {
  if (file) appendFileSync(file, `${markdown}\n`);
}
