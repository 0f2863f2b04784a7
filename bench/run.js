// `npm run bench`: every benchmark, each with its baseline measured in the same run.
// `npm run bench -- --only cli-start` (or autofix, execute, …) runs one; `--quick` uses fewer cases.
import { benchAutofix } from './autofix.js';
import { benchCliStart } from './cli-start.js';
import { benchProviders } from './providers.js';
import { benchHook } from './hook.js';
import { benchLocalize } from './localize.js';
import { benchLocalizeImplement } from './localize-implement.js';
import { benchIndexSpeed } from './index-speed.js';
import { benchBinding } from './binding.js';
import { benchExecute } from './execute.js';
import { benchShard } from './shard.js';
import { benchTrustBoundary } from './trust-boundary.js';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const quick = args.includes('--quick');
const benches = {
  'cli-start': () => benchCliStart({ runs: quick ? 5 : 15 }),
  autofix: () => benchAutofix({ perKind: quick ? 3 : 8 }),
  providers: () => benchProviders({ calls: quick ? 60 : 300 }),
  hook: () => benchHook({ pushes: quick ? 5 : 15 }),
  localize: () => benchLocalize({ perKind: quick ? 2 : 4 }),
  'localize-implement': () => benchLocalizeImplement({ targets: quick ? 4 : 10 }),
  index: () => benchIndexSpeed({ runs: quick ? 1 : 3 }),
  binding: () => benchBinding(),
  execute: () => benchExecute({ quick }),
  shard: () => benchShard({ tasks: 32, latencyMs: quick ? 500 : 1000 }),
  'trust-boundary': () => benchTrustBoundary({ runs: quick ? 3 : 7 }),
};
console.log(`distiq benchmarks · node ${process.version} · ${new Date().toISOString()}`);
for (const [name, fn] of Object.entries(benches)) if (!only || only === name) await fn();
