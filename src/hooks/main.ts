/**
 * The entry the installed git hook runs directly (no oclif, lazy imports): a push should not
 * wait for a CLI framework. `node dist/hooks/main.js pre-push <remote> <url>`, refs on stdin.
 */
import path from 'node:path';
import { formatFindings, runChained, runPrePush } from './pre-push.js';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function main(argv: string[]): Promise<number> {
  const [hook, remote, url, ...rest] = argv;
  if (hook !== 'pre-push') {
    process.stderr.write(`distiq hook: unsupported hook ${hook ?? '(none)'}\n`);
    return 2;
  }
  const chainArg = rest.indexOf('--chain');
  const chained = chainArg >= 0 ? rest[chainArg + 1] : undefined;
  const stdin = await readStdin();
  try {
    const result = await runPrePush({ cwd: process.cwd(), remote, stdin });
    const text = formatFindings(result);
    if (text) process.stderr.write(text + '\n');
    if (result.blocked) return 1;
  } catch (err) {
    // A broken check must not lock the user out of pushing: report, then let the push go on.
    process.stderr.write(
      `distiq hook: could not run (${err instanceof Error ? err.message : String(err)}); not blocking.\n`,
    );
  }
  return chained ? runChained(path.resolve(chained), [remote ?? '', url ?? ''], stdin) : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
