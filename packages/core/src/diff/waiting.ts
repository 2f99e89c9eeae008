/**
 * People who failed last time because Entra could not find their manager, and whose manager is still not in
 * Entra: sending them again unchanged would fail the same way and spend calls, so they wait until their
 * manager is sent or accepted (or their own row changes). They stay in view as waiting, never dropped.
 */
import { SCIM_ENTERPRISE_USER, type ScimUser } from '../types';
import type { DiffRecord } from './diff';

/**
 * Entra's error codes for a reference it could not resolve (UnableToResolveReferenceAttributeValue and its
 * kin): in API-driven user provisioning the manager is the only reference attribute.
 */
const MANAGER_REFERENCE = /reference/i;

export function isManagerReference(errorCode: string | undefined): boolean {
  return errorCode !== undefined && MANAGER_REFERENCE.test(errorCode);
}

/** The manager's externalId in a payload, if any. */
export function managerIdOf(data: ScimUser | Record<string, unknown> | undefined): string | undefined {
  const enterprise = data?.[SCIM_ENTERPRISE_USER] as { manager?: { value?: unknown } } | undefined;
  const value = enterprise?.manager?.value;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** Sent again only because the last upload failed: unchanged since the snapshot. */
export function isRetryOnly(record: DiffRecord): boolean {
  return record.kind === 'changed' && record.retry === true && (record.changes?.length ?? 0) === 0;
}

export interface WaitingPerson {
  externalId: string;
  /** The manager's externalId Entra could not find. */
  manager: string;
}

/**
 * The retry-only people whose failure was their manager reference and whose manager is neither in Entra (in
 * the snapshot and not failed) nor sent by this upload. `presentElsewhere`: externalIds also in Entra (other feeds').
 */
export function waitingForManager(records: readonly DiffRecord[], presentElsewhere?: Iterable<string>): Map<string, WaitingPerson> {
  const candidates = new Map<string, WaitingPerson>();
  for (const record of records) {
    if (!isRetryOnly(record) || !isManagerReference(record.failure?.errorCode)) continue;
    const manager = managerIdOf(record.data);
    if (manager !== undefined) candidates.set(record.externalId, { externalId: record.externalId, manager });
  }
  if (candidates.size === 0) return candidates;
  // Whom Entra has, or will have after this upload: accepted and not failed, or sent now. Compared without
  // case, as Entra matches externalIds.
  const present = new Set<string>();
  // In Entra through another feed, whose people a feed's diff does not hold (DiffResult.feed.presentElsewhere).
  if (presentElsewhere) for (const id of presentElsewhere) present.add(id.toLowerCase());
  for (const record of records) {
    if (candidates.has(record.externalId)) continue;
    const inEntra = record.kind !== 'new' && record.retry !== true && !(record.kind === 'missing' && record.data.active === false);
    const sentNow = record.kind === 'new' || record.kind === 'changed' || record.kind === 'returning';
    if (inEntra || sentNow) present.add(record.externalId.toLowerCase());
  }
  for (const [id, person] of candidates) {
    if (present.has(person.manager.toLowerCase())) candidates.delete(id);
  }
  return candidates;
}
