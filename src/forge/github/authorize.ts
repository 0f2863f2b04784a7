import type { OctokitClient, RepoRef } from './client.js';

/**
 * `lookupFailed`: GitHub did not answer the question (5xx, network, a token that may not ask), as
 * opposed to answering "no". Both reject; the caller must not tell the person they lack access.
 */
export type Authorization =
  { ok: true; permission: string } | { ok: false; reason: string; lookupFailed?: boolean };

const WRITERS = new Set(['admin', 'maintain', 'write']);

/**
 * Who may start a run: bots and other non-User actors only when named in the allowlist; people only
 * when the collaborator-permission API says admin, maintain or write (author_association is not
 * enough). Any lookup error rejects: a 404 means "not a collaborator"; anything else (after the
 * client's bounded retries) is a failed lookup.
 */
export async function authorizeActor(
  gh: OctokitClient,
  repo: RepoRef,
  actor: { login: string; type: string },
  allowBots: string[],
): Promise<Authorization> {
  if (!actor.login) return { ok: false, reason: 'the event names no actor' };
  if (actor.type !== 'User' || actor.login.endsWith('[bot]')) {
    return allowBots.includes(actor.login)
      ? { ok: true, permission: 'allowlisted bot' }
      : {
          ok: false,
          reason: `${actor.login} is a ${actor.type === 'User' ? 'bot' : actor.type} account not in github.allowBots`,
        };
  }
  try {
    const { data } = await gh.rest.repos.getCollaboratorPermissionLevel({
      ...repo,
      username: actor.login,
    });
    const role = (data as { role_name?: string }).role_name ?? '';
    if (WRITERS.has(data.permission) || WRITERS.has(role))
      return { ok: true, permission: role || data.permission };
    return {
      ok: false,
      reason: `${actor.login} has ${role || data.permission} permission; write, maintain or admin is needed`,
    };
  } catch (err) {
    const status = (err as { status?: number }).status;
    const reason = `the permission of ${actor.login} could not be checked (${status ?? (err as Error).message})`;
    return status === 404 ? { ok: false, reason } : { ok: false, reason, lookupFailed: true };
  }
}
