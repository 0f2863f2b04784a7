// The sandbox probe: one real `bwrap … true` per run. Where bwrap cannot create its user namespace
// (Ubuntu 24.04's AppArmor restriction, also on GitHub's ubuntu-24.04 runners) the run says why,
// with the one-line step that lifts it, records sandbox "none" with the reason, and `required`
// stops before anything runs. A stand-in bwrap on PATH prints the message the real one prints
// there (quoted in containers/bubblewrap#632 and the Ubuntu reports the README cites).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bwrapFailure } from '../../src/validation/bwrap-failure.js';
import { makeRepo, runCli, tempDir } from '../helpers.js';

const UID_MAP = 'bwrap: setting up uid map: Permission denied\n';

function fakeBwrap(stderr: string): string {
  const dir = tempDir('distiq-fake-bwrap-');
  const calls = path.join(dir, 'calls');
  writeFileSync(
    path.join(dir, 'bwrap'),
    `#!/bin/sh\necho "$@" >> ${calls}\nprintf '%s' '${stderr}' >&2\nexit 1\n`,
    { mode: 0o755 },
  );
  return dir;
}

describe('Trust boundary', () => {
  it('names the AppArmor user-namespace restriction and the one-line step that lifts it', () => {
    const knobs = (v: Record<string, string>) => (n: string) => v[n] ?? null;
    expect(
      bwrapFailure(UID_MAP, 1, knobs({ 'kernel/apparmor_restrict_unprivileged_userns': '1' })),
    ).toMatch(
      /setting up uid map: Permission denied.*apparmor_restrict_unprivileged_userns=1.*`sudo sysctl -w kernel\.apparmor_restrict_unprivileged_userns=0`/,
    );
    expect(
      bwrapFailure(
        'bwrap: loopback: Failed RTM_NEWADDR: Operation not permitted\n',
        1,
        knobs({ 'kernel/apparmor_restrict_unprivileged_userns': '1' }),
      ),
    ).toContain('apparmor_restrict_unprivileged_userns=0');
    expect(
      bwrapFailure(
        'bwrap: No permissions to create new namespace\n',
        1,
        knobs({ 'kernel/unprivileged_userns_clone': '0' }),
      ),
    ).toContain('unprivileged_userns_clone=1');
    // Anything else keeps bwrap's own words and suggests nothing about AppArmor.
    expect(bwrapFailure('bwrap: execvp true: No such file\n', 1, knobs({}))).toBe(
      'bwrap failed to start: bwrap: execvp true: No such file',
    );
  });

  it.runIf(process.platform === 'linux')(
    'a bwrap that cannot set up its uid map: auto runs unsandboxed and reports sandbox "none" with the reason; required stops with exit 2',
    async () => {
      const bin = fakeBwrap(UID_MAP);
      const dir = makeRepo({
        files: {
          'ok.js': 'console.log("ok")\n',
          '.distiqrc.json': JSON.stringify({ commands: { build: 'node ok.js' } }),
        },
      });
      const env = { PATH: `${bin}${path.delimiter}${process.env.PATH}` };
      const auto = await runCli(['fix', '--build', '--json'], { cwd: dir, env });
      const report = JSON.parse(auto.stdout);
      expect(report.status, auto.stderr).toBe('nothing-to-fix');
      expect(report.commands[0]).toMatchObject({
        sandbox: 'none',
        sandboxReason: expect.stringContaining('setting up uid map: Permission denied'),
      });
      // Said once on stderr, not per command.
      expect(auto.stderr.match(/run without a sandbox/g)).toHaveLength(1);

      writeFileSync(
        path.join(dir, '.distiqrc.json'),
        JSON.stringify({ commands: { build: 'node ok.js' }, validation: { sandbox: 'required' } }),
      );
      const required = await runCli(['fix', '--build', '--json', '--allow-dirty'], {
        cwd: dir,
        env,
      });
      expect(required.code).toBe(2);
      const err = JSON.parse(required.stdout);
      expect(err.status).toBe('error');
      expect(err.error.message).toContain('setting up uid map: Permission denied');
    },
  );
});
