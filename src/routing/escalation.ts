/**
 * Why a task or a review left a tier (or a provider), as a record: `from` and `to` are tier names
 * (`to` null when nothing was climbed to), `reason` says why in words. The report keeps the old
 * one-line texts too (`escalations`), made from these by `describeEscalation`.
 */
export interface Escalation {
  /** tier: moved up a tier; fallback: the next provider of the same tier; unavailable: no model
   * of the tier answered; stop: the task stopped (budget); note: a remark on the way (re-index). */
  kind: 'tier' | 'fallback' | 'unavailable' | 'stop' | 'note';
  from: string;
  to: string | null;
  reason: string;
}

/** The one-line text of a record, as reports showed it before records existed. */
export function describeEscalation(e: Escalation): string {
  switch (e.kind) {
    case 'tier':
      return `${e.from} → ${e.to}: ${e.reason}`;
    case 'fallback':
      return `provider fallback: ${e.reason}`;
    case 'unavailable':
      return `${e.from} unavailable: ${e.reason}`;
    case 'stop':
      return `stopped: ${e.reason}`;
    case 'note':
      return e.reason;
  }
}
