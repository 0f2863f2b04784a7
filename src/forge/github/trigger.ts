import { type CommandName, parseCommentCommand } from './comment-command.js';

/** What an event asks distiq to do, decided from the payload alone (permissions are checked after). */
export type Trigger =
  | { kind: 'skip'; reason: string }
  | {
      kind: 'fix';
      source: 'workflow_run';
      runId: number;
      headSha: string;
      headBranch: string;
      actor: string;
    }
  | {
      kind: CommandName;
      source: 'comment';
      number: number;
      isPullRequest: boolean;
      commentId: number;
      actor: string;
      actorType: string;
      budgetUsd?: number;
      problems: string[];
      body: string;
      title: string;
    }
  | { kind: 'review'; source: 'pull_request'; number: number; headSha: string };

type Payload = Record<string, any>; // webhook payloads are checked field by field

/**
 * `command` is the Action input: `auto` follows the event; a fixed command only runs on the events
 * that can carry it. Only `issue_comment` `created` triggers (an edited old comment would re-run with
 * today's secrets); a workflow_run only when it failed, on this repository's own code, not on
 * distiq's own branch.
 */
export function decideTrigger(
  eventName: string,
  payload: Payload,
  opts: { command: 'auto' | CommandName; repoFullName: string; branchPrefix: string },
): Trigger {
  const allow = (k: CommandName) => opts.command === 'auto' || opts.command === k;
  switch (eventName) {
    case 'workflow_run': {
      const run = payload.workflow_run;
      if (!run) return { kind: 'skip', reason: 'workflow_run event without workflow_run' };
      if (!allow('fix'))
        return { kind: 'skip', reason: `command "${opts.command}" does not run on workflow_run` };
      if (payload.action !== 'completed' || run.conclusion !== 'failure')
        return {
          kind: 'skip',
          reason: `the run ${payload.action === 'completed' ? `concluded ${run.conclusion}` : `is ${payload.action}`}; only failed runs are fixed`,
        };
      if (run.head_repository?.full_name !== opts.repoFullName)
        return {
          kind: 'skip',
          reason: `the run's code comes from ${run.head_repository?.full_name ?? 'an unknown repository'}, not ${opts.repoFullName}: fork code is never built with secrets`,
        };
      if (typeof run.head_branch === 'string' && run.head_branch.startsWith(opts.branchPrefix))
        return { kind: 'skip', reason: `the run is on distiq's own branch ${run.head_branch}` };
      if (!/^[0-9a-f]{40}$/.test(run.head_sha ?? ''))
        return { kind: 'skip', reason: 'the run has no valid head_sha' };
      return {
        kind: 'fix',
        source: 'workflow_run',
        runId: run.id,
        headSha: run.head_sha,
        headBranch: run.head_branch,
        actor: run.actor?.login ?? payload.sender?.login ?? '',
      };
    }
    case 'issue_comment': {
      if (payload.action !== 'created')
        return {
          kind: 'skip',
          reason: `issue_comment ${payload.action}: only new comments trigger`,
        };
      const cmd = parseCommentCommand(payload.comment?.body ?? '');
      if (!cmd) return { kind: 'skip', reason: 'the comment has no /distiq command' };
      if (!allow(cmd.name))
        return {
          kind: 'skip',
          reason: `the action is set to "${opts.command}", the comment asks for ${cmd.name}`,
        };
      const isPullRequest = Boolean(payload.issue?.pull_request);
      if (cmd.name === 'review' && !isPullRequest)
        return { kind: 'skip', reason: '/distiq review works on pull requests' };
      return {
        kind: cmd.name,
        source: 'comment',
        number: payload.issue.number,
        isPullRequest,
        commentId: payload.comment.id,
        actor: payload.comment.user?.login ?? '',
        actorType: payload.comment.user?.type ?? 'Unknown',
        ...(cmd.budgetUsd ? { budgetUsd: cmd.budgetUsd } : {}),
        problems: cmd.problems,
        body: payload.issue?.body ?? '',
        title: payload.issue?.title ?? '',
      };
    }
    case 'pull_request':
    case 'pull_request_target': {
      if (!allow('review'))
        return { kind: 'skip', reason: `command "${opts.command}" does not run on pull_request` };
      if (!['opened', 'synchronize', 'reopened', 'ready_for_review'].includes(payload.action))
        return { kind: 'skip', reason: `pull_request ${payload.action} is not reviewed` };
      const pr = payload.pull_request;
      if (pr?.head?.ref?.startsWith(opts.branchPrefix))
        return { kind: 'skip', reason: `the pull request is distiq's own (${pr.head.ref})` };
      return {
        kind: 'review',
        source: 'pull_request',
        number: payload.number ?? pr.number,
        headSha: pr.head.sha,
      };
    }
    default:
      return {
        kind: 'skip',
        reason: `event ${eventName} is not one distiq handles (workflow_run, issue_comment, pull_request)`,
      };
  }
}
