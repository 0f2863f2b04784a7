import { describe, expect, it } from 'vitest';
import { judgeRepair } from '../../src/validation/judge-repair.js';
import type { CommandResult, Validation } from '../../src/validation/validate.js';
import type { Failure } from '../../src/validation/failure.js';

const f = (tool: string, file: string, message: string, line = 1): Failure => ({
  tool,
  file,
  line,
  column: 1,
  code: null,
  severity: 'error',
  message,
});
const result = (failures: Failure[], exitCode = failures.length ? 1 : 0): CommandResult => ({
  kind: 'lint',
  command: 'lint',
  exitCode,
  timedOut: false,
  durationMs: 1,
  failures,
  tail: '',
});
const validation = (...results: CommandResult[]): Validation => ({
  results,
  failures: results.flatMap((r) => r.failures),
  ok: results.every((r) => r.exitCode === 0),
});

describe('judgeRepair', () => {
  it('keeps fewer failures with none new, even when lines moved', () => {
    const v = judgeRepair(
      validation(result([f('tsc', 'a.ts', 'x', 3), f('tsc', 'a.ts', 'y', 9)])),
      validation(result([f('tsc', 'a.ts', 'y', 10)])),
    );
    expect(v.keep).toBe(true);
    expect(v.fixed).toBe(1);
  });

  it('rejects a repair that introduces a failure of a tool already failing', () => {
    const v = judgeRepair(
      validation(result([f('tsc', 'a.ts', 'x'), f('tsc', 'a.ts', 'y')])),
      validation(result([f('tsc', 'b.ts', 'new')])),
    );
    expect(v.keep).toBe(false);
    expect(v.reason).toContain('new failure');
  });

  it('rejects a repair that breaks a command that passed', () => {
    const v = judgeRepair(
      validation(result([f('tsc', 'a.ts', 'x')]), result([])),
      validation(result([]), result([f('vitest', 't.ts', 'boom')])),
    );
    expect(v.keep).toBe(false);
    expect(v.regressions).toHaveLength(1);
  });

  it('accepts failures unmasked when a command gets past its failing stage (eslint && prettier --check)', () => {
    const v = judgeRepair(
      validation(result([f('eslint', 'a.js', 'semi')])),
      validation(result([f('prettier', 'a.js', 'format')])),
    );
    expect(v.keep).toBe(true);
    expect(v.unmasked).toHaveLength(1);
  });

  it('does not call it unmasked while the earlier stage still fails', () => {
    const v = judgeRepair(
      validation(result([f('eslint', 'a.js', 'semi'), f('eslint', 'a.js', 'other')])),
      validation(result([f('eslint', 'a.js', 'other'), f('prettier', 'a.js', 'format')])),
    );
    expect(v.keep).toBe(false);
  });

  it('a repair that changes nothing is not kept', () => {
    const before = validation(result([f('tsc', 'a.ts', 'x')]));
    expect(judgeRepair(before, before).keep).toBe(false);
  });
});
