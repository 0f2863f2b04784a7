// A second process for the cross-process ledger test: reserves and settles against the same file.
import { Budget } from '../../dist/budget/budget.js';
import { Ledger } from '../../dist/budget/ledger.js';

const [file, runId, count, limit] = process.argv.slice(2);
const budget = new Budget(new Ledger(file), { daily: Number(limit) }, runId);
let ok = 0;
let refused = 0;
await Promise.all(
  Array.from({ length: Number(count) }, async (_, i) => {
    try {
      const r = await budget.reserve(0.01);
      await new Promise((res) => setTimeout(res, (i * 7) % 5));
      await budget.settle(r, 0.005 + (i % 3) * 0.0025);
      ok++;
    } catch (err) {
      if (err.name === 'BudgetExceededError') refused++;
      else throw err;
    }
  }),
);
process.stdout.write(JSON.stringify({ ok, refused }));
