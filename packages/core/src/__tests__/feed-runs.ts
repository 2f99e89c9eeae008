/** One feed's run as the upload workflow does it, with Entra's acceptance simulated, for feed tests. */
import { diffUsers, planUpload, Snapshot, type CurrentUser, type DiffResult, type UploadPlan } from '../diff';
import type { Profile } from '../profile/types';
import type { ScimUser } from '../types';

export interface FeedRunResult {
  diff: DiffResult;
  plan: UploadPlan;
  /** externalIds sent (operations, then disables). */
  sent: string[];
}

export interface FeedRunInput {
  feed: string;
  precedence?: number;
  current: CurrentUser[];
  profile?: Pick<Profile, 'leavers' | 'extension' | 'output'>;
  heldBack?: { externalIds: Iterable<string>; unidentified: number };
  at?: Date;
  /** Plan only: nothing is recorded (a tripped gate, or `scimport diff`). */
  dryRun?: boolean;
}

/** diff → plan → (gate passed) markFeedRun → every chunk accepted → markAccepted with the feed. */
export function runFeed(snapshot: Snapshot, input: FeedRunInput): FeedRunResult {
  const diff = diffUsers(input.current, snapshot, { feed: input.feed, ...(input.precedence !== undefined ? { precedence: input.precedence } : {}) });
  const plan = planUpload(diff, input.profile ?? { leavers: { policy: 'disable' } }, { feed: input.feed, ...(input.heldBack ? { heldBack: input.heldBack } : {}) });
  const ops = [...plan.operations, ...plan.disables];
  if (!input.dryRun && !plan.gate.tripped) {
    snapshot.markFeedRun(plan.feed!, input.at);
    snapshot.markAccepted(ops, input.at, input.feed);
  }
  return { diff, plan, sent: ops.map((op) => op.data.externalId) };
}

export function currentOf(users: readonly ScimUser[]): CurrentUser[] {
  return users.map((data, i) => ({ externalId: data.externalId as string, data, row: i + 2 }));
}
