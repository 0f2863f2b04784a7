// CLI start-up: `distiq --help` and `distiq --version` cold, against bare `node -e 0` in the same run.
import { spawnSync } from 'node:child_process';
import { BIN, median, table, timeMs } from './lib.js';

export function benchCliStart({ runs = 15 } = {}) {
  const cases = {
    'node -e 0': ['-e', '0'],
    'distiq --version': [BIN, '--version'],
    'distiq --help': [BIN, '--help'],
  };
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    // Interleaved so background noise hits every case alike.
    for (const [name, args] of Object.entries(cases)) {
      samples[name].push(
        timeMs(() => {
          const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
          if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
        }),
      );
    }
  }
  const base = median(samples['node -e 0']);
  const rows = Object.entries(samples).map(([name, xs]) => {
    const ratio = median(xs) / base;
    return [
      name,
      median(xs).toFixed(0),
      ratio.toFixed(2) + '×',
      name === 'node -e 0' ? 'baseline' : ratio < 4 ? 'ok (< 4×)' : 'OVER TARGET',
    ];
  });
  table(
    `CLI start (median of ${runs}, ms)`,
    ['command', 'median ms', 'vs node -e 0', 'target'],
    rows,
  );
  return rows;
}
