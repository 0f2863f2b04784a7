import type { GitHub, RepoRef } from './client.js';

export type Authorization = { ok: true; permission: string } | { ok: false; reason: string };

const WRITERS = new Set(['admin', 'maintain', 'write']);

/**
 * Who may start a run: bots and other non-User actors only when named in the allowlist; people only
 * when the collaborator-permission API says admin, maintain or write (author_association is not
 * enough). Any lookup error rejects.
 */
export async function authorizeActor(gh: GitHub, repo: RepoRef, actor: { login: string; type: string }, allowBots: string[]): Promise<Authorization> {
  if (!actor.login) return { ok: false, reason: 'the event names no actor' };
  if (actor.type !== 'User' || actor.login.endsWith('[bot]')) {
    return allowBots.includes(actor.login) ? { ok: true, permission: 'allowlisted bot' } : { ok: false, reason: `${actor.login} is a ${actor.type === 'User' ? 'bot' : actor.type} account not in github.allowBots` };
  }
  try {
    const { data } = await gh.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: actor.login });
    const role = (data as { role_name?: string }).role_name ?? '';
    if (WRITERS.has(data.permission) || WRITERS.has(role)) return { ok: true, permission: role || data.permission };
    return { ok: false, reason: `${actor.login} has ${role || data.permission} permission; write, maintain or admin is needed` };
  } catch (err) {
    return { ok: false, reason: `the permission of ${actor.login} could not be checked (${(err as { status?: number }).status ?? (err as Error).message})` };
  }
}
