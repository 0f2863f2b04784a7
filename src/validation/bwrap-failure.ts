import { readFileSync } from 'node:fs';

/** The kernel knobs that decide whether an unprivileged process may create a user namespace. */
const KNOBS = [
  'kernel/apparmor_restrict_unprivileged_userns', // Ubuntu 23.10+ (1 by default from 24.04)
  'kernel/unprivileged_userns_clone', // Debian's older switch (0 = off)
  'user/max_user_namespaces', // 0 = off
] as const;

export type SysctlReader = (name: (typeof KNOBS)[number]) => string | null;

const readSysctl: SysctlReader = (name) => {
  try {
    return readFileSync(`/proc/sys/${name}`, 'utf8').trim();
  } catch {
    return null;
  }
};

// What bwrap prints when it may not set up its user namespace: the uid map write denied by
// AppArmor's unprivileged_userns profile, the loopback of --unshare-net refused, or no userns.
const USERNS_DENIED =
  /setting up uid map: Permission denied|loopback: Failed RTM_NEWADDR|Creating new namespace failed|No permissions to create new namespace|unshare.*Operation not permitted/i;

const ONE_LINE_FIX = 'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0';

/**
 * Why bwrap did not start, in words a user can act on. The AppArmor restriction of Ubuntu 24.04
 * (and of GitHub's ubuntu-24.04 / ubuntu-latest runners) is named with the one-line step that
 * lifts it; any other failure keeps bwrap's own first line.
 */
export function bwrapFailure(
  stderr: string | null | undefined,
  status: number | null,
  sysctl: SysctlReader = readSysctl,
): string {
  const first = (stderr || `exit ${status}`).trim().split('\n')[0]!;
  if (!USERNS_DENIED.test(stderr ?? '')) return `bwrap failed to start: ${first}`;
  if (sysctl('kernel/apparmor_restrict_unprivileged_userns') === '1')
    return `bwrap failed to start (${first}): AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1, the default on Ubuntu 24.04 and GitHub's ubuntu-24.04 runners); run \`${ONE_LINE_FIX}\` before distiq, or load an AppArmor profile for bwrap`;
  if (sysctl('kernel/unprivileged_userns_clone') === '0')
    return `bwrap failed to start (${first}): unprivileged user namespaces are off (kernel.unprivileged_userns_clone=0); run \`sudo sysctl -w kernel.unprivileged_userns_clone=1\``;
  if (sysctl('user/max_user_namespaces') === '0')
    return `bwrap failed to start (${first}): user namespaces are off (user.max_user_namespaces=0)`;
  return `bwrap failed to start (${first}): user namespaces are not allowed here (a container's seccomp profile, or AppArmor); see README "Safety"`;
}
