/** Mapping profiles: the JSON Schema, checking (including the refusal of secrets), loading and saving. */
export type * from './types';
export { PROFILE_FORMAT_VERSION, PROFILE_JSON_SCHEMA } from './schema';
export { parseProfile } from './parse';
export { findSecrets } from './secrets';
export type { SecretFinding } from './secrets';
export { loadProfile, saveProfile } from './io';
export type { SaveProfileOptions } from './io';
export { DEFAULT_FEED, deriveFeedName, feedOf, isFeedDerived, normalizeFeed } from './feed';
