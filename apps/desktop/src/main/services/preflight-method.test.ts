import { describe, expect, it } from 'vitest';
import type { PreflightReport } from '@scimport/transport';
import { preflightView } from './job';

// The sign-in method line is said in the app's words from the catalogue, not the transport's log sentence.

function report(method: NonNullable<PreflightReport['checks'][number]['method']>): PreflightReport {
  return { ok: true, checks: [{ id: 'signInMethod', title: 'Sign-in method', status: 'pass', sentence: 'transport words', method }] };
}

describe('preflight view: sign-in method', () => {
  it('names the method and what it needs, per kind', () => {
    const app = '0b5b4a6c-6f4e-4b3c-9a1e-3c2d1e0f9a8b';
    const secret = preflightView(report({ kind: 'secret', appId: app, identity: 'x', needs: 'y' }), false).checks[0]!;
    expect(secret).toEqual({
      id: 'signInMethod',
      status: 'pass',
      title: 'Sign-in method',
      detail: `Signs in with a client secret of the app ${app}. It needs the secret, not expired, kept in this computer’s keychain.`,
    });
    const federated = preflightView(report({ kind: 'federated', appId: app, identity: 'x', needs: 'y', file: '/run/token' }), false).checks[0]!;
    expect(federated.detail).toContain('a federated token from “/run/token”');
    const mi = preflightView(report({ kind: 'managedIdentity', identity: 'x', needs: 'y', source: 'imds' }), false).checks[0]!;
    expect(mi.detail).toMatch(/^Signs in as the managed identity of the Azure resource this runs on\./);
    expect(preflightView(report({ kind: 'deviceCode', appId: app, identity: 'x', needs: 'y' }), false).checks[0]!.detail).toBe(`Signs in as you, for the app ${app}. It needs you to sign in when asked.`);
  });
});
