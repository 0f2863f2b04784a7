// Fix memory benchmark: sequences of the same mistake in a real TypeScript repo (real tsc proves
// every repair), with a scripted model that knows the right edit and charges Claude Haiku 4.5's
// list price for a typical fix prompt. Each sequence runs twice in this process: without memory
// (every occurrence is a model call) and with it (the first occurrence pays; later ones are
// replayed from memory, re-targeted, and proven). Wrong fixes kept: files left different from
// the known-correct repair (must be 0).
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, table } from './lib.js';

const dist = (p) => import(pathToFileURL(path.join(ROOT, 'dist', p)).href);
const [
  { FixMemory },
  { learnRepairs, runMemoryTier },
  { loadPathPolicy },
  { validate },
  { selectCommands },
  { resolveCommands },
  { ConfigSchema },
  { applyEdits },
  { judgeRepair },
  { resolveEdits },
  { PriceBook },
] = await Promise.all(
  [
    'memory/fix-memory.js',
    'memory/memory-tier.js',
    'edits/path-policy.js',
    'validation/validate.js',
    'validation/select-commands.js',
    'detect/commands.js',
    'config/schema.js',
    'edits/apply-edits.js',
    'validation/judge-repair.js',
    'edits/edit-format.js',
    'budget/prices.js',
  ].map(dist),
);
const PRICE = new PriceBook({}).cost(
  { pricingProvider: 'anthropic', model: 'claude-haiku-4-5' },
  {
    inputTokens: 2500,
    outputTokens: 150,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
  },
);

function repo(files) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'distiq-bench-mem-'));
  const all = {
    'package.json': JSON.stringify({ type: 'module', scripts: { build: 'tsc -p tsconfig.json' } }),
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module: 'NodeNext',
        types: [],
      },
      include: ['src'],
    }),
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) {
    const abs = path.join(dir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}
/**
 * Steps: each writes a breakage (`files`) and names the known-correct repair of the first failure
 * (`fix`: one search/replace) and the expected content of every broken file afterwards.
 */
async function runSequence(name, initial, steps, withMemory) {
  const dir = repo(initial);
  const commands = selectCommands(resolveCommands(dir, ConfigSchema.parse({})), ['build']);
  const memory = new FixMemory(path.join(dir, '.bench-memory.json'));
  let calls = 0;
  let usd = 0;
  let wrong = 0;
  const started = performance.now();
  for (const step of steps) {
    for (const [rel, text] of Object.entries(step.files)) writeFileSync(path.join(dir, rel), text);
    let current = await validate(commands, { root: dir, secretEnvVars: [] });
    const prove = async (edits) => {
      const applied = await applyEdits(dir, edits, { policy: loadPathPolicy(dir) });
      const after = await validate(commands, { root: dir, secretEnvVars: [] });
      const v = judgeRepair(current, after);
      if (v.keep) {
        await applied.keep();
        const fixed = current.failures.filter(
          (f) =>
            !after.failures.some(
              (a) => a.file === f.file && a.line === f.line && a.message === f.message,
            ),
        );
        current = after;
        return { kept: true, reason: v.reason, fixed };
      }
      await applied.rollback();
      return { kept: false, reason: v.reason };
    };
    while (!current.ok) {
      if (withMemory && memory.all().length > 0) {
        await runMemoryTier({
          root: dir,
          memory,
          current: () => current.failures,
          allowWorkflowEdits: false,
          prove: (p) => prove(p.edits),
        });
        if (current.ok) break;
      }
      // The scripted model: the right edit for the first failure left, at list price.
      const f = current.failures[0];
      const fix = step.fixes[f.file];
      if (!fix) throw new Error(`${name}: no scripted fix for ${f.file}`);
      calls++;
      usd += PRICE;
      const edits = resolveEdits(dir, [{ path: f.file, ...fix }]);
      const r = await prove(edits);
      if (!r.kept) throw new Error(`${name}: the scripted fix was rejected: ${r.reason}`);
      learnRepairs(memory, [{ taskId: 't', tier: 'cheap', fixed: r.fixed, edits }], () => PRICE);
    }
    for (const [rel, text] of Object.entries(step.expected))
      if (readFileSync(path.join(dir, rel), 'utf8') !== text) wrong++;
  }
  return { calls, usd, wrong, ms: performance.now() - started };
}

// (a) the same failure again (a re-run): 5 times.
const portBroken = 'export const port: number = "8080";\n';
const portFixed = 'export const port: number = 8080;\n';
const seqA = Array.from({ length: 5 }, () => ({
  files: { 'src/config.ts': portBroken },
  fixes: {
    'src/config.ts': {
      search: 'export const port: number = "8080";',
      replace: 'export const port: number = 8080;',
    },
  },
  expected: { 'src/config.ts': portFixed },
}));

// (b) the same mistake in another place, in successive commits: 6 files.
const names = ['timeout', 'retries', 'maxItems', 'pageSize', 'delayMs', 'limit'];
const seqB = names.map((n, i) => ({
  files: { [`src/${n}.ts`]: `// ${n}\nexport const ${n}: number = "${(i + 2) * 7}";\n` },
  fixes: {
    [`src/${n}.ts`]: {
      search: `export const ${n}: number = "${(i + 2) * 7}";`,
      replace: `export const ${n}: number = ${(i + 2) * 7};`,
    },
  },
  expected: { [`src/${n}.ts`]: `// ${n}\nexport const ${n}: number = ${(i + 2) * 7};\n` },
}));

// (c) one breaking change (getUser now takes a string id) hitting 6 dependents at once.
const dependents = Array.from({ length: 6 }, (_, i) => i + 1);
const caller = (i, fixed) =>
  `import { getUser } from './api.js';\n\nexport const user${i} = getUser(${fixed ? `String(${40 + i})` : 40 + i});\n`;
const seqC = [
  {
    files: {
      'src/api.ts': 'export function getUser(id: string): string {\n  return `user-${id}`;\n}\n',
    },
    fixes: Object.fromEntries(
      dependents.map((i) => [
        `src/caller${i}.ts`,
        {
          search: `export const user${i} = getUser(${40 + i});`,
          replace: `export const user${i} = getUser(String(${40 + i}));`,
        },
      ]),
    ),
    expected: Object.fromEntries(dependents.map((i) => [`src/caller${i}.ts`, caller(i, true)])),
  },
];
const initialC = {
  'src/api.ts': 'export function getUser(id: number): string {\n  return `user-${id}`;\n}\n',
  ...Object.fromEntries(dependents.map((i) => [`src/caller${i}.ts`, caller(i, false)])),
};

const rows = [];
for (const [label, initial, steps] of [
  ['(a) same failure again ×5', { 'src/config.ts': portFixed }, seqA],
  ['(b) same mistake in 6 places', { 'src/index.ts': 'export {};\n' }, seqB],
  ['(c) breaking change, 6 dependents', initialC, seqC],
]) {
  const off = await runSequence(label, initial, steps, false);
  const on = await runSequence(label, initial, steps, true);
  const avoidedAfterFirst = off.calls > 1 ? (off.calls - on.calls) / (off.calls - 1) : 0;
  rows.push([
    label,
    off.calls,
    on.calls,
    `${(100 * avoidedAfterFirst).toFixed(0)}%`,
    `$${off.usd.toFixed(5)}`,
    `$${on.usd.toFixed(5)}`,
    `$${(off.usd - on.usd).toFixed(5)}`,
    on.wrong + off.wrong,
    `${(off.ms / 1000).toFixed(1)} s / ${(on.ms / 1000).toFixed(1)} s`,
  ]);
}
table(
  `Fix memory (scripted model at claude-haiku-4-5 list price, $${PRICE.toFixed(5)} per call; real tsc proofs)`,
  [
    'sequence',
    'calls without',
    'calls with',
    'avoided after 1st',
    '$ without',
    '$ with',
    'saved',
    'wrong kept',
    'wall without / with',
  ],
  rows,
);
