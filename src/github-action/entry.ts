import { main } from './main.js';

// The bundled Action's entry (dist/action/index.js): run, then exit with the job's code.
// DISTIQ_ACTION_SELFCHECK=1 only checks that the bundled grammars load (used by the test suite).
if (process.env.DISTIQ_ACTION_SELFCHECK === '1') {
  const { loadLanguage, languageOf } = await import('../context/languages.js');
  const ids = ['a.ts', 'a.tsx', 'a.js', 'a.py', 'a.go', 'a.rs', 'A.java'].map((f) =>
    languageOf(f)!,
  );
  for (const id of ids) await loadLanguage(id);
  process.stdout.write(`grammars ok: ${ids.join(', ')}\n`);
} else {
  process.exitCode = await main();
}
