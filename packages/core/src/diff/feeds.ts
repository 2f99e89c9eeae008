/**
 * Several HR files (feeds) sharing one provisioning job. Each person belongs to the feed that last sent
 * them, so a feed's run only takes its own people for leavers; a person a new feed lists is handed over
 * to it; a person two feeds list at once is sent by the one whose profile ranks first (`precedence`).
 * The snapshot is the only memory of what the other feeds send, so this is what a run can know without
 * their files: what they last sent, and which feeds listed a person but lost.
 */
import { t } from '@scimport/messages';

/** A person changing feeds. */
export interface FeedMove {
  externalId: string;
  /** The feed they belonged to; absent for someone recorded before feeds by an upload that named none. */
  from?: string;
  to: string;
  /** Row in this run's file, for people it lists. */
  row?: number;
  /**
   * In `movedOut`: true when this run hands them over (its file no longer lists them and another feed
   * does); absent when another feed took them since this feed's last run.
   */
  handover?: boolean;
}

/** One person listed by two feeds at once, and which feed sends them. */
export interface FeedConflict {
  externalId: string;
  /** This run's feed, and the person's row in its file. */
  feed: string;
  row?: number;
  /** The other feed: the one that last sent them, or one that lists them too but lost to this feed. */
  other: string;
  /** The feed whose values are sent. The other one sends nothing for this person while both list them. */
  winner: string;
  /**
   * `precedence`: the profiles' ranks decided. `incumbent`: they did not (equal, or one or both without a
   * rank), so the feed that sent the person last keeps them — a decision that never flips by itself.
   */
  decidedBy: 'precedence' | 'incumbent';
}

/** What a run records about feeds (see `Snapshot.markFeedRun`). */
export interface FeedRun {
  feed: string;
  precedence?: number;
  /** True when this run adopts a snapshot from before feeds: everyone in it becomes this feed's. */
  adopted: boolean;
  movedIn: FeedMove[];
  movedOut: FeedMove[];
  conflicts: FeedConflict[];
  /** People this feed had claimed (listed while another feed won) and no longer lists. */
  released: string[];
}

/** The feed's view of a diff (`DiffResult.feed`, `UploadPlan.feed`). */
export interface FeedDiff extends FeedRun {
  /** How many people the adoption gives this feed (0 unless `adopted`). */
  adoptedCount: number;
  /** Denominator of the safety gate: this feed's own people the last upload left active (or failed). */
  base: number;
  /** People other feeds own and this file does not list: never leavers of this feed. */
  others: number;
  /** The other feeds the snapshot knows, by name. */
  otherFeeds: string[];
  /**
   * True on the first upload of this feed to a job other feeds already use: say once that Microsoft also
   * supports one provisioning app per HR source (`feedMessages` does), and that feeds share one.
   */
  secondFeed: boolean;
  /**
   * Managers of people waiting for their manager who are in Entra through another feed (so those people
   * need not wait); see `waitingForManager`.
   */
  presentElsewhere: string[];
}

/**
 * Which of two feeds sends a person both list: the lower rank wins (1 before 2), a rank before none; on a
 * tie the incumbent (the feed that sent them last) keeps them, so the decision depends only on the ranks
 * and never toggles between runs.
 */
export function decideConflict(challenger: string, challengerRank: number | undefined, incumbent: string, incumbentRank: number | undefined): Pick<FeedConflict, 'winner' | 'decidedBy'> {
  if (challengerRank !== incumbentRank) {
    if (incumbentRank === undefined || (challengerRank !== undefined && challengerRank < incumbentRank)) return { winner: challenger, decidedBy: 'precedence' };
    return { winner: incumbent, decidedBy: 'precedence' };
  }
  return { winner: incumbent, decidedBy: 'incumbent' };
}

const LISTED = 5;

function list(moves: readonly FeedMove[], side: 'from' | 'to'): string {
  const shown = moves.slice(0, LISTED).map((m) => t('finding.feed.move', { person: m.externalId, feed: m[side] ?? t('finding.feed.noFeed') }));
  if (moves.length > LISTED) shown.push(t('finding.feed.more', { count: moves.length - LISTED }));
  return shown.join(', ');
}

/** Options of `feedMessages`. */
export interface FeedMessageOptions {
  /** The profile has no `feed` of its own (`isFeedDerived`): say which name was derived, once per run. */
  derived?: boolean;
  /** Conflicts told one by one; the rest are counted. Default 20. */
  maxConflicts?: number;
}

/**
 * The sentences a person should read about a feed's diff or plan, from the message catalogue: the derived
 * feed name, adoption, the second-feed note, moves in and out, and one per conflict.
 */
export function feedMessages(feed: FeedDiff, options: FeedMessageOptions = {}): string[] {
  const maxConflicts = options.maxConflicts ?? 20;
  const out: string[] = [];
  if (options.derived) out.push(t('finding.feed.derived', { feed: feed.feed }));
  if (feed.adopted) out.push(t('finding.feed.adopted', { feed: feed.feed, count: feed.adoptedCount }));
  if (feed.secondFeed) out.push(t('finding.feed.secondFeed', { feed: feed.feed, others: feed.otherFeeds.map((f) => `"${f}"`).join(', '), count: feed.otherFeeds.length }));
  if (feed.movedIn.length > 0) out.push(t('finding.feed.movedIn', { feed: feed.feed, count: feed.movedIn.length, list: list(feed.movedIn, 'from') }));
  if (feed.movedOut.length > 0) out.push(t('finding.feed.movedOut', { feed: feed.feed, count: feed.movedOut.length, list: list(feed.movedOut, 'to') }));
  for (const c of feed.conflicts.slice(0, maxConflicts)) {
    out.push(t('finding.feed.conflict', {
      person: c.externalId,
      feed: c.feed,
      hasRow: c.row !== undefined ? 'yes' : 'no',
      row: c.row ?? '',
      other: c.other,
      winner: c.winner,
      decidedBy: c.decidedBy,
    }));
  }
  if (feed.conflicts.length > maxConflicts) out.push(t('finding.feed.moreConflicts', { count: feed.conflicts.length - maxConflicts }));
  return out;
}
