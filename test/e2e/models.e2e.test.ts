import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { edits, startLoopbackOpenAI } from '../loopback-openai.js';
import { BIN, makeRepo, runCli, statusPorcelain } from '../helpers.js';
import {
  LOOP_TYPE_ERROR_FILES as FILES,
  loopConfig as config,
  LOOP_TYPE_ERROR_REPAIR,
} from '../loopback-repo.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('distiq fix with model tiers (loopback OpenAI-compatible server, real CLI)', () => {
  it('cheap tier repairs what autofix cannot; every call is priced and shown', async () => {
    const server = await startLoopbackOpenAI(() => ({
      content: edits(LOOP_TYPE_ERROR_REPAIR),
    }));
    close = server.close;
    const dir = makeRepo({
      nodeModules: true,
      files: { ...FILES, '.distiqrc.json': config(server.url) },
    });
    const r = await runCli(['fix', '--build', '--tiers', 'autofix,cheap', '--json'], { cwd: dir });
    const report = JSON.parse(r.stdout);
    expect(r.code).toBe(0);
    expect(report.status).toBe('fixed');
    expect(readFileSync(path.join(dir, 'src/config.ts'), 'utf8')).toContain(
      'export const port: number = 8080;',
    );
    expect(report.tasks[0]).toMatchObject({
      tierPath: ['autofix', 'cheap'],
      tier: 'cheap',
      status: 'fixed',
    });
    // The request: JSON-schema structured output, the configured model, a max-token cap.
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      model: 'loop-cheap',
      max_tokens: 4096,
      response_format: { type: 'json_schema', json_schema: { name: 'edits', strict: true } },
    });
    // The prompt: rules, then the repo map (the stable prefix), then the localized code for this task.
    const [rules, map, task] = server.requests[0]!.messages;
    expect(rules!.content).toContain('You repair source code');
    expect(map!.content).toMatch(
      /^Repository map[^\n]*\nsrc\/config\.ts:\n {2}1│ export const port: number = "8080"/,
    );
    expect(task!.content).toContain('<context>\nsrc/config.ts:1-');
    expect(task!.content).toContain('\nexport const port: number = "8080";\n'); // plain lines: `search` can be copied exactly
    const m = report.cost.byModel[0];
    expect(m).toMatchObject({ tier: 'cheap', provider: 'loop', model: 'loop-cheap', calls: 1 });
    expect(report.cost.usd).toBeCloseTo((m.inputTokens * 1 + m.outputTokens * 4) / 1e6, 12);
    expect(report.cost.byTier.cheap.usd).toBeCloseTo(report.cost.usd, 12);
    expect(report.cost.baselineModel).toBe('loop/loop-premium');
    expect(report.cost.baselineUsd).toBeCloseTo(
      (m.inputTokens * 10 + m.outputTokens * 40) / 1e6,
      12,
    );
    // The ledger agrees with the report, and `distiq cost` reads it.
    const cost = JSON.parse(
      (await runCli(['cost', '--period', 'day', '--json'], { cwd: dir })).stdout,
    );
    expect(cost.calls).toBe(1);
    expect(cost.usd).toBeCloseTo(report.cost.usd, 12);
  });

  it('independent tasks run in parallel (both calls in flight at once) with one identical stable prefix', async () => {
    const server = await startLoopbackOpenAI(
      (body) => {
        const user = body.messages.at(-1)!.content;
        return user.includes('src/limits.ts:1')
          ? {
              content: edits({
                path: 'src/limits.ts',
                search: 'export const max: number = "10";',
                replace: 'export const max: number = 10;',
              }),
            }
          : {
              content: edits(LOOP_TYPE_ERROR_REPAIR),
            };
      },
      { latencyMs: 800 },
    );
    close = server.close;
    const dir = makeRepo({
      nodeModules: true,
      files: {
        ...FILES,
        'src/limits.ts': 'export const max: number = "10";\n',
        '.distiqrc.json': config(server.url),
      },
    });
    const r = await runCli(['fix', '--build', '--tiers', 'cheap', '--concurrency', '2', '--json'], {
      cwd: dir,
    });
    const report = JSON.parse(r.stdout);
    expect(r.code).toBe(0);
    expect(report.status).toBe('fixed');
    expect(server.requests).toHaveLength(2);
    expect(server.maxInFlight()).toBe(2);
    // The prefix (rules, repo map) is byte-identical across the job's tasks: prompt caches can hit.
    const prefix = (i: number) => JSON.stringify(server.requests[i]!.messages.slice(0, -1));
    expect(prefix(0)).toBe(prefix(1));
    expect(
      report.tasks.map((t: { files: string[]; status: string; calls: number }) => [
        t.files,
        t.status,
        t.calls,
      ]),
    ).toEqual([
      [['src/config.ts'], 'fixed', 1],
      [['src/limits.ts'], 'fixed', 1],
    ]);
    expect(report.tasks[0].usd + report.tasks[1].usd).toBeCloseTo(report.cost.usd, 12);
    expect(readFileSync(path.join(dir, 'src/limits.ts'), 'utf8')).toBe(
      'export const max: number = 10;\n',
    );
  });

  it('a wrong cheap edit is rolled back and escalated to premium, with the reason recorded', async () => {
    const server = await startLoopbackOpenAI((body) =>
      body.model === 'loop-cheap'
        ? {
            content: edits({
              path: 'src/config.ts',
              search: 'export const host = "localhost";',
              replace: 'export const host: number = "localhost";',
            }),
          }
        : { content: edits({ path: 'src/config.ts', search: '"8080"', replace: '8080' }) },
    );
    close = server.close;
    const dir = makeRepo({
      nodeModules: true,
      files: { ...FILES, '.distiqrc.json': config(server.url) },
    });
    const r = await runCli(
      ['fix', '--build', '--tiers', 'autofix,cheap,premium', '--max-attempts', '2', '--json'],
      { cwd: dir },
    );
    const report = JSON.parse(r.stdout);
    expect(report.status).toBe('fixed');
    expect(report.tasks[0].tierPath).toEqual(['autofix', 'cheap', 'premium']);
    expect(report.tasks[0].escalations.join('\n')).toMatch(
      /cheap → premium: validation still failing after 2 attempt/,
    );
    expect(server.requests.map((q) => q.model)).toEqual([
      'loop-cheap',
      'loop-cheap',
      'loop-premium',
    ]);
    // The second cheap attempt was told why the first was rejected.
    expect(server.requests[1]!.messages.at(-1)!.content).toContain('previous attempt was rejected');
    expect(readFileSync(path.join(dir, 'src/config.ts'), 'utf8')).toBe(
      'export const port: number = 8080;\nexport const host = "localhost";\n',
    );
    expect(report.cost.byTier.cheap.calls).toBe(2);
    expect(report.cost.byTier.premium.calls).toBe(1);
    expect(report.cost.usd).toBeCloseTo(
      report.cost.byModel.reduce((a: number, m: { usd: number }) => a + m.usd, 0),
      12,
    );
  });

  it('--budget is a hard cap: the run stops cleanly at it, exit 3, spend under the cap', async () => {
    // The model keeps answering edits that do not apply; only the budget ends the run.
    const server = await startLoopbackOpenAI(() => ({
      content: edits({ path: 'src/config.ts', search: 'no such text', replace: 'x' }),
    }));
    close = server.close;
    const dir = makeRepo({
      nodeModules: true,
      files: {
        ...FILES,
        '.distiqrc.json': config(server.url, { models: { maxOutputTokens: 1000 } }),
      },
    });
    // The reservation covers the most an accepted answer can cost (1.5 × the counted prompt + 512 input tokens).
    const r = await runCli(
      [
        'fix',
        '--build',
        '--tiers',
        'autofix,cheap',
        '--budget',
        '0.012',
        '--max-attempts',
        '20',
        '--json',
      ],
      { cwd: dir },
    );
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout);
    expect(report.status).toBe('over-budget');
    expect(report.cost.usd).toBeLessThanOrEqual(0.012);
    expect(report.cost.byTier.cheap.calls).toBe(server.requests.length);
    expect(server.requests.length).toBeGreaterThan(0);
    expect(report.tasks[0].escalations.join('\n')).toMatch(
      /per-run budget of \$0\.0120 cannot cover the next request/,
    );
    expect(readFileSync(path.join(dir, 'src/config.ts'), 'utf8')).toBe(FILES['src/config.ts']); // nothing half-applied
    const human = await runCli(
      ['fix', '--build', '--tiers', 'autofix,cheap', '--budget', '0.012', '--max-attempts', '20'],
      { cwd: dir },
    );
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/Stopped at the budget/);
    expect(human.stdout).toMatch(/cheap/);
  });

  it('an edit that breaks the syntax is rejected before the build runs, with the reason fed back', async () => {
    const server = await startLoopbackOpenAI((_body, n) =>
      n === 0
        ? {
            content: edits({
              path: 'src/config.ts',
              search: 'export const port: number = "8080";',
              replace: 'export const port: number = (8080;',
            }),
          }
        : { content: edits({ path: 'src/config.ts', search: '"8080"', replace: '8080' }) },
    );
    close = server.close;
    const dir = makeRepo({
      nodeModules: true,
      files: { ...FILES, '.distiqrc.json': config(server.url) },
    });
    const report = JSON.parse(
      (await runCli(['fix', '--build', '--tiers', 'autofix,cheap', '--json'], { cwd: dir })).stdout,
    );
    expect(report.status).toBe('fixed');
    expect(report.repairs[0]).toMatchObject({
      fixer: 'model',
      outcome: 'rejected',
      reason: expect.stringMatching(/^the edit breaks the syntax: src\/config\.ts:1: syntax error/),
    });
    expect(server.requests[1]!.messages.at(-1)!.content).toContain('the edit breaks the syntax');
  });

  it('Ctrl-C while a model call is in flight: exit 130, a report, the tree untouched, the ledger settled', async () => {
    const { createServer } = await import('node:http');
    let asked = false;
    const server = createServer(() => void (asked = true)); // accepts the request, never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    close = () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
    const dir = makeRepo({ nodeModules: true, files: { ...FILES, '.distiqrc.json': config(url) } });
    const { spawn } = await import('node:child_process');
    const child = spawn(
      process.execPath,
      [BIN, 'fix', '--build', '--tiers', 'autofix,cheap', '--json'],
      { cwd: dir, env: { ...process.env, CI: 'true' } },
    );
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => {
      const t = setInterval(() => asked && (clearInterval(t), child.kill('SIGINT')), 50);
      child.on('close', resolve);
    });
    expect(code).toBe(130);
    expect(JSON.parse(stdout).failuresAfter).toBe(1);
    expect(readFileSync(path.join(dir, 'src/config.ts'), 'utf8')).toBe(FILES['src/config.ts']);
    expect(statusPorcelain(dir)).toBe('');
    const ledger = readFileSync(path.join(dir, '.git/distiq/ledger.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ledger.map((e) => e.kind)).toEqual(['reserve', 'settle']); // the interrupted call counts (it may be billed), nothing stays open
  });

  it('a model tier without a usable provider is skipped with one clear line', async () => {
    const dir = makeRepo({ nodeModules: true, files: { ...FILES } });
    const r = await runCli(['fix', '--build', '--tiers', 'autofix,cheap'], {
      cwd: dir,
      env: { DEEPSEEK_API_KEY: '', ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'cheap tier: deepseek/deepseek-chat skipped: DEEPSEEK_API_KEY is not set',
    );
    const models = JSON.parse(
      (await runCli(['models', '--json'], { cwd: dir, env: { ANTHROPIC_API_KEY: 'sk-ant-test' } }))
        .stdout,
    );
    const premium = models.tiers.find((t: { tier: string }) => t.tier === 'premium');
    expect(premium.models[0]).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      usable: true,
      inputPerMTok: 3,
      outputPerMTok: 15,
    });
  });

  it('roles.executor bounds the tiers fix may use', async () => {
    const server = await startLoopbackOpenAI(() => ({
      content: edits({ path: 'src/config.ts', search: '"8080"', replace: '8080' }),
    }));
    close = server.close;
    const dir = makeRepo({
      nodeModules: true,
      files: {
        ...FILES,
        '.distiqrc.json': config(server.url, { roles: { executor: ['autofix', 'cheap'] } }),
      },
    });
    const r = await runCli(['fix', '--build', '--tiers', 'autofix,premium', '--json'], {
      cwd: dir,
    });
    const report = JSON.parse(r.stdout);
    expect(report.skippedTiers).toEqual([
      { tier: 'premium', reason: 'not in roles.executor (autofix, cheap)' },
    ]);
    expect(server.requests).toHaveLength(0);
  });

  it('models pull resolves a local GGUF path and reports a missing one clearly', async () => {
    const dir = makeRepo({ files: { 'm/tiny.gguf': 'GGUF' } });
    const ok = await runCli(['models', 'pull', path.join(dir, 'm/tiny.gguf'), '--json'], {
      cwd: dir,
    });
    expect(JSON.parse(ok.stdout)).toEqual({ path: path.join(dir, 'm/tiny.gguf') });
    const missing = await runCli(['models', 'pull', path.join(dir, 'nope.gguf')], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Cannot get model');
  });

  it('an unpriced model is a config error before any request (exit 2)', async () => {
    const server = await startLoopbackOpenAI(() => ({ content: '{}' }));
    close = server.close;
    const dir = makeRepo({
      nodeModules: true,
      files: {
        ...FILES,
        '.distiqrc.json': JSON.stringify({
          providers: { loop: { type: 'openai-compatible', baseURL: server.url } },
          tiers: { cheap: [{ provider: 'loop', model: 'mystery-model' }] },
        }),
      },
    });
    const r = await runCli(['fix', '--build', '--tiers', 'autofix,cheap'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tiers.cheap.0.model');
    expect(server.requests).toHaveLength(0);
  });
});

describe('distiq plan fix (nothing executed, $0)', () => {
  it('groups a changed signature and its two broken call sites into one task, with estimates per tier', async () => {
    const dir = makeRepo({
      nodeModules: true,
      files: {
        ...FILES,
        'src/config.ts': 'export const host = "localhost";\n',
        'src/parse.ts':
          'export function parse(text: string, radix: number): number {\n  return Number.parseInt(text, radix);\n}\n',
        'src/b.ts': "import { parse } from './parse.js';\nexport const b = parse('1');\n",
        'src/c.ts': "import { parse } from './parse.js';\nexport const c = parse('2');\n",
        'src/d.ts': 'export const d: number = "4";\n',
        '.distiqrc.json': config('http://127.0.0.1:9/v1'),
      },
    });
    const r = await runCli(['plan', 'fix', '--build', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(
      plan.tasks.map((t: { files: string[]; failures: number }) => [t.files, t.failures]),
    ).toEqual([
      [['src/b.ts', 'src/c.ts', 'src/parse.ts'], 2],
      [['src/d.ts'], 1],
    ]);
    expect(plan.tasks[0].title).toContain('sharing parse');
    const est = plan.tasks[0].estimate;
    expect(est.usdByTier.cheap.model).toBe('loop/loop-cheap');
    expect(est.usdByTier.premium.usd).toBeGreaterThan(est.usdByTier.cheap.usd * 9);
    expect(plan.planning.usd).toBe(0);
    expect(statusPorcelain(dir)).toBe('');
  });
});
