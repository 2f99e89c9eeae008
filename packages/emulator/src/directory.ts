import { randomUUID } from 'node:crypto';
import { controlCharacterProblem, signInNameProblem } from './domains';
import { entraProperties, keepWorkEntries } from './entra-names';
import { ENTERPRISE_USER_URN, getCI, isRecord } from './scim';
import type { EmulatedUser, ProvisioningAction, ProvisioningErrorInfo, ProvisioningLogEntry, ProvisioningStatus, ProvisioningStep } from './types';
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
  process(ops: BulkOperation[], ctx: ProcessContext): RunOutcome {
    const cycleId = randomUUID();
    const outcome: RunOutcome = { imported: ops.length, exported: 0, escrowed: 0, cycleId };
    const stamp = new Date(ctx.now).toISOString();
    for (const op of ops) {
      const entry = this.apply(op, stamp, ctx.verifiedDomains);
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
          tenantId: ctx.tenantId,
          jobId: ctx.jobId,
          cycleId,
          changeId: randomUUID(),
          // A steady figure per step, so runs compare; Entra reports the real time taken.
          durationInMilliseconds: 40 + 15 * entry.provisioningSteps.length,
          initiatedBy: { id: '', displayName: 'Microsoft Entra provisioning service', initiatorType: 'system' },
          servicePrincipal: { id: ctx.servicePrincipalId, displayName: SANDBOX_APP_NAME },
          sourceSystem: { id: SOURCE_SYSTEM_ID, displayName: 'API', details: {} },
          targetSystem: {
            id: TARGET_SYSTEM_ID,
            displayName: 'Entra ID',
            details: { ApplicationId: ctx.clientId, ServicePrincipalId: ctx.servicePrincipalId, ServicePrincipalDisplayName: SANDBOX_APP_NAME },
          },
          ...entry,
        },
      });
    }
    if (this.logEntries.length > MAX_LOG_ENTRIES) this.logEntries.splice(0, this.logEntries.length - MAX_LOG_ENTRIES);
    return outcome;
  }

  private apply(op: BulkOperation, stamp: string, verifiedDomains: string[] | undefined): UserOutcome {
    const { externalId } = op;
    // Only work-type emails, addresses and phone numbers reach Entra; the rest is dropped and shown as skipped.
    const { data, skipped } = keepWorkEntries(op.data);
    const existing = this.users.get(externalId);
    const displayName = describeUser(data);
    const userName = getCI(data, 'userName') as string | undefined;
    const active = getCI(data, 'active') as boolean | undefined;
    const steps: ProvisioningStep[] = [
      step('EntryImport', 'import', 'success', `Received user '${externalId}' from the API.`, { externalId, ...(userName !== undefined ? { userName } : {}) }),
    ];
    if (skipped.length > 0) {
      steps.push(
        step(
          'EntryImportSkippedValues',
          'processing',
          'skipped',
          `Ignored ${skipped.length} ${skipped.length === 1 ? 'entry' : 'entries'} of a type other than 'work': Entra processes only work addresses, emails and phone numbers.`,
          Object.fromEntries(skipped.map((v) => [v.path, v.value])),
        ),
      );
    }
    steps.push(
      step(
        'EntryMatching',
        'matching',
        'success',
        existing
          ? `Matched user '${externalId}' to the existing user ${existing.id} (externalId = employeeId).`
          : `No user with employeeId '${externalId}' exists; a new user will be created.`,
        { MatchingAttribute: 'employeeId', MatchingValue: externalId },
      ),
    );
    const base = {
      sourceIdentity: { id: externalId, identityType: 'User', details: {}, ...(displayName ? { displayName } : {}) },
      targetIdentity: { identityType: 'User', details: {}, ...(existing ? { id: existing.id } : {}), ...(displayName ? { displayName } : {}) } as ProvisioningLogEntry['targetIdentity'],
    };
    const action: ProvisioningAction = existing ? 'update' : 'create';
    const fail = (stepName: string, stepType: ProvisioningStep['provisioningStepType'], description: string, error: ProvisioningErrorInfo): UserOutcome => {
      steps.push(step(stepName, stepType, 'failure', description, { ErrorCode: error.errorCode }));
      return {
        ...base,
        provisioningAction: action,
        provisioningStatusInfo: { status: 'failure', errorInformation: error },
        modifiedProperties: [],
        provisioningSteps: steps,
      };
    };

    if (userName !== undefined) {
      const refused = signInNameProblem(userName, externalId, verifiedDomains);
      if (refused) {
        return fail('EntryExport', 'export', `Entra refused the userPrincipalName '${userName}'.`, {
          errorCode: refused.errorCode,
          reason: refused.reason,
          additionalDetails: `The job would have ${action === 'create' ? 'created' : 'updated'} the user with userPrincipalName '${userName}'.`,
          errorCategory: 'failure',
          recommendedAction: refused.recommendedAction,
        });
      }
      const holderId = this.upnIndex.get(userName.toLowerCase());
      const holder = holderId === undefined || holderId === externalId ? undefined : this.users.get(holderId);
      if (holder) {
        return fail('EntryExport', 'export', `userPrincipalName '${userName}' is already taken.`, {
          errorCode: 'AzureActiveDirectoryConflictEntry',
          reason: `ObjectConflict: the userPrincipalName '${userName}' of user '${externalId}' is already used by the user with externalId '${holder.externalId}'.`,
          additionalDetails: `Conflicting object: the user with employeeId '${holder.externalId}' (${holder.id}).`,
          errorCategory: 'failure',
          recommendedAction: `Give user '${externalId}' a unique userName, or correct the externalId if both rows are the same person.`,
        });
      }
    }

    // After the sign-in name, so a control character in the userName is reported as Entra does: an invalid UPN.
    const control = controlCharacterProblem(data, externalId);
    if (control) {
      return fail('EntryExport', 'export', `Entra refused a value of user '${externalId}' that holds a control character.`, {
        errorCode: control.errorCode,
        reason: control.reason,
        additionalDetails: `The job would have ${action === 'create' ? 'created' : 'updated'} the user; Entra stores no text with control characters.`,
        errorCategory: 'failure',
        recommendedAction: control.recommendedAction,
      });
    }
    const managerId = managerExternalId(data);
    const managerResolved = managerId === undefined || managerId === externalId || this.users.has(managerId);
    const enabled = active ?? existing?.accountEnabled ?? true;
    const oldFlat = existing ? entraProperties(existing.attributes) : new Map<string, string>();
    const newFlat = entraProperties(data);
    const modified: ProvisioningLogEntry['modifiedProperties'] = [];
    for (const [key, after] of newFlat) {
      if (key === 'accountEnabled' || key === 'manager') continue; // judged below, on what Entra holds
      const before = oldFlat.get(key) ?? null;
      if (before !== after) modified.push({ displayName: key, oldValue: before, newValue: after });
    }
    for (const [key, before] of oldFlat) {
      if (key !== 'accountEnabled' && key !== 'manager' && !newFlat.has(key)) modified.push({ displayName: key, oldValue: before, newValue: null });
    }
    // The reference may resolve now although the data is the same as last time (the manager arrived since).
    if (managerResolved && managerId !== existing?.managerExternalId && managerId !== undefined) {
      modified.push({ displayName: 'manager', oldValue: existing?.managerExternalId ?? null, newValue: managerId });
    }
    if (existing ? existing.accountEnabled !== enabled : active !== undefined) {
      modified.push({ displayName: 'accountEnabled', oldValue: existing ? String(existing.accountEnabled) : null, newValue: String(enabled) });
    }

    if (existing && modified.length === 0 && managerResolved) {
      steps.push(step('EntryExport', 'export', 'skipped', 'The user already has these values; nothing was written.', {}));
      return {
        ...base,
        provisioningAction: 'other',
        provisioningStatusInfo: {
          status: 'skipped',
          errorInformation: {
            errorCode: 'RedundantExport',
            reason: `No change: user '${externalId}' already has these values.`,
            additionalDetails: null,
            errorCategory: 'success',
            recommendedAction: null,
          },
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
    steps.push(
      step('EntryExport', 'export', 'success', `${finalAction === 'create' ? 'Created' : finalAction === 'disable' ? 'Disabled' : 'Updated'} user ${user.id}.`, {
        TargetObjectId: user.id,
        ...(upn !== undefined ? { userPrincipalName: upn } : {}),
      }),
    );
    let status: ProvisioningStatus = 'success';
    let errorInformation: ProvisioningErrorInfo | undefined;
    if (!managerResolved) {
      status = 'failure';
      steps.push(step('ReferenceResolution', 'referenceResolution', 'failure', `Manager '${managerId}' was not found.`, { ReferenceAttribute: 'manager', ReferenceValue: managerId ?? '' }));
      errorInformation = {
        errorCode: 'UnableToResolveReferenceAttributeValue',
        reason: `The manager of user '${externalId}' could not be set: no user with externalId '${managerId}' has been provisioned by this job.`,
        additionalDetails: 'The user was written without the manager; the reference is retried when the user is sent again.',
        errorCategory: 'failure',
        recommendedAction: `Upload the manager (externalId '${managerId}') first, or in the same request before this user, then upload user '${externalId}' again.`,
      };
    } else if (managerId !== undefined) {
      steps.push(step('ReferenceResolution', 'referenceResolution', 'success', `Manager '${managerId}' resolved.`, { ReferenceAttribute: 'manager', ReferenceValue: managerId }));
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

type UserOutcome = Pick<ProvisioningLogEntry, 'sourceIdentity' | 'targetIdentity' | 'provisioningAction' | 'provisioningStatusInfo' | 'modifiedProperties' | 'provisioningSteps'>;

/** What processing needs to know of the job and tenant. */
export interface ProcessContext {
  jobId: string;
  tenantId: string;
  servicePrincipalId: string;
  clientId: string;
  /** Lower-cased; undefined = userNames are not checked against domains. */
  verifiedDomains?: string[] | undefined;
  now: number;
  visibleAt: number;
}

/** The provisioning app's name in the sandbox (Entra shows the enterprise app's display name). */
export const SANDBOX_APP_NAME = 'scimport sandbox (API-driven provisioning to Entra ID)';
const SOURCE_SYSTEM_ID = '5c1a0000-0000-4000-8000-0000000000a0';
const TARGET_SYSTEM_ID = '5c1a0000-0000-4000-8000-0000000000b0';

/** Graph's provisioningStep (Graph reference provisioningstep: name, provisioningStepType, status, description, details). */
function step(name: string, type: ProvisioningStep['provisioningStepType'], status: ProvisioningStatus, description: string, details: Record<string, string>): ProvisioningStep {
  return { name, provisioningStepType: type, status, description, details };
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
