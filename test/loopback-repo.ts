// A repo for model-tier tests against the loopback OpenAI-compatible server (test/loopback-openai.ts).

// A TypeScript repo whose build has a type error no $0 fix can repair.
export const LOOP_TYPE_ERROR_FILES = {
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
  'src/config.ts': 'export const port: number = "8080";\nexport const host = "localhost";\n',
};

/** The one edit that repairs LOOP_TYPE_ERROR_FILES (what a scripted model answers). */
export const LOOP_TYPE_ERROR_REPAIR = {
  path: 'src/config.ts',
  search: 'export const port: number = "8080";',
  replace: 'export const port: number = 8080;',
};

// Prices as config overrides (USD per million tokens): exact, and independent of the library's data.
export const loopConfig = (url: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    providers: { loop: { type: 'openai-compatible', baseURL: url } },
    tiers: {
      cheap: [{ provider: 'loop', model: 'loop-cheap' }],
      premium: [{ provider: 'loop', model: 'loop-premium' }],
    },
    prices: { 'loop-cheap': { input: 1, output: 4 }, 'loop-premium': { input: 10, output: 40 } },
    ...extra,
  });
