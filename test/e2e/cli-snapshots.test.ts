// Snapshots of the CLI's contract, so that a refactor can prove itself behaviour-neutral:
// every command's flags and arguments (oclif-manifest style), and the --json objects of the
// fixture runs the README names, with volatile fields (run ids, durations, temp paths,
// commit shas) normalized. A change here is a contract change: update the snapshot on purpose
// (`npx vitest run test/e2e/cli-snapshots.test.ts -u`) and say so in the README.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/index.js';
import { makeRepo, runCli } from '../helpers.js';

const NO_KEYS = { DEEPSEEK_API_KEY: '', ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' };

interface FlagLike {
  type: string;
  char?: string;
  default?: unknown;
  options?: readonly string[];
  multiple?: boolean;
  required?: boolean;
  summary?: string;
  description?: string;
  min?: number;
  max?: number;
}

function flagShape(f: FlagLike) {
  return {
    type: f.type,
    char: f.char ?? null,
    default: typeof f.default === 'function' ? '(computed)' : (f.default ?? null),
    options: f.options ?? null,
    multiple: f.multiple ?? false,
    required: f.required ?? false,
    described: Boolean(f.summary ?? f.description),
  };
}

describe('CLI contract snapshots', () => {
  it('every command: its flags (name, char, type, default, options) and arguments', async () => {
    const manifest: Record<string, unknown> = {};
    for (const [id, cmd] of Object.entries(COMMANDS).sort(([a], [b]) => a.localeCompare(b))) {
      const c = cmd as unknown as {
        summary?: string;
        baseFlags?: Record<string, FlagLike>;
        flags?: Record<string, FlagLike>;
        args?: Record<string, FlagLike & { name?: string }>;
      };
      const flags = { ...(c.baseFlags ?? {}), ...(c.flags ?? {}) };
      manifest[id] = {
        summary: c.summary ?? null,
        flags: Object.fromEntries(
          Object.keys(flags)
            .sort()
            .map((name) => [name, flagShape(flags[name]!)]),
        ),
        args: Object.fromEntries(
          Object.entries(c.args ?? {}).map(([name, a]) => [
            name,
            {
              required: a.required ?? false,
              options: a.options ?? null,
              described: Boolean(a.description),
            },
          ]),
        ),
      };
    }
    // Every flag and argument has words for `distiq help`.
    for (const [id, m] of Object.entries(manifest) as [
      string,
      {
        flags: Record<string, { described: boolean }>;
        args: Record<string, { described: boolean }>;
      },
    ][]) {
      for (const [name, f] of Object.entries({ ...m.flags, ...m.args }))
        expect(f.described, `${id} ${name}`).toBe(true);
    }
    await expect(JSON.stringify(manifest, null, 2) + '\n').toMatchFileSnapshot(
      '__snapshots__/cli-flags.json',
    );
  });

  for (const [fixture, args] of [
    ['ts-app', ['fix', '--build', '--json']],
    ['ts-app', ['fix', '--build', '--dry-run', '--json']],
    ['lint-app', ['fix', '--lint', '--json']],
    ['rust-app', ['fix', '--build', '--json']],
  ] as const) {
    it(`distiq ${args.join(' ')} on ${fixture}`, async () => {
      const dir = makeRepo({ fixture, nodeModules: fixture !== 'rust-app' });
      const r = await runCli([...args], { cwd: dir, env: NO_KEYS, timeoutMs: 280_000 });
      expect(r.stderr).toBe('');
      const name = `${fixture}-${args.slice(1, -1).join('').replace(/--/g, '-').replace(/^-/, '')}`;
      await expect(
        JSON.stringify(normalize(JSON.parse(r.stdout), dir), null, 2) + '\n',
      ).toMatchFileSnapshot(`__snapshots__/${name}.json`);
    }, 300_000);
  }

  it('distiq config --json and models --json', async () => {
    const dir = makeRepo({ fixture: 'ts-app' });
    const config = await runCli(['config', '--json'], { cwd: dir, env: NO_KEYS });
    await expect(
      JSON.stringify(normalize(JSON.parse(config.stdout), dir), null, 2) + '\n',
    ).toMatchFileSnapshot('__snapshots__/config.json');
    const models = JSON.parse(
      (await runCli(['models', '--json'], { cwd: dir, env: NO_KEYS })).stdout,
    );
    delete models.localTier; // installed here (dev dependency), absent in a plain install: see package.test.ts
    await expect(JSON.stringify(normalize(models, dir), null, 2) + '\n').toMatchFileSnapshot(
      '__snapshots__/models.json',
    );
  });
});

/** Volatile values out: ids, durations, timestamps, temp paths, shas, list prices. Structure and the rest stay. */
function normalize(value: unknown, dir: string): unknown {
  if (Array.isArray(value)) return value.map((v) => normalize(v, dir));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'runId') out[k] = '<runId>';
      else if (/Ms$/.test(k) && typeof v === 'number') out[k] = '<ms>';
      else if (k === 'commit' && typeof v === 'string') out[k] = '<sha>';
      // Some list prices depend on the time of day (deepseek's off-peak discount): keep the shape.
      else if (/PerMTok$/.test(k) && typeof v === 'number' && v > 0) out[k] = '<usd per MTok>';
      else out[k] = normalize(v, dir);
    }
    return out;
  }
  if (typeof value === 'string')
    return value
      .split(dir)
      .join('<repo>')
      .replace(/\d+(\.\d+)?s\b(?= )/g, '<s>');
  return value;
}
