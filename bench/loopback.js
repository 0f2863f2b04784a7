// The test suite's loopback OpenAI-compatible server (test/loopback-openai.ts), transpiled once so
// that benchmarks and tests script models against one implementation.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { CACHE, ROOT } from './lib.js';

export async function loopbackModule() {
  const src = readFileSync(path.join(ROOT, 'test', 'loopback-openai.ts'), 'utf8');
  const out = ts.transpileModule(src, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
  mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, 'loopback-openai.mjs');
  writeFileSync(file, out);
  return import(pathToFileURL(file).href);
}

/** Starts the loopback server with a script `(body, n) => {content}`; returns `{url, requests, close}`. */
export async function loopbackOpenAI(script, opts = {}) {
  const { startLoopbackOpenAI } = await loopbackModule();
  return startLoopbackOpenAI(script, opts);
}
