import { Git } from '../git.js';
import type { OctokitClient, RepoRef } from './client.js';
import { deliverPullRequest, type Delivery } from './deliver.js';

// The GitHub forge of one repository: everything distiq hands to GitHub goes through `deliver`,
// which redacts every text it sends (one choke point for secrets on the way out).

/** What a job hands to GitHub: its result, already rendered (cost table included) by report/. */
export type Deliverable =
  | {
      /** fix / implement / merge: the proven files on distiq's branch, and a PR. */
      kind: 'pull-request';
      files: string[];
      runId: string;
      /** distiq's branch, e.g. distiq/implement-42: deterministic, so a re-run updates the same PR. */
      branch: string;
      /** The branch the PR targets; the checkout's current branch when not given. */
      base?: string;
      title: string;
      body: string;
      /** The title when not given. */
      commitMessage?: string;
    }
  | {
      /** review: one review with inline comments on lines of the diff. */
      kind: 'review';
      pr: number;
      commitId: string;
      body: string;
      comments: { path: string; line: number; body: string }[];
    }
  | {
      /** a failure, a refusal or a reply: one comment on an issue or PR thread. */
      kind: 'comment';
      issue: number;
      body: string;
    };

export interface Posted {
  id: number;
  url: string;
}

export type Delivered<D extends Deliverable> = D extends { kind: 'pull-request' }
  ? Delivery
  : Posted;

export interface GitHubOptions {
  octokit: OctokitClient;
  repo: RepoRef;
  /** The checkout a pull request is committed from. */
  root: string;
  /** Every text sent to GitHub passes through it. */
  redact: (s: string) => string;
  /** distiq pushes only to branches under it (config github.branchPrefix). */
  branchPrefix: string;
  /** Known from the event payload in the Action; asked of the API when not given. */
  defaultBranch?: string;
  /** Token for the push (Actions: checkout with persist-credentials: false). */
  pushToken?: string;
  serverUrl?: string;
}

export class GitHub {
  readonly octokit: OctokitClient;
  readonly repo: RepoRef;
  private defaultBranchName: string | undefined;

  constructor(private readonly o: GitHubOptions) {
    this.octokit = o.octokit;
    this.repo = o.repo;
    this.defaultBranchName = o.defaultBranch;
  }

  async defaultBranch(): Promise<string> {
    if (this.defaultBranchName === undefined) {
      const { data } = await this.octokit.rest.repos.get({ ...this.repo });
      this.defaultBranchName = data.default_branch;
    }
    return this.defaultBranchName;
  }

  /** Hands one result to GitHub: a branch and PR, a review, or a comment. */
  async deliver<D extends Deliverable>(d: D): Promise<Delivered<D>> {
    return (await this.deliverAny(d)) as Delivered<D>;
  }

  private async deliverAny(d: Deliverable): Promise<Delivery | Posted> {
    const redact = this.o.redact;
    switch (d.kind) {
      case 'pull-request': {
        // The base is read before the default branch, as the CLI always did.
        const base = d.base ?? (await new Git(this.o.root).branch());
        return deliverPullRequest({
          gh: this.octokit,
          repo: this.repo,
          root: this.o.root,
          branch: d.branch,
          branchPrefix: this.o.branchPrefix,
          base,
          defaultBranch: await this.defaultBranch(),
          files: d.files,
          title: redact(d.title),
          body: redact(d.body),
          commitMessage: redact(d.commitMessage ?? d.title),
          runId: d.runId,
          pushToken: this.o.pushToken,
          serverUrl: this.o.serverUrl,
        });
      }
      case 'review': {
        const { data } = await this.octokit.rest.pulls.createReview({
          ...this.repo,
          pull_number: d.pr,
          commit_id: d.commitId,
          event: 'COMMENT',
          body: redact(d.body),
          comments: d.comments.map((c) => ({
            path: c.path,
            line: c.line,
            side: 'RIGHT' as const,
            body: redact(c.body),
          })),
        });
        return { id: data.id, url: data.html_url };
      }
      case 'comment': {
        const { data } = await this.octokit.rest.issues.createComment({
          ...this.repo,
          issue_number: d.issue,
          body: redact(d.body),
        });
        return { id: data.id, url: data.html_url };
      }
    }
  }
}
