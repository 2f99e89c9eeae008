/**
 * People as HR names them: the display name and employee id of a SCIM payload, and why Entra refused them in
 * HR words. Shared by the comparison (people who failed last time) and the results of an upload.
 */
import { isManagerReference, managerIdOf } from '@scimport/core';
import { t } from '@scimport/messages';

export { isManagerReference, managerIdOf };

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The name a person goes by in the payload: displayName, else given + family name, else the sign-in name. */
export function displayNameOf(data: Record<string, unknown>): string | undefined {
  if (typeof data.displayName === 'string' && data.displayName.trim() !== '') return data.displayName;
  const name = data.name as { givenName?: unknown; familyName?: unknown } | undefined;
  const parts = [name?.givenName, name?.familyName].filter((p): p is string => typeof p === 'string' && p.trim() !== '');
  if (parts.length) return parts.join(' ');
  return typeof data.userName === 'string' ? data.userName : undefined;
}

/** The employee id HR knows: the enterprise employeeNumber when mapped, else the externalId (Entra matches it to employeeId). */
export function employeeIdOf(data: Record<string, unknown>): string | undefined {
  const enterprise = data[ENTERPRISE] as { employeeNumber?: unknown } | undefined;
  const number = enterprise?.employeeNumber;
  if ((typeof number === 'string' && number.trim() !== '') || typeof number === 'number') return String(number);
  const id = data.externalId;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** What a person's card shows: their name and employee id, and their manager's id for explaining a failure. */
export interface PersonInfo {
  displayName?: string;
  employeeId?: string;
  managerId?: string;
}

export function personOf(data: Record<string, unknown>): PersonInfo {
  const displayName = displayNameOf(data);
  const employeeId = employeeIdOf(data);
  const managerId = managerIdOf(data);
  return { ...(displayName ? { displayName } : {}), ...(employeeId ? { employeeId } : {}), ...(managerId ? { managerId } : {}) };
}

/**
 * Entra's refusal said for HR: a manager reference gets the catalogue's explanation naming the manager;
 * anything else keeps Entra's own reason (already a sentence), or undefined when there is none.
 */
export function explainFailure(failure: { errorCode?: string | undefined; reason?: string | undefined }, managerId: string | undefined): string | undefined {
  if (isManagerReference(failure.errorCode)) {
    return managerId ? t('services.failure.manager', { managerId }) : t('services.failure.managerUnknown');
  }
  return failure.reason;
}
