import { COMMAND_KINDS, type CommandKind, type DistiqConfig } from '../config/schema.js';
import { fromPackageJson, fromTsconfig } from './node-commands.js';
import { fromCargo, fromGoMod, fromMakefile, fromPytest } from './toolchain-commands.js';

export type CommandSource =
  'config' | 'package.json' | 'tsconfig.json' | 'Cargo.toml' | 'go.mod' | 'pytest' | 'Makefile';

export interface ResolvedCommand {
  kind: CommandKind;
  run: string;
  timeoutMs: number;
  source: CommandSource;
  /** A variant limited to files (`{files}` is replaced by them), when the config gives one. */
  scoped?: string;
}

export type ResolvedCommands = Partial<Record<CommandKind, ResolvedCommand>>;

/** What the files of a repo suggest, per command kind. */
export type Detected = Partial<Record<CommandKind, { run: string; source: CommandSource }>>;

/** Config wins key by key; the rest is detected from the files a repo already has. */
export function resolveCommands(root: string, config: DistiqConfig): ResolvedCommands {
  const detected = detectCommands(root);
  const out: ResolvedCommands = {};
  for (const kind of COMMAND_KINDS) {
    const spec = config.commands[kind];
    const defaultMs = config.commandTimeoutSec * 1000;
    if (spec !== undefined) {
      const run = typeof spec === 'string' ? spec : spec.run;
      const timeoutSec = typeof spec === 'string' ? undefined : spec.timeoutSec;
      const scoped = typeof spec === 'string' ? undefined : spec.scoped;
      out[kind] = {
        kind,
        run,
        timeoutMs: timeoutSec ? timeoutSec * 1000 : defaultMs,
        source: 'config',
        ...(scoped ? { scoped } : {}),
      };
    } else if (detected[kind]) {
      out[kind] = { kind, ...detected[kind], timeoutMs: defaultMs };
    }
  }
  return out;
}

export function detectCommands(root: string): Detected {
  // Earlier detectors win; a JS repo with a Makefile keeps its package.json scripts.
  const found: Detected = {};
  for (const detector of [
    fromPackageJson,
    fromTsconfig,
    fromCargo,
    fromGoMod,
    fromPytest,
    fromMakefile,
  ]) {
    const d = detector(root);
    for (const kind of COMMAND_KINDS) if (!found[kind] && d[kind]) found[kind] = d[kind];
  }
  return found;
}
