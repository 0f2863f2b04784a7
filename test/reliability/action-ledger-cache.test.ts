// Limits across Action runs: two runs of the Action on fresh checkouts and fresh runner temp
// folders share budget.daily through the ledger the example workflows restore and save with the
// Actions cache. The cache is simulated as the service behaves (GitHub's dependency-caching
// reference): keys are immutable, a restore takes the exact key, else the newest cache whose key
// starts with a restore key; a miss restores nothing.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { countTokens } from 'gpt-tokenizer';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/github-action/main.js';
import { API, commentEvent, PLAN, REPO, setup, TOKEN } from '../github-harness.js';
import { git, tempDir } from '../helpers.js';
import { recordFigures } from './figures.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

/** actions/cache/restore + actions/cache/save, as the service behaves. */
class ActionsCacheSim {
  private readonly store = tempDir('distiq-cache-');
  private readonly entries: { key: string; dir: string }[] = [];

  restore(dir: string, key: string, restoreKeys: string[]): string | null {
    const hit =
      this.entries.find((e) => e.key === key) ??
      restoreKeys.map((p) => this.entries.filter((e) => e.key.startsWith(p)).at(-1)).find(Boolean);
    if (!hit) return null;
    cpSync(hit.dir, dir, { recursive: true });
    return hit.key;
  }

  save(dir: string, key: string): 'saved' | 'exists' | 'nothing' {
    if (this.entries.some((e) => e.key === key)) return 'exists'; // caches are immutable
    if (!existsSync(dir)) return 'nothing'; // "Path Validation Error": a warning, no cache
    const copy = path.join(this.store, String(this.entries.length));
    cpSync(dir, copy, { recursive: true });
    this.entries.push({ key, dir: copy });
    return 'saved';
  }
}

// Input tokens free, output at $4/M: a call's reservation is exactly maxOutputTokens × $4/M and its
// cost the planner answer's tokens × $4/M. The daily limit fits one reservation but not a second
// one on top of the first run's spend.
const MAX_OUT = 1000;
const RESERVATION = (MAX_OUT * 4) / 1e6;
const SPENT = (countTokens(PLAN) * 4) / 1e6;
const DAILY = RESERVATION + SPENT / 2;

/** One workflow run: a fresh checkout and runner temp folder, restore → the Action → save. */
async function workflowRun(
  cache: ActionsCacheSim,
  runId: number,
  daily = DAILY,
  issueBody?: string,
) {
  const s = await setup('issue_comment', commentEvent('/distiq implement', issueBody), [PLAN]);
  const rc = JSON.parse(readFileSync(path.join(s.dir, '.distiqrc.json'), 'utf8'));
  Object.assign(rc, {
    budget: { perRun: 1, daily },
    prices: { 'loop-cheap': { input: 0, output: 4 }, 'loop-premium': { input: 0, output: 4 } },
    models: { maxOutputTokens: MAX_OUT },
  });
  writeFileSync(path.join(s.dir, '.distiqrc.json'), JSON.stringify(rc));
  git(s.dir, 'commit', '-qam', 'daily limit');
  git(s.dir, 'push', '-q', 'origin', 'main');
  nock(API)
    .persist()
    .get(`${REPO}/collaborators/Codertocat/permission`)
    .reply(200, { permission: 'write', role_name: 'write' })
    .post(/\/reactions$/)
    .reply(201, { id: 1 })
    .get(`${REPO}/issues/1/comments`)
    .query(true)
    .reply(200, [])
    .post(`${REPO}/issues/1/comments`)
    .reply(201, { id: 77, body: '' })
    .patch(/\/issues\/comments\/\d+$/)
    .reply(200, { id: 77 })
    .get(`${REPO}/pulls`)
    .query(true)
    .reply(200, [])
    .post(`${REPO}/pulls`)
    .reply(201, { number: 12, html_url: 'https://github.com/Codertocat/Hello-World/pull/12' });
  const runnerTemp = tempDir('distiq-runner-temp-');
  const folder = path.join(runnerTemp, 'distiq-ledger');
  const key = `distiq-ledger-${runId}-1`;
  const restored = cache.restore(folder, key, ['distiq-ledger-']);
  const env = {
    ...s.env,
    GITHUB_TOKEN: '',
    'INPUT_GITHUB-TOKEN': TOKEN,
    INPUT_COMMAND: 'auto',
    INPUT_LEDGER: path.join(folder, 'ledger.jsonl'),
    GITHUB_WORKSPACE: s.dir,
  };
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((c: string) => (
    out.push(String(c)),
    true
  )) as typeof process.stdout.write;
  let code: number;
  try {
    code = await main(env);
  } finally {
    process.stdout.write = write;
  }
  const saved = cache.save(folder, key);
  const outputs = readFileSync(s.env.GITHUB_OUTPUT, 'utf8');
  const ledger = existsSync(path.join(folder, 'ledger.jsonl'))
    ? readFileSync(path.join(folder, 'ledger.jsonl'), 'utf8')
    : '';
  return {
    code,
    restored,
    saved,
    outputs,
    stdout: out.join(''),
    modelCalls: s.server!.requests.length,
    ledger,
    checkout: s.dir,
    folder,
  };
}

const settledUsd = (ledger: string) =>
  ledger
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.kind === 'settle')
    .reduce((a, e) => a + e.usd, 0);

describe('Limits across Action runs', () => {
  it('two Action runs on fresh runners share budget.daily through the cached ledger: the second is refused before any call', async () => {
    const cache = new ActionsCacheSim();
    const first = await workflowRun(cache, 1001);
    expect(first.restored).toBeNull();
    expect(first.stdout).toMatch(
      /::notice title=distiq::no ledger at .* budget\.daily and budget\.monthly count from this run on/,
    );
    expect(first.outputs).toMatch(/status<<\S+\nimplemented\n/);
    expect(first.modelCalls).toBe(1);
    expect(first.saved).toBe('saved');
    expect(settledUsd(first.ledger)).toBeCloseTo(SPENT, 9);
    // The ledger never lived in the checkout.
    expect(existsSync(path.join(first.checkout, '.distiq', 'ledger.jsonl'))).toBe(false);
    expect(existsSync(path.join(first.checkout, '.git', 'distiq', 'ledger.jsonl'))).toBe(false);

    // Another issue: a request the replay cache (restored with the ledger) cannot answer.
    const second = await workflowRun(
      cache,
      1002,
      DAILY,
      '- [ ] Add `subtract(a, b)` to src/math.ts, exported',
    );
    expect(second.restored).toBe('distiq-ledger-1001-1');
    expect(second.modelCalls).toBe(0);
    expect(second.outputs, second.stdout).toMatch(/status<<\S+\nover-budget\n/);
    expect(second.saved).toBe('saved');
    // Across both runs the day's spend stays within the daily limit, and the ledger carries both.
    expect(settledUsd(second.ledger)).toBeCloseTo(SPENT, 9);
    expect(settledUsd(second.ledger)).toBeLessThanOrEqual(DAILY);
    recordFigures('actionCache', {
      runs: 2,
      dailyLimitUsd: Number(DAILY.toFixed(6)),
      spentUsd: Number(settledUsd(second.ledger).toFixed(6)),
      secondRunModelCalls: second.modelCalls,
    });
  }, 300_000); // two full Action runs (tsc validation each) on a shared 2-core machine

  it('the replay cache travels in the same cached folder: a re-run of the same job on a fresh runner pays no model call', async () => {
    const cache = new ActionsCacheSim();
    const first = await workflowRun(cache, 2001, 10);
    expect(first.outputs).toMatch(/status<<\S+\nimplemented\n/);
    expect(first.modelCalls).toBe(1);
    // The answers are kept beside the ledger, not in the checkout's .git (gone with the runner).
    expect(existsSync(path.join(first.folder, 'replay'))).toBe(true);
    expect(existsSync(path.join(first.checkout, '.git', 'distiq', 'replay'))).toBe(false);

    const second = await workflowRun(cache, 2002, 10);
    expect(second.restored).toBe('distiq-ledger-2001-1');
    expect(second.outputs, second.stdout).toMatch(/status<<\S+\nimplemented\n/);
    expect(second.modelCalls).toBe(0); // the planner's request was answered by the replay cache
    expect(settledUsd(second.ledger)).toBeCloseTo(SPENT, 9); // nothing new was spent
  }, 300_000);
});
