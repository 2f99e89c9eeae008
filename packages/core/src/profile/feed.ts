/**
 * Feeds: the HR sources that share one provisioning job. A person belongs to the feed that last sent them,
 * so one file's run never takes another file's people for leavers. The name is kept with every person in
 * the snapshot, so it must not change by accident: it is compared without case and trimmed.
 */
import { CoreError } from '../errors';
import { FEED_NAME_MAX } from './schema';
import type { Profile } from './types';

/** The feed every profile without a usable name falls back to. */
export const DEFAULT_FEED = 'default';

/**
 * The feed name derived from a profile name: lower case, accents dropped, every run of other characters
 * turned into one "-", cut to 64 characters at a "-" where possible; "default" when nothing is left.
 * "Contractors (EU)" → "contractors-eu"; "Imported from sample1-AttributeMapping.Intern.psd1" →
 * "imported-from-sample1-attributemapping-intern-psd1". Shown to people, so they can set `feed` instead.
 */
export function deriveFeedName(profileName: string): string {
  let slug = profileName
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length > FEED_NAME_MAX) {
    const cut = slug.lastIndexOf('-', FEED_NAME_MAX);
    slug = (cut > FEED_NAME_MAX / 2 ? slug.slice(0, cut) : slug.slice(0, FEED_NAME_MAX)).replace(/-+$/, '');
  }
  return slug === '' ? DEFAULT_FEED : slug;
}

/**
 * A feed name as it is compared and stored: trimmed, lower case. Throws CoreError INVALID_ARGUMENT when
 * nothing is left (an empty feed would silently merge with no feed at all).
 */
export function normalizeFeed(feed: string): string {
  const name = feed.trim().toLowerCase();
  if (name === '') {
    throw new CoreError('INVALID_ARGUMENT', 'A feed name cannot be empty; give the profile a "feed" such as "employees", or leave it out to use one derived from the profile\'s name.', {
      location: { field: '/feed' },
    });
  }
  return name;
}

/** The feed a profile uploads: its `feed` (normalised), or the one derived from its name. */
export function feedOf(profile: Pick<Profile, 'name' | 'feed'>): string {
  return profile.feed !== undefined && profile.feed.trim() !== '' ? normalizeFeed(profile.feed) : deriveFeedName(profile.name);
}

/** True when the profile names its feed itself rather than taking the derived one (worth saying so). */
export function isFeedDerived(profile: Pick<Profile, 'feed'>): boolean {
  return profile.feed === undefined || profile.feed.trim() === '';
}
