// The plan → execute engine, measured against a loopback OpenAI-compatible server (the test suite's
// own, transpiled here): parallel efficiency, prompt-cache share, and cost under the tier ladder.
// Every figure is compared with a baseline measured in the same run.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Listr } from 'listr2';
import { applyBreakage, findBreakages, pick } from './breakages.js';
import { loopbackModule } from './loopback.js';
import { ROOT, hostRepo, median, rng, table, tsFiles } from './lib.js';

const dist = (p) => import(pathToFileURL(path.join(ROOT, 'dist', p)).href);

async function engine() {
  const [exec, budget, ledger, prices, create] = await Promise.all([
    dist('execute/execute-plan.js'),
    dist('budget/budget.js'),
    dist('budget/ledger.js'),
    dist('budget/prices.js'),
    dist('providers/create.js'),
  ]);
  return {
    ...exec,
    Budget: budget.Budget,
    Ledger: ledger.Ledger,
    PriceBook: prices.PriceBook,
    createProvider: create.createProvider,
  };
}

function task(id, goal) {
  return {
    id,
    title: `create src/${id}.ts`,
    goal,
    files: [`src/${id}.ts`],
    dependsOn: [],
    tier: 'cheap',
    acceptance: 'check passes',
    failures: [],
    changes: [],
    items: [1],
  };
}

/** Runs implement-style tasks through the real executor (listr2, scheduler, proof lock, validation). */
async function runTasks(E, { url, tasks, concurrency, ladders, commands, root, maxAttempts = 1 }) {
  const prices = new E.PriceBook({});
  const budget = new E.Budget(
    new E.Ledger(path.join(root, '.git', 'distiq', 'ledger.jsonl')),
    { perRun: 100 },
    `bench-${Math.random()}`,
  );
  const { createGateway } = await dist('budget/create-gateway.js');
  const gateway = createGateway({
    budget,
    prices,
    baseline: { pricingProvider: null, model: 'loop', label: 'loop' },
    limits: { perRun: 100, maxOutputTokens: 1024, maxRetries: 0 },
  });
  const ladderObjs = ladders.map(({ tier, model, priced }) => {
    const provider = E.createProvider(
      'loop',
      { type: 'openai-compatible', baseURL: url, free: !priced },
      undefined,
      root,
    );
    const p = priced ?? { pricingProvider: null, model };
    return {
      tier,
      steps: [{ tier, provider, model, priced: p }],
      info: [{ tier, provider: 'loop', model, usable: true, priced: p }],
    };
  });
  const deps = {
    job: 'implement',
    root,
    commands,
    ladders: ladderObjs,
    gateway,
    maxAttempts,
    secretEnvVars: [],
    concurrency,
    context: null,
    items: ['create the files'],
    allowWorkflowEdits: false,
  };
  const state = E.newExecutionState(
    {
      results: commands.map((c) => ({
        kind: c.kind,
        command: c.run,
        exitCode: 0,
        timedOut: false,
        durationMs: 0,
        failures: [],
        tail: '',
      })),
      failures: [],
      ok: true,
    },
    tasks,
  );
  const t0 = performance.now();
  await new Listr(E.executionTasks(deps, state), {
    concurrent: true,
    exitOnError: false,
    renderer: 'silent',
  }).run();
  return { ms: performance.now() - t0, state, records: [...gateway.records()] };
}

function scratch() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'distiq-bench-exec-'));
  mkdirSync(path.join(dir, 'src'));
  // The validation command: every src/*.ts must be free of the WRONG marker (reported as file:line:col).
  writeFileSync(
    path.join(dir, 'check.mjs'),
    "import { readdirSync, readFileSync } from 'node:fs';\nlet bad = 0;\nfor (const f of readdirSync('src')) { const t = readFileSync('src/' + f, 'utf8'); if (t.includes('WRONG')) { console.log(`src/${f}:1:1: error: WRONG marker`); bad++; } }\nprocess.exit(bad ? 1 : 0);\n",
  );
  return dir;
}

const COMMANDS = [{ kind: 'build', run: 'node check.mjs', timeoutMs: 60_000, source: 'config' }];
const answer = (id, wrong) =>
  JSON.stringify({
    edits: [
      {
        path: `src/${id}.ts`,
        search: '',
        replace: `export const ${id} = ${wrong ? '"WRONG"' : 1};\n`,
      },
    ],
  });
const idOf = (body) => /Task (t\d+):/.exec(body.messages.at(-1).content)[1];

async function parallelEfficiency(E, L, { latencyMs, tasks: n }) {
  const rows = [];
  for (const concurrency of [1, 4]) {
    const server = await L.startLoopbackOpenAI((b) => ({ content: answer(idOf(b), false) }), {
      latencyMs,
    });
    const root = scratch();
    const tasks = Array.from({ length: n }, (_, i) => task(`t${i + 1}`, 'create the file'));
    // A validation command that costs nothing (`true`): what is measured is the engine's own overhead.
    const { ms, state } = await runTasks(E, {
      url: server.url,
      tasks,
      concurrency,
      ladders: [{ tier: 'cheap', model: 'loop' }],
      commands: [{ kind: 'build', run: 'true', timeoutMs: 60_000, source: 'config' }],
      root,
    });
    await server.close();
    const done = state.outcomes.filter((o) => o.status === 'done').length;
    const ideal = Math.ceil(n / concurrency) * latencyMs;
    rows.push([
      concurrency,
      `${done}/${n}`,
      Math.round(ms),
      ideal,
      `${((ideal / ms) * 100).toFixed(1)}%`,
      server.maxInFlight(),
    ]);
  }
  const speedup = rows[0][2] / rows[1][2];
  table(
    `Parallel efficiency: ${n} independent tasks, ${latencyMs} ms per model call (target ≥ 90% at concurrency 4)`,
    ['concurrency', 'done', 'wall ms', 'ideal ms', 'efficiency', 'max in flight'],
    [...rows, ['speed-up 4 vs 1', '', `${speedup.toFixed(2)}×`, '', '', '']],
  );
}

/** Real failures on a real repo: 4 breakages in 4 files, planned and prompted as `distiq fix` does. */
async function cacheShare(L, { jobs }) {
  const [{ JobContext }, { planFixTasks }, { repairMessages }, { validate }] = await Promise.all([
    dist('context/job-context.js'),
    dist('plan/plan-fix.js'),
    dist('execute/repair-prompt.js'),
    dist('validation/validate.js'),
  ]);
  const { countTokens } = await import('gpt-tokenizer');
  const tok = (msgs) => msgs.reduce((a, m) => a + countTokens(m.content) + 4, 0);
  const rows = [];
  for (const spec of ['redux@5', 'immer@11']) {
    const dir = hostRepo(spec);
    const rand = rng(0xcac4e + spec.length);
    const found = findBreakages(dir, tsFiles(dir), rand);
    const candidates = [...found.misspell, ...found.rename, ...found.dropImport];
    for (let j = 0; j < jobs; j++) {
      const originals = new Map();
      const used = new Set();
      for (const b of pick(candidates, candidates.length, rand)) {
        if (used.size === 4) break;
        if (used.has(b.file)) continue;
        used.add(b.file);
        const { abs, text } = applyBreakage(dir, b);
        originals.set(abs, readFileSync(abs, 'utf8'));
        writeFileSync(abs, text);
      }
      const v = await validate(
        [{ kind: 'build', run: 'tsc -p tsconfig.json', timeoutMs: 120_000, source: 'config' }],
        { root: dir, secretEnvVars: [] },
      );
      const ctx = await JobContext.open(dir, 8000);
      const plan = planFixTasks(v.failures, {
        definedIn: ctx.definedIn,
        symbolAt: ctx.symbolAt,
        tier: 'cheap',
      });
      ctx.share(plan);
      const requests = plan.map((t) => repairMessages(dir, t, [], ctx.forTask(t, t.failures)));
      const baseline = plan.map((t) => repairMessages(dir, t, [])); // no index: whole files, rules-only prefix
      const prefixShare = (reqs) =>
        reqs.reduce(
          (a, m) =>
            a +
            tok(
              m.filter((x, i) => i <= m.map((y) => Boolean(y.cacheBreakpoint)).lastIndexOf(true)),
            ),
          0,
        ) / reqs.reduce((a, m) => a + tok(m), 0);
      // The same requests sent, in job order, to an OpenAI-style server that bills shared prefixes as cached.
      const server = await L.startLoopbackOpenAI(() => ({ content: '{"edits":[]}' }), {
        prefixCache: true,
      });
      const cached = [];
      for (const m of requests) {
        const res = await fetch(`${server.url}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'x',
            messages: m.map(({ role, content }) => ({ role, content })),
          }),
        }).then((r) => r.json());
        cached.push([res.usage.prompt_tokens_details.cached_tokens, res.usage.prompt_tokens]);
      }
      await server.close();
      for (const [abs, text] of originals) writeFileSync(abs, text);
      rows.push([
        spec,
        j + 1,
        plan.length,
        v.failures.length,
        Math.round(requests.reduce((a, m) => a + tok(m), 0) / plan.length),
        `${(prefixShare(requests) * 100).toFixed(1)}%`,
        `${(
          (cached.slice(1).reduce((a, c) => a + c[0], 0) /
            Math.max(
              1,
              cached.slice(1).reduce((a, c) => a + c[1], 0),
            )) *
          100
        ).toFixed(1)}%`,
        `${(prefixShare(baseline) * 100).toFixed(1)}%`,
      ]);
    }
  }
  const shares = rows.map((r) => parseFloat(r[5]));
  table(
    'Prompt-cache share: input tokens in the shared stable prefix, 4-failure fix jobs on real code (target ≥ 60%)',
    [
      'repo',
      'job',
      'tasks',
      'failures',
      'tokens/request',
      'prefix share',
      'cached (OpenAI-style, requests 2..n)',
      'baseline: no index',
    ],
    [...rows, ['median', '', '', '', '', `${median(shares).toFixed(1)}%`, '', '']],
  );
}

/** A scripted server that succeeds at a tier with a given probability; real prices, real validation. */
async function costLadder(E, L, { tasks: n }) {
  const profiles = [
    { name: 'cheap 90% / premium 95%', cheap: 0.9, premium: 0.95 },
    { name: 'cheap 70% / premium 95%', cheap: 0.7, premium: 0.95 },
    { name: 'cheap 50% / premium 95%', cheap: 0.5, premium: 0.95 },
    { name: 'cheap 20% / premium 95%', cheap: 0.2, premium: 0.95 },
  ];
  const cheap = {
    tier: 'cheap',
    model: 'deepseek-chat',
    priced: { pricingProvider: 'deepseek', model: 'deepseek-chat' },
  };
  const premium = {
    tier: 'premium',
    model: 'claude-sonnet-4-5',
    priced: { pricingProvider: 'anthropic', model: 'claude-sonnet-4-5' },
  };
  // A realistic prompt size: each task carries ~2K tokens of real code as its spec.
  const spec = readFileSync(
    tsFiles(hostRepo('redux@5')).find((f) => f.endsWith('createStore.ts')),
    'utf8',
  ).slice(0, 8000);
  const rows = [];
  for (const p of profiles) {
    const result = {};
    for (const [label, ladders] of [
      ['ladder', [cheap, premium]],
      ['all-premium', [premium]],
    ]) {
      const rand = rng(0xc057 + p.cheap * 100);
      const server = await L.startLoopbackOpenAI((b) => ({
        content: answer(idOf(b), rand() >= (b.model === 'deepseek-chat' ? p.cheap : p.premium)),
        completionTokens: 400,
      }));
      const root = scratch();
      const tasks = Array.from({ length: n }, (_, i) =>
        task(`t${i + 1}`, `create the file as the spec below requires\n${spec}`),
      );
      const { state, records } = await runTasks(E, {
        url: server.url,
        tasks,
        concurrency: 4,
        ladders,
        commands: COMMANDS,
        root,
        maxAttempts: 2,
      });
      await server.close();
      result[label] = {
        done: state.outcomes.filter((o) => o.status === 'done').length,
        usd: records.reduce((a, r) => a + r.usd, 0),
        calls: records.length,
      };
    }
    rows.push([
      p.name,
      `${result.ladder.done}/${n}`,
      result.ladder.calls,
      `$${result.ladder.usd.toFixed(4)}`,
      `${result['all-premium'].done}/${n}`,
      result['all-premium'].calls,
      `$${result['all-premium'].usd.toFixed(4)}`,
      `${((1 - result.ladder.usd / result['all-premium'].usd) * 100).toFixed(0)}%`,
    ]);
  }
  table(
    `Cost of a ${n}-task job: ladder cheap (deepseek-chat) → premium (claude-sonnet-4-5), 2 attempts per tier, vs all-premium (same server, same validation)`,
    [
      'success profile',
      'ladder done',
      'calls',
      'ladder $',
      'all-premium done',
      'calls',
      'all-premium $',
      'saving',
    ],
    rows,
  );
}

export async function benchExecute({ quick = false } = {}) {
  const [E, L] = await Promise.all([engine(), loopbackModule()]);
  await parallelEfficiency(E, L, { latencyMs: quick ? 500 : 1500, tasks: 8 });
  await cacheShare(L, { jobs: quick ? 1 : 3 });
  await costLadder(E, L, { tasks: quick ? 8 : 16 });
}
