// One binding in its own process: parse every file of a folder, print MB/s.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [which, dir, nativeDir, wasmGrammar] = process.argv.slice(2);
const files = [];
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (p.endsWith('.ts')) files.push(p);
  }
};
walk(dir);
const texts = files.map((f) => readFileSync(f, 'utf8'));
const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
let parse;
if (which === 'native') {
  const require = createRequire(path.join(nativeDir, 'package.json'));
  const Parser = require('tree-sitter');
  const parser = new Parser();
  parser.setLanguage(require('tree-sitter-typescript').typescript);
  parse = (t) => parser.parse(t, undefined, { bufferSize: Buffer.byteLength(t) * 2 + 1024 }); // strings over 32 KB need it
} else {
  const { Parser, Language } = await import('web-tree-sitter');
  await Parser.init();
  const parser = new Parser();
  parser.setLanguage(await Language.load(wasmGrammar));
  parse = (t) => parser.parse(t).delete();
}
const t0 = performance.now();
for (const t of texts) parse(t);
const s = (performance.now() - t0) / 1000;
process.stdout.write(
  JSON.stringify({
    files: files.length,
    mb: bytes / 1048576,
    seconds: s,
    rssMb: process.memoryUsage().rss / 1048576,
  }),
);
