import { randomUUID } from 'node:crypto';
import { ENTERPRISE_USER_URN, getCI, isRecord } from './scim';
import type { EmulatedUser, ProvisioningAction, ProvisioningLogEntry, ProvisioningStatus } from './types';
import type { RunOutcome } from './job';
import type { BulkOperation } from './validate';

/** A log entry with what the emulator needs to page and delay it. */
export interface StoredLog {
  seq: number;
  visibleAt: number;
  entry: ProvisioningLogEntry;
}

/** Entries kept (oldest dropped first): bounds memory and the sandbox state file, like Entra's log retention. */
export const MAX_LOG_ENTRIES = 20_000;

export interface DirectoryState {
  users: EmulatedUser[];
  logs: StoredLog[];
  seq: number;
}

/**
 * The emulated tenant's users (keyed by externalId) and the provisioning log. Processing mirrors what the
 * API2AAD job does with one BulkRequest: each operation is an upsert and yields exactly one log entry.
 */
export class Directory {
  private users = new Map<string, EmulatedUser>();
  /**
   * Lower-cased userPrincipalName → externalId of its holder. The uniqueness check runs for every operation, so it
   * must not scan the users: a 20,000-user upload would otherwise cost O(n²) and slow every reply.
   */
  private upnIndex = new Map<string, string>();
  private logEntries: StoredLog[] = [];
  private seq = 0;

  load(state: DirectoryState): void {
    this.users = new Map(state.users.map((u) => [u.externalId, u]));
    this.upnIndex = new Map();
    for (const user of this.users.values()) this.indexUpn(user);
    this.logEntries = state.logs;
    this.seq = state.seq;
  }

  snapshot(): DirectoryState {
    return { users: [...this.users.values()], logs: this.logEntries, seq: this.seq };
  }

  clear(): void {
    this.users.clear();
    this.upnIndex.clear();
    this.logEntries = [];
  }

  userCount(): number {
    return this.users.size;
  }

  listUsers(): EmulatedUser[] {
    return [...this.users.values()]
      .map((u) => structuredClone(u))
      .sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
  }

  /** Visible entries, oldest first. */
  visibleLogs(now: number): StoredLog[] {
    return this.logEntries.filter((l) => l.visibleAt <= now);
  }

  /** Forget every user (a full reset of the job); the provisioning log stays, as an audit log does. Returns how many. */
  forgetUsers(): number {
    const count = this.users.size;
    this.users.clear();
    this.upnIndex.clear();
    return count;
  }

  private indexUpn(user: EmulatedUser): void {
    const key = upnKey(user);
    // A state file from before the check could hold a duplicate: the first holder keeps the name.
    if (key !== undefined && !this.upnIndex.has(key)) this.upnIndex.set(key, user.externalId);
  }

  /** Keep the index in step when a user is written: a changed userName frees the old name. */
  private reindexUpn(before: EmulatedUser | undefined, after: EmulatedUser): void {
    const oldKey = upnKey(before);
    const newKey = upnKey(after);
    if (oldKey === newKey) return;
    if (oldKey !== undefined && this.upnIndex.get(oldKey) === after.externalId) this.upnIndex.delete(oldKey);
    if (newKey !== undefined) this.upnIndex.set(newKey, after.externalId);
  }

  /**
   * Apply one BulkRequest as one cycle; returns what the job's run summary counts. The directory keeps the
   * operations' `data` objects as the users' attributes (no copy: a 50-user request is processed on every call),
   * so the caller must not change them afterwards; listUsers() hands out copies.
   */
  process(ops: BulkOperation[], ctx: { jobId: string; servicePrincipalId: string; now: number; visibleAt: number }): RunOutcome {
    const cycleId = randomUUID();
    const outcome: RunOutcome = { imported: ops.length, exported: 0, escrowed: 0, cycleId };
    const stamp = new Date(ctx.now).toISOString();
    for (const op of ops) {
      const entry = this.apply(op, stamp);
      if (entry.provisioningSteps.some((s) => s.name === 'EntryExport' && s.status === 'success')) outcome.exported += 1;
      if (entry.provisioningStatusInfo.status === 'failure') {
        outcome.escrowed += 1;
        outcome.firstFailure ??= { errorCode: entry.provisioningStatusInfo.errorInformation?.errorCode ?? 'Unknown', externalId: op.externalId };
      }
      this.logEntries.push({
        seq: ++this.seq,
        visibleAt: ctx.visibleAt,
        entry: {
          id: randomUUID(),
          activityDateTime: stamp,
          jobId: ctx.jobId,
          cycleId,
          changeId: randomUUID(),
          servicePrincipal: { id: ctx.servicePrincipalId },
          ...entry,
        },
      });
    }
    if (this.logEntries.length > MAX_LOG_ENTRIES) this.logEntries.splice(0, this.logEntries.length - MAX_LOG_ENTRIES);
    return outcome;
  }

  private apply(op: BulkOperation, stamp: string): Omit<ProvisioningLogEntry, 'id' | 'activityDateTime' | 'jobId' | 'cycleId' | 'changeId' | 'servicePrincipal'> {
    const { data, externalId } = op;
    const existing = this.users.get(externalId);
    const displayName = describeUser(data);
    const userName = getCI(data, 'userName') as string | undefined;
    const active = getCI(data, 'active') as boolean | undefined;
    const steps: ProvisioningLogEntry['provisioningSteps'] = [
      { name: 'EntryImport', status: 'success', description: `Received user '${externalId}' from the API.` },
      {
        name: 'EntryMatching',
        status: 'success',
        description: existing
          ? `Matched user '${externalId}' to the existing user ${existing.id} (externalId = employeeId).`
          : `No user with employeeId '${externalId}' exists; a new user will be created.`,
      },
    ];
    const base = {
      sourceIdentity: { id: externalId, ...(displayName ? { displayName } : {}) },
      targetIdentity: { ...(existing ? { id: existing.id } : {}), ...(displayName ? { displayName } : {}) },
    };
    const action: ProvisioningAction = existing ? 'update' : 'create';

    if (userName !== undefined) {
      const holderId = this.upnIndex.get(userName.toLowerCase());
      const holder = holderId === undefined || holderId === externalId ? undefined : this.users.get(holderId);
      if (holder) {
        steps.push({ name: 'EntryExport', status: 'failure', description: `userPrincipalName '${userName}' is already taken.` });
        return {
          ...base,
          provisioningAction: action,
          provisioningStatusInfo: {
            status: 'failure',
            errorInformation: {
              errorCode: 'AzureActiveDirectoryConflictEntry',
              reason: `ObjectConflict: the userPrincipalName '${userName}' of user '${externalId}' is already used by the user with externalId '${holder.externalId}'.`,
              recommendedAction: `Give user '${externalId}' a unique userName, or correct the externalId if both rows are the same person.`,
            },
          },
          modifiedProperties: [],
          provisioningSteps: steps,
        };
      }
    }

    const managerId = managerExternalId(data);
    const managerResolved = managerId === undefined || managerId === externalId || this.users.has(managerId);
    const enabled = active ?? existing?.accountEnabled ?? true;
    const oldFlat = existing ? flatten(existing.attributes) : new Map<string, string>();
    const newFlat = flatten(data);
    const modified: ProvisioningLogEntry['modifiedProperties'] = [];
    for (const [key, after] of newFlat) {
      const before = oldFlat.get(key) ?? null;
      if (before !== after) modified.push({ displayName: key, oldValue: before, newValue: after });
    }
    for (const [key, before] of oldFlat) if (!newFlat.has(key)) modified.push({ displayName: key, oldValue: before, newValue: null });
    // The reference may resolve now although the data is the same as last time (the manager arrived since).
    if (existing && managerResolved && managerId !== existing.managerExternalId) {
      modified.push({ displayName: 'manager', oldValue: existing.managerExternalId ?? null, newValue: managerId ?? null });
    }
    if (existing && existing.accountEnabled !== enabled) {
      modified.push({ displayName: 'accountEnabled', oldValue: String(existing.accountEnabled), newValue: String(enabled) });
    }

    if (existing && modified.length === 0 && managerResolved) {
      steps.push({ name: 'EntryExport', status: 'skipped', description: 'The user already has these values; nothing was written.' });
      return {
        ...base,
        provisioningAction: 'other',
        provisioningStatusInfo: {
          status: 'skipped',
          errorInformation: { errorCode: 'RedundantExport', reason: `No change: user '${externalId}' already has these values.` },
        },
        modifiedProperties: [],
        provisioningSteps: steps,
      };
    }

    const user: EmulatedUser = {
      externalId,
      id: existing?.id ?? randomUUID(),
      accountEnabled: enabled,
      attributes: data, // owned from here on: see process()
      createdAt: existing?.createdAt ?? stamp,
      updatedAt: stamp,
    };
    const upn = userName ?? existing?.userPrincipalName;
    if (upn !== undefined) user.userPrincipalName = upn;
    // An unresolved reference leaves the previous manager in place (a new user simply has none).
    const manager = managerResolved ? managerId : existing?.managerExternalId;
    if (manager !== undefined) user.managerExternalId = manager;
    this.users.set(externalId, user);
    this.reindexUpn(existing, user);
    base.targetIdentity.id = user.id;

    const finalAction: ProvisioningAction = existing && existing.accountEnabled && !enabled ? 'disable' : action;
    steps.push({
      name: 'EntryExport',
      status: 'success',
      description: `${finalAction === 'create' ? 'Created' : finalAction === 'disable' ? 'Disabled' : 'Updated'} user ${user.id}.`,
    });
    let status: ProvisioningStatus = 'success';
    let errorInformation: ProvisioningLogEntry['provisioningStatusInfo']['errorInformation'];
    if (!managerResolved) {
      status = 'failure';
      steps.push({ name: 'ReferenceResolution', status: 'failure', description: `Manager '${managerId}' was not found.` });
      errorInformation = {
        errorCode: 'UnableToResolveReferenceAttributeValue',
        reason: `The manager of user '${externalId}' could not be set: no user with externalId '${managerId}' has been provisioned by this job.`,
        recommendedAction: `Upload the manager (externalId '${managerId}') first, or in the same request before this user, then upload user '${externalId}' again.`,
      };
    } else if (managerId !== undefined) {
      steps.push({ name: 'ReferenceResolution', status: 'success', description: `Manager '${managerId}' resolved.` });
    }
    return {
      ...base,
      provisioningAction: finalAction,
      provisioningStatusInfo: errorInformation ? { status, errorInformation } : { status },
      modifiedProperties: modified,
      provisioningSteps: steps,
    };
  }
}

function upnKey(user: EmulatedUser | undefined): string | undefined {
  return user?.userPrincipalName?.toLowerCase();
}

function managerExternalId(data: Record<string, unknown>): string | undefined {
  const enterprise = getCI(data, ENTERPRISE_USER_URN);
  if (!isRecord(enterprise)) return undefined;
  const manager = getCI(enterprise, 'manager');
  if (!isRecord(manager)) return undefined;
  const value = getCI(manager, 'value');
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function describeUser(data: Record<string, unknown>): string | undefined {
  const displayName = getCI(data, 'displayName');
  if (typeof displayName === 'string' && displayName !== '') return displayName;
  const name = getCI(data, 'name');
  if (isRecord(name)) {
    const parts = [getCI(name, 'givenName'), getCI(name, 'familyName')].filter((p): p is string => typeof p === 'string' && p !== '');
    if (parts.length > 0) return parts.join(' ');
  }
  const userName = getCI(data, 'userName');
  return typeof userName === 'string' ? userName : undefined;
}

/** Paths (`name.givenName`, `urn:…:User:manager.value`) to string values, for modifiedProperties. Arrays compare whole. */
function flatten(value: Record<string, unknown>, prefix = '', separator = '', out = new Map<string, string>()): Map<string, string> {
  for (const [key, v] of Object.entries(value)) {
    if (prefix === '' && key.toLowerCase() === 'schemas') continue;
    const path = prefix === '' ? key : `${prefix}${separator}${key}`;
    if (isRecord(v)) flatten(v, path, prefix === '' && key.toLowerCase().startsWith('urn:') ? ':' : '.', out);
    else if (v !== undefined && v !== null) out.set(path, typeof v === 'string' ? v : JSON.stringify(v));
  }
  return out;
}
