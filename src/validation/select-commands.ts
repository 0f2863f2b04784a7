import type { CommandKind } from '../config/schema.js';
import type { ResolvedCommand, ResolvedCommands } from '../detect/commands.js';
import { UsageError } from '../errors.js';

export type FixTarget = 'build' | 'test' | 'lint';

/**
 * `--build` means "does it compile": the build command, plus the type check when there is no
 * build or the type check was configured on purpose (the tsconfig fallback would just repeat tsc).
 */
export function selectCommands(
  resolved: ResolvedCommands,
  targets: FixTarget[],
): ResolvedCommand[] {
  const wanted = targets.length > 0 ? targets : (['build', 'lint', 'test'] as FixTarget[]);
  const kinds: CommandKind[] = [];
  if (wanted.includes('build')) {
    if (resolved.build) kinds.push('build');
    if (resolved.typecheck && (!resolved.build || resolved.typecheck.source !== 'tsconfig.json'))
      kinds.push('typecheck');
  }
  if (wanted.includes('lint') && resolved.lint) kinds.push('lint');
  if (wanted.includes('test') && resolved.test) kinds.push('test');
  const selected = kinds.map((k) => resolved[k]!);
  for (const t of targets) {
    const has =
      t === 'build'
        ? selected.some((c) => c.kind === 'build' || c.kind === 'typecheck')
        : selected.some((c) => c.kind === t);
    if (!has) {
      throw new UsageError(
        `No ${t} command: none is configured and none could be detected`,
        `Set commands.${t} in .distiqrc (e.g. {"commands": {"${t}": "npm run ${t}"}}), or add a "${t}" script to package.json.`,
      );
    }
  }
  if (selected.length === 0)
    throw new UsageError(
      'No validation commands: none are configured and none could be detected',
      'Set commands.build / commands.test / commands.lint in .distiqrc.',
    );
  return selected;
}
