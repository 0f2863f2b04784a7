// Sharding: a 32-task job on 1, 2, 4 and 8 shards against a loopback model with a fixed latency.
// Each shard runs alone in its own clone (as on its own runner); the simulated wall time of a
// sharded run is the slowest shard plus the merge. Baseline: the same job on 1 shard, same run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loopbackModule } from './loopback.js';
import { ROOT, git, table } from './lib.js';

const dist = (p) => import(pathToFileURL(path.join(ROOT, 'dist', p)).href);

function origin(url) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'distiq-bench-shard-'));
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src', 'keep.ts'), 'export const keep = 1;\n');
  writeFileSync(
    path.join(dir, 'check.mjs'),
    "import { readdirSync } from 'node:fs';\nprocess.exit(readdirSync('src').length > 0 ? 0 : 1);\n",
  );
  writeFileSync(
    path.join(dir, '.distiqrc.json'),
    JSON.stringify({
      commands: { build: 'node check.mjs' },
      providers: { loop: { type: 'openai-compatible', baseURL: url, free: true } },
      tiers: { cheap: [{ provider: 'loop', model: 'loop' }] },
      implement: { tiers: ['cheap'], maxAttempts: 1 },
      execute: { concurrency: 4 },
    }),
  );
  writeFileSync(path.join(dir, '.gitignore'), '.distiq/\n');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  return dir;
}

const clone = (from) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'distiq-bench-runner-'));
  execFileSync('git', ['clone', '-q', from, dir]);
  return dir;
};

export async function benchShard({ tasks = 32, latencyMs = 1000 } = {}) {
  const [{ startLoopbackOpenAI }, { shardPlan }, { writePlanFile }, { runShardJob, runMergeJob }] =
    await Promise.all([
      loopbackModule(),
      dist('shard/matrix.js'),
      dist('shard/plan-file.js'),
      dist('jobs/shard.js'),
    ]);
  const server = await startLoopbackOpenAI(
    (b) => {
      const id = /Task (t\d+):/.exec(b.messages.at(-1).content)[1];
      return {
        content: JSON.stringify({
          edits: [{ path: `src/${id}.ts`, search: '', replace: `export const ${id} = 1;\n` }],
        }),
      };
    },
    { latencyMs },
  );
  const base = origin(server.url);
  const baseSha = git(base, 'rev-parse', 'HEAD').trim();
  const plan = Array.from({ length: tasks }, (_, i) => ({
    id: `t${i + 1}`,
    title: `create src/t${i + 1}.ts`,
    goal: 'create the file',
    files: [`src/t${i + 1}.ts`],
    dependsOn: [],
    tier: 'cheap',
    acceptance: 'builds',
    failures: [],
    changes: [],
    items: [1],
  }));
  const rows = [];
  let baseline;
  for (const n of [1, 2, 4, 8]) {
    const work = mkdtempSync(path.join(os.tmpdir(), 'distiq-bench-plan-'));
    const planFile = path.join(work, 'plan.json');
    writePlanFile(planFile, {
      schemaVersion: 1,
      job: 'implement',
      targets: [],
      baseSha,
      items: ['create the files'],
      tasks: plan,
      shards: shardPlan(plan, { shards: n, budgetUsd: 1 }),
      budgetUsd: 1,
      failuresBefore: 0,
      planningRecords: [],
    });
    const times = [];
    for (let k = 0; k < n; k++) {
      const runner = clone(base);
      const t0 = performance.now();
      const r = await runShardJob({
        cwd: runner,
        planFile,
        shard: k,
        outDir: path.join(work, 'out'),
        json: true,
      });
      times.push(performance.now() - t0);
      if (r.status !== 'done') throw new Error(`shard ${k} of ${n}: ${r.status}`);
    }
    const target = clone(base);
    const t0 = performance.now();
    const merged = await runMergeJob({
      cwd: target,
      planFile,
      fromDir: path.join(work, 'out'),
      pr: false,
    });
    const mergeMs = performance.now() - t0;
    if (merged.status !== 'implemented' || merged.changedFiles.length !== tasks)
      throw new Error(`merge of ${n}: ${merged.status}, ${merged.changedFiles.length} files`);
    const wall = Math.max(...times) + (n > 1 ? mergeMs : 0);
    baseline ??= wall;
    rows.push([
      n,
      Math.round(Math.max(...times)),
      n > 1 ? Math.round(mergeMs) : '-',
      Math.round(wall),
      `${(baseline / wall).toFixed(2)}×`,
      `${((Math.ceil(tasks / 4 / n) * latencyMs) / 1000).toFixed(1)} s`,
    ]);
  }
  await server.close();
  table(
    `Sharding: a ${tasks}-task job, ${latencyMs} ms per model call, concurrency 4 per runner (wall = slowest shard + merge)`,
    [
      'shards',
      'slowest shard ms',
      'merge ms',
      'simulated wall ms',
      'speed-up vs 1 shard',
      'model-time floor',
    ],
    rows,
  );
}
