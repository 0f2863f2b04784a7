export type CommandName = 'implement' | 'fix' | 'review';

export interface CommentCommand {
  name: CommandName;
  /** --budget from the comment, capped by the config later; nothing else can be overridden. */
  budgetUsd?: number;
  /** Problems with the arguments, reported back to the commenter. */
  problems: string[];
}

/**
 * `/distiq implement`, `/distiq fix`, `/distiq review` at the start of a line, with `--budget N`
 * as the only option a comment may give (endpoints, keys, models and permissions come from config).
 */
export function parseCommentCommand(body: string): CommentCommand | null {
  const m = /^\s*\/distiq\s+(implement|fix|review)\b([^\n]*)$/m.exec(body);
  if (!m) return null;
  const problems: string[] = [];
  const args = m[2]!.trim().split(/\s+/).filter(Boolean);
  let budgetUsd: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.split('=', 2);
    if (flag === '--budget') {
      const v = Number(inline ?? args[++i]);
      if (Number.isFinite(v) && v > 0) budgetUsd = v;
      else
        problems.push(
          `--budget needs a positive number of USD, got ${JSON.stringify(inline ?? args[i] ?? '')}`,
        );
    } else
      problems.push(`unknown option ${JSON.stringify(a)} (only --budget is accepted in comments)`);
  }
  return { name: m[1] as CommandName, ...(budgetUsd !== undefined ? { budgetUsd } : {}), problems };
}
