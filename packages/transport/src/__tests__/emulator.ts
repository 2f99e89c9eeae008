import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BulkRequest, SCIM_BULK_REQUEST, SCIM_CORE_USER, SCIM_ENTERPRISE_USER } from '@scimport/core';
import { type Emulator, type EmulatorOptions, startEmulator } from '@scimport/emulator';
import { type Credential, type CredentialConfig, createCredential } from '../auth';
import type { CloudSelection } from '../clouds';
import { GraphClient } from '../graph';
import { QuotaLedger } from '../ledger';
import { Pacer, type PacerOptions } from '../pacer';
import type { RunTarget } from '../run';

/** Emulator speed in the integration tests: a 5-second window lasts 50 ms. */
export const TIME_SCALE = 100;

export function startTestEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ timeScale: TIME_SCALE, ...options });
}

/** The emulator as a custom endpoint set (its own CA trusted). */
export function cloudOf(emu: Emulator): CloudSelection {
  return { custom: { authorityHost: emu.baseUrl, graphBaseUrl: emu.baseUrl, caPem: emu.caCertPem } };
}

export function secretConfig(emu: Emulator, overrides: Partial<CredentialConfig> = {}): CredentialConfig {
  return { kind: 'secret', tenantId: emu.tenantId, clientId: emu.clientId, clientSecret: emu.clientSecret, cloud: cloudOf(emu), ...overrides } as CredentialConfig;
}

export function targetOf(emu: Emulator): RunTarget {
  return { tenantId: emu.tenantId, servicePrincipalId: emu.servicePrincipalId, jobId: emu.jobId, cloud: 'custom' };
}

/** A paced client of the emulator, signed in with the client secret (the real MSAL path). */
export async function clientOf(
  emu: Emulator,
  options: { pacer?: PacerOptions; dataDir?: string; credential?: Credential } = {},
): Promise<GraphClient> {
  const credential = options.credential ?? (await createCredential(secretConfig(emu)));
  return new GraphClient({
    credential,
    servicePrincipalId: emu.servicePrincipalId,
    jobId: emu.jobId,
    pacer: new Pacer({ timeScale: TIME_SCALE, baseDelayMs: 200, ...options.pacer }),
    ...(options.dataDir ? { ledger: new QuotaLedger({ dataDir: options.dataDir }) } : {}),
  });
}

/** `count` HR-like users; every tenth reports to E0001 (who comes first, so the reference resolves). */
export function users(count: number, prefix = 'E'): BulkRequest['Operations'] {
  return Array.from({ length: count }, (_, i) => {
    const id = `${prefix}${String(i + 1).padStart(4, '0')}`;
    const enterprise: Record<string, unknown> = { employeeNumber: id, department: i % 2 ? 'Sales' : 'Research' };
    if (i > 0 && i % 10 === 0) enterprise.manager = { value: `${prefix}0001` };
    return {
      method: 'POST' as const,
      bulkId: String(i + 1),
      path: '/Users' as const,
      data: {
        schemas: [SCIM_CORE_USER, SCIM_ENTERPRISE_USER],
        externalId: id,
        userName: `${id.toLowerCase()}@contoso.example`,
        name: { givenName: `Given${i + 1}`, familyName: `Family${i + 1}` },
        displayName: `Given${i + 1} Family${i + 1}`,
        active: true,
        [SCIM_ENTERPRISE_USER]: enterprise,
      },
    };
  });
}

/** Split operations into bulk requests of `size` (bulkIds stay unique per request). */
export function chunked(operations: BulkRequest['Operations'], size: number): BulkRequest[] {
  const out: BulkRequest[] = [];
  for (let i = 0; i < operations.length; i += size) out.push({ schemas: [SCIM_BULK_REQUEST], Operations: operations.slice(i, i + size) });
  return out;
}

/** A scratch data folder, removed by the returned cleanup. */
export async function scratchDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'scimport-transport-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Users of the emulator without volatile fields, for comparing two tenants. */
export function comparableUsers(emu: Emulator): unknown[] {
  return emu.users().map((u) => ({ externalId: u.externalId, accountEnabled: u.accountEnabled, attributes: u.attributes, manager: u.managerExternalId }));
}
