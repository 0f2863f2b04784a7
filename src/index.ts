import Config from './commands/config.js';
import Context from './commands/context.js';
import Cost from './commands/cost.js';
import Fix from './commands/fix.js';
import Hook from './commands/hook.js';
import Implement from './commands/implement.js';
import Index from './commands/index-cmd.js';
import Memory from './commands/memory.js';
import Merge from './commands/merge.js';
import Models from './commands/models.js';
import Plan from './commands/plan.js';
import Review from './commands/review.js';
import Run from './commands/run.js';
import Stats from './commands/stats.js';

/** oclif "explicit" command discovery: one import, no directory scan, bundle-friendly. */
export const COMMANDS = {
  config: Config,
  context: Context,
  cost: Cost,
  fix: Fix,
  hook: Hook,
  implement: Implement,
  index: Index,
  memory: Memory,
  merge: Merge,
  models: Models,
  plan: Plan,
  review: Review,
  run: Run,
  stats: Stats,
};
