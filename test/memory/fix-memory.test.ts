// Fix memory's pure parts: fingerprints, hunks, re-targeting, the memory file (bounds, bad input),
// and one memory-tier run on a real git repo with real tsc: the same mistake in another file.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCommands } from '../../src/detect/commands.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { abstractMessage, codeShape, fingerprintOf } from '../../src/memory/fingerprint.js';
import { FixMemory } from '../../src/memory/fix-memory.js';
import { MemoryFileError, readMemoryFile, serialize } from '../../src/memory/memory-file.js';
import { editToHunks } from '../../src/memory/hunks.js';
import { learnRepairs, runMemoryTier } from '../../src/memory/memory-tier.js';
import { retarget } from '../../src/memory/retarget.js';
import { applyEdits } from '../../src/edits/apply-edits.js';
import { loadPathPolicy } from '../../src/edits/path-policy.js';
import { judgeRepair } from '../../src/validation/judge-repair.js';
import { validate } from '../../src/validation/validate.js';
import { selectCommands } from '../../src/validation/select-commands.js';
import type { Failure } from '../../src/validation/failure.js';
import { makeRepo, tempDir } from '../helpers.js';

const tsFailure = (file: string, line: number, message: string): Failure => ({
  tool: 'tsc',
  file,
  line,
  column: 1,
  code: 'TS2322',
  message,
  severity: 'error',
});

describe('fingerprints', () => {
  it('abstract names and literals; the same mistake elsewhere has the same fingerprint', () => {
    expect(abstractMessage("Type 'string' is not assignable to type 'number'.\n  more")).toEqual({
      text: 'Type ⟨n0⟩ is not assignable to type ⟨n1⟩.',
      names: ['string', 'number'],
    });
    expect(codeShape('export const port: number = "8080";')).toBe('export const i : number = s ;');
    const a = fingerprintOf(
      tsFailure('src/a.ts', 1, "Type 'string' is not assignable to type 'number'."),
      'export const port: number = "8080";\n',
    );
    const b = fingerprintOf(
      tsFailure('src/b.ts', 2, "Type 'string' is not assignable to type 'number'."),
      'x\n  export const max: number = "10";\n',
    );
    expect(a.fingerprint.key).toBe(b.fingerprint.key);
    expect(b.site).toEqual({
      file: 'src/b.ts',
      names: ['string', 'number'],
      line: 'export const max: number = "10";',
    });
    const c = fingerprintOf(
      {
        ...tsFailure('src/a.ts', 1, "Type 'string' is not assignable to type 'number'."),
        code: 'TS2345',
      },
      'export const port: number = "8080";',
    );
    expect(c.fingerprint.key).not.toBe(a.fingerprint.key);
  });
});

describe('hunks and re-targeting', () => {
  it('a whole-file edit becomes unique search/replace hunks', () => {
    const before = 'a\nb\nx = 1\nc\nd\nx = 1\ne\n';
    const after = 'a\nb\nx = 2\nc\nd\nx = 1\ne\n';
    expect(editToHunks('f.ts', before, after)).toEqual([
      { path: 'f.ts', search: 'b\nx = 1\nc', replace: 'b\nx = 2\nc' },
    ]);
    expect(editToHunks('f.ts', null, 'new')).toBeNull();
    const two = editToHunks(
      'f.ts',
      'one\ntwo\nthree\nfour\nfive\n',
      'ONE\ntwo\nthree\nfour\nFIVE\n',
    )!;
    expect(two.map((h) => h.replace)).toEqual(['ONE', 'FIVE']);
  });

  it('maps names from the message and tokens of a same-shape line; swaps never chain; paths move', () => {
    const hunks = [
      {
        path: 'src/a.ts',
        search: 'export const port: number = "8080";',
        replace: 'export const port: number = 8080;',
      },
    ];
    const out = retarget(
      hunks,
      {
        file: 'src/a.ts',
        names: ['string', 'number'],
        line: 'export const port: number = "8080";',
      },
      { file: 'src/b.ts', names: ['string', 'number'], line: 'export const max: number = "10";' },
    );
    expect(out).toEqual([
      {
        path: 'src/b.ts',
        search: 'export const max: number = "10";',
        replace: 'export const max: number = 10;',
      },
    ]);
    const renamed = retarget(
      [
        {
          path: 'src/u.ts',
          search: "import { fetchUser } from './api';",
          replace: "import { loadUser } from './api';",
        },
      ],
      { file: 'src/u.ts', names: ['./api', 'fetchUser', 'loadUser'], line: '' },
      { file: 'src/v.ts', names: ['./db', 'readRow', 'getRow'], line: '' },
    );
    expect(renamed[0]).toEqual({
      path: 'src/v.ts',
      search: "import { readRow } from './db';",
      replace: "import { getRow } from './db';",
    });
    const swap = retarget(
      [{ path: 'x', search: 'a(b)', replace: 'b(a)' }],
      { file: null, names: ['a', 'b'], line: '' },
      { file: null, names: ['b', 'a'], line: '' },
    );
    expect(swap[0]).toMatchObject({ search: 'b(a)', replace: 'a(b)' });
  });
});

describe('the memory file', () => {
  it('round-trips; refuses foreign, corrupt, tampered and path-escaping files; stays bounded', () => {
    const dir = tempDir('distiq-memfile-');
    const m = new FixMemory(path.join(dir, 'memory.json'), 2);
    const f = (i: number) => tsFailure(`src/f${i}.ts`, 1, `Cannot find name 'x${i}'.`);
    for (let i = 0; i < 4; i++)
      m.learn(
        f(i),
        `const y = x${i};`,
        [{ path: `src/f${i}.ts`, search: `x${i}`, replace: `y${i}` }],
        { tier: 'cheap', usd: 0.01 },
      );
    m.used(m.all()[3]!.id);
    const size = m.save();
    expect(size).toMatchObject({ entries: 2, evicted: 2 });
    expect(readMemoryFile(m.file).map((e) => e.site.file)).toContain('src/f3.ts'); // the used one stays
    const bad = (name: string, text: string) => {
      const p = path.join(dir, name);
      writeFileSync(p, text);
      return () => readMemoryFile(p);
    };
    expect(bad('a.json', 'not json')).toThrow(/not JSON/);
    expect(bad('b.json', '{"format":"other"}')).toThrow(/not a distiq memory file/);
    const entries = readMemoryFile(m.file);
    expect(
      bad(
        'c.json',
        serialize([
          { ...entries[0]!, hunks: [{ path: '../outside.ts', search: 'a', replace: 'b' }] },
        ]),
      ),
    ).toThrow(MemoryFileError);
    expect(
      bad(
        'd.json',
        serialize([
          { ...entries[0]!, hunks: [{ path: '.git/hooks/pre-commit', search: 'a', replace: 'b' }] },
        ]),
      ),
    ).toThrow(/repo-relative path/);
    expect(
      bad(
        'e.json',
        serialize([
          { ...entries[0]!, hunks: [{ path: 'src/f3.ts', search: 'x3', replace: 'evil' }] },
        ]),
      ),
    ).toThrow(/id does not match/);
    // A corrupt memory in the state folder never fails a run: set aside, empty memory, a warning.
    writeFileSync(m.file, '{"format":"distiq-memory","version":1,"entries":[{}]}');
    const loaded = FixMemory.load(m.file);
    expect(loaded.all()).toEqual([]);
    expect(loaded.warning).toMatch(/fix memory ignored/);
  });

  it('retrieves the exact fingerprint first, then similar ones of the same tool', () => {
    const m = new FixMemory(path.join(tempDir('distiq-memret-'), 'memory.json'));
    m.learn(
      tsFailure('src/a.ts', 1, "Type 'string' is not assignable to type 'number'."),
      'export const port: number = "8080";',
      [{ path: 'src/a.ts', search: '"8080"', replace: '8080' }],
      { tier: 'cheap', usd: 0.01 },
    );
    m.learn(
      tsFailure('src/a.ts', 1, "Type 'string' is not assignable to type 'boolean'."),
      'let on: boolean = "yes";',
      [{ path: 'src/a.ts', search: 'x', replace: 'y' }],
      { tier: 'cheap', usd: 0.01 },
    );
    m.learn(
      {
        ...tsFailure('src/l.ts', 1, "'x' is defined but never used."),
        tool: 'eslint',
        code: 'no-unused-vars',
      },
      'const x = 1;',
      [{ path: 'src/l.ts', search: 'const x = 1;', replace: '' }],
      { tier: 'cheap', usd: 0.01 },
    );
    const { candidates } = m.candidates(
      tsFailure('src/b.ts', 1, "Type 'string' is not assignable to type 'number'."),
      'export const max: number = "10";',
    );
    expect(candidates.map((c) => c.match)).toEqual(['exact', 'similar']);
    expect(candidates.every((c) => c.entry.fingerprint.tool === 'tsc')).toBe(true);
  });
});

describe('memory tier on a real repo', () => {
  it('replays a repair learned in one file on the same mistake in another, proven by tsc', async () => {
    const dir = makeRepo({
      nodeModules: true,
      files: {
        'package.json': JSON.stringify({
          type: 'module',
          scripts: { build: 'tsc -p tsconfig.json' },
        }),
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
        'src/limits.ts': 'export const max: number = "10";\n',
      },
    });
    const memory = new FixMemory(path.join(tempDir('distiq-memtier-'), 'memory.json'));
    const before = 'export const port: number = "8080";\n';
    learnRepairs(
      memory,
      [
        {
          taskId: 't1',
          tier: 'cheap',
          fixed: [
            tsFailure('src/config.ts', 1, "Type 'string' is not assignable to type 'number'."),
          ],
          edits: [{ path: 'src/config.ts', before, after: 'export const port: number = 8080;\n' }],
        },
      ],
      () => 0.02,
    );
    const config = ConfigSchema.parse({});
    const commands = selectCommands(resolveCommands(dir, config), ['build']);
    let current = await validate(commands, { root: dir, secretEnvVars: [] });
    expect(current.failures).toHaveLength(1);
    const result = await runMemoryTier({
      root: dir,
      memory,
      current: () => current.failures,
      allowWorkflowEdits: false,
      prove: async (p) => {
        const applied = await applyEdits(dir, p.edits, { policy: loadPathPolicy(dir) });
        const after = await validate(commands, { root: dir, secretEnvVars: [] });
        const v = judgeRepair(current, after);
        if (v.keep) {
          await applied.keep();
          current = after;
        } else await applied.rollback();
        return { kept: v.keep, reason: v.reason };
      },
    });
    expect(result.hits).toHaveLength(1);
    expect(result.hits[0]).toMatchObject({
      match: 'exact',
      files: ['src/limits.ts'],
      savedUsd: 0.02,
    });
    expect(readFileSync(path.join(dir, 'src/limits.ts'), 'utf8')).toBe(
      'export const max: number = 10;\n',
    );
    expect(current.ok).toBe(true);
  });

  it('an entry whose edit targets a protected path is refused before anything is written', async () => {
    const dir = makeRepo({
      files: { '.github/workflows/ci.yml': 'on: push\n', 'src/a.ts': 'x\n' },
    });
    const memory = new FixMemory(path.join(tempDir('distiq-memprot-'), 'memory.json'));
    memory.learn(
      tsFailure('src/a.ts', 1, "Cannot find name 'x'."),
      'x',
      [
        {
          path: '.github/workflows/ci.yml',
          search: 'on: push',
          replace: 'on: [push, pull_request]',
        },
      ],
      { tier: 'cheap', usd: 0 },
    );
    let proved = 0;
    const result = await runMemoryTier({
      root: dir,
      memory,
      current: () => [tsFailure('src/a.ts', 1, "Cannot find name 'x'.")],
      allowWorkflowEdits: false,
      prove: async () => (proved++, { kept: true, reason: '' }),
    });
    expect(proved).toBe(0);
    expect(result.rejected).toBe(1);
    expect(result.examples[0]!.text).toMatch(/workflow/);
    expect(readFileSync(path.join(dir, '.github/workflows/ci.yml'), 'utf8')).toBe('on: push\n');
    mkdirSync(path.join(dir, 'unused'), { recursive: true });
  });
});

describe('PR footer', () => {
  it('states cache and memory hits and savings', async () => {
    const { memoryFooterMarkdown } = await import('../../src/memory/job-memory.js');
    const text = memoryFooterMarkdown({
      hits: [{ entry: 'e', match: 'exact', failure: 'f', files: ['a.ts'], savedUsd: 0.01 }],
      tried: 2,
      rejected: 1,
      savedUsd: 0.01,
      learned: 0,
      size: { entries: 3, bytes: 900, evicted: 0 },
      cache: { hits: 1, savedUsd: 0.002, savedInputTokens: 100, savedOutputTokens: 20 },
    });
    expect(text).toBe(
      '<sub>Replay cache: 1 hit(s), saved $0.0020 and 120 tokens · fix memory: 1 hit(s) of 2 tried, saved $0.0100; 0 repair(s) learned, 3 stored (900 bytes)</sub>',
    );
  });
});
