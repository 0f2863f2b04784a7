// `memory.similarity: embedding` end to end: the real CLI opens the local tier's GGUF (the suite's
// tiny model, real node-llama-cpp embeddings) to rank fix memory, replays a proven repair at $0;
// a model that cannot load falls back to lexical similarity with a warning, never a failed run.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { edits, startLoopbackOpenAI } from '../loopback-openai.js';
import { git, makeRepo, runCli, tempDir } from '../helpers.js';
import {
  LOOP_TYPE_ERROR_FILES as FILES,
  loopConfig,
  LOOP_TYPE_ERROR_REPAIR,
} from '../loopback-repo.js';
import { writeTinyGguf } from '../tiny-gguf.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** The loopback repo's config, plus a local tier whose GGUF ranks fix memory (not on the ladder). */
const config = (url: string, modelPath: string) => {
  const c = JSON.parse(loopConfig(url, { memory: { similarity: 'embedding' } }));
  c.providers.local = { type: 'llama', modelPath, gpu: 'off', threads: 1 };
  c.tiers.local = [{ provider: 'local', model: 'tiny' }];
  return JSON.stringify(c);
};

describe('fix memory with embedding similarity (real CLI, tiny GGUF, scripted loopback model)', () => {
  it('ranks with the local GGUF and replays at $0; an unloadable model falls back to lexical with a warning', async () => {
    const server = await startLoopbackOpenAI(() => ({
      content: edits(LOOP_TYPE_ERROR_REPAIR),
    }));
    close = server.close;
    const model = path.join(tempDir('distiq-gguf-'), 'tiny.gguf');
    writeTinyGguf(model);
    const repo = makeRepo({
      nodeModules: true,
      files: { ...FILES, '.distiqrc.json': config(server.url, model) },
    });
    const tiers = ['--tiers', 'autofix,memory,cheap'];

    const first = JSON.parse(
      (await runCli(['fix', '--build', ...tiers, '--json'], { cwd: repo })).stdout,
    );
    expect(first.status).toBe('fixed');
    expect(first.memory).toMatchObject({ learned: 1, hits: [] });
    expect(server.requests).toHaveLength(1);

    // The same failure again: the memory tier, ranking with the GGUF's embeddings, replays it.
    git(repo, 'checkout', '--', 'src/config.ts');
    const second = JSON.parse(
      (await runCli(['fix', '--build', ...tiers, '--json'], { cwd: repo })).stdout,
    );
    expect(second.status).toBe('fixed');
    expect(server.requests).toHaveLength(1);
    expect(second.memory.hits).toHaveLength(1);
    expect(second.memory.warning).toBeUndefined(); // the embedding model loaded and ranked
    expect(second.cost.usd).toBe(0);

    // A GGUF that is not there (a config from outside the repo, so the tree stays clean): a
    // warning in the report, lexical similarity, still a $0 replay.
    git(repo, 'checkout', '--', 'src/config.ts');
    const outside = path.join(tempDir('distiq-cfg-'), 'distiq.json');
    writeFileSync(outside, config(server.url, path.join(path.dirname(model), 'none.gguf')));
    const third = JSON.parse(
      (await runCli(['fix', '--build', ...tiers, '--config', outside, '--json'], { cwd: repo }))
        .stdout,
    );
    expect(third.status).toBe('fixed');
    expect(third.memory.hits).toHaveLength(1);
    expect(third.memory.warning).toMatch(/embedding similarity unavailable.*using lexical/);
    expect(server.requests).toHaveLength(1);
  });
});
