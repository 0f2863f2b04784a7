import type { Failure } from '../../validation/failure.js';
import { parseFailures } from '../../validation/parsers/index.js';
import type { OctokitClient, RepoRef } from './client.js';

const MAX_LOG_CHARS = 2_000_000;

/**
 * The failures a failed workflow run reported, from the logs of its failed jobs: a seed for the
 * report ("what CI saw"); distiq still validates locally and trusts only its own runs.
 */
export async function failuresFromRun(
  gh: OctokitClient,
  repo: RepoRef,
  runId: number,
  root: string,
): Promise<{ jobs: string[]; failures: Failure[] }> {
  const jobs = await gh.paginate(gh.rest.actions.listJobsForWorkflowRun, {
    ...repo,
    run_id: runId,
    filter: 'latest',
    per_page: 100,
  });
  const failed = jobs.filter((j) => j.conclusion === 'failure');
  const failures: Failure[] = [];
  for (const job of failed) {
    const { data } = await gh.rest.actions.downloadJobLogsForWorkflowRun({
      ...repo,
      job_id: job.id,
    });
    // Each log line starts with a timestamp; GitHub's own "##[group]" markers are noise for parsers.
    const text = String(data)
      .slice(-MAX_LOG_CHARS)
      .replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z ?/gm, '')
      .replace(/^##\[\w+\].*$/gm, '');
    failures.push(...parseFailures(text, { root }));
  }
  return { jobs: failed.map((j) => j.name), failures };
}
