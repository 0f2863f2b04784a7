import Config from './commands/config.js';
import Fix from './commands/fix.js';

/** oclif "explicit" command discovery: one import, no directory scan, bundle-friendly. */
export const COMMANDS = {
  config: Config,
  fix: Fix,
};
