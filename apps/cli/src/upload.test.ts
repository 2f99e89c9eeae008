import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Profile } from '@scimport/core';
import { SANDBOX_DEFAULTS } from '@scimport/emulator';
import { TransportError } from '@scimport/transport';
import { dataDirPath } from './data-dir';
import { browserCommand } from './commands/upload-browser';
import { describeTarget, specFromProfile, targetOf, toCliError } from './commands/upload-connection';
import { CliError } from './errors';
import type { CliIo } from './io';

const io = (env: Record<string, string> = {}): CliIo => ({ out: () => undefined, err: () => undefined, interactive: false, cwd: '/work', env });
const profile = (target?: Profile['target']): Profile => ({ name: 'p', version: 1, mapping: '{}', ...(target ? { target } : {}) });
const IDS = {
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  clientId: '0b5b4a6c-6f4e-4b3c-9a1e-3c2d1e0f9a8b',
  servicePrincipalId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  jobId: 'API2AAD.0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d.1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d',
};

describe('data folder', () => {
  it('follows SCIMPORT_DATA_DIR, then each platform’s per-user data folder', () => {
    expect(dataDirPath({ SCIMPORT_DATA_DIR: '/srv/scimport' }, { platform: 'linux', home: '/home/a' })).toBe('/srv/scimport');
    expect(dataDirPath({ SCIMPORT_DATA_DIR: 'rel' }, { platform: 'linux', home: '/home/a', cwd: '/work' })).toBe('/work/rel');
    expect(dataDirPath({}, { platform: 'linux', home: '/home/a' })).toBe('/home/a/.local/share/scimport');
    expect(dataDirPath({ XDG_DATA_HOME: '/x/data' }, { platform: 'linux', home: '/home/a' })).toBe('/x/data/scimport');
    expect(dataDirPath({ XDG_DATA_HOME: 'relative' }, { platform: 'linux', home: '/home/a' })).toBe('/home/a/.local/share/scimport');
    expect(dataDirPath({}, { platform: 'darwin', home: '/Users/a' })).toBe('/Users/a/Library/Application Support/scimport');
    expect(dataDirPath({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, { platform: 'win32', home: 'C:\\Users\\a' })).toBe(join('C:\\Users\\a\\AppData\\Roaming', 'scimport'));
  });
});

describe('where an upload goes', () => {
  it('a profile without target goes to the sandbox', () => {
    const spec = specFromProfile(profile(), '/p.json', io());
    expect(spec).toEqual({ mode: 'sandbox' });
    expect(targetOf(spec)).toMatchObject({ tenantId: SANDBOX_DEFAULTS.tenantId, jobId: SANDBOX_DEFAULTS.jobId, cloud: 'sandbox' });
    expect(describeTarget(spec)).toMatch(/nothing leaves this computer/);
  });

  it('a target goes to its cloud; a certificate path is relative to the profile', () => {
    const spec = specFromProfile(profile({ ...IDS, cloud: 'usgov', certificatePath: 'certs/app.pem' }), '/profiles/p.json', io());
    expect(spec).toMatchObject({ mode: 'cloud', cloud: 'usgov', auth: 'certificate', certificatePath: '/profiles/certs/app.pem', ...IDS });
    expect(targetOf(spec)).toEqual({ tenantId: IDS.tenantId, servicePrincipalId: IDS.servicePrincipalId, jobId: IDS.jobId, cloud: 'usgov' });
  });

  it('SCIMPORT_GRAPH_BASE_URL points any profile at a custom endpoint, with the sandbox ids by default', () => {
    const spec = specFromProfile(profile(), '/p.json', io({ SCIMPORT_GRAPH_BASE_URL: 'https://127.0.0.1:8443', SCIMPORT_CA_FILE: 'ca.pem' }));
    expect(spec).toMatchObject({ mode: 'custom', graphBaseUrl: 'https://127.0.0.1:8443', authorityHost: 'https://127.0.0.1:8443', caFile: '/work/ca.pem', auth: 'secret', tenantId: SANDBOX_DEFAULTS.tenantId });
    expect(describeTarget(spec)).toMatch(/custom endpoint https:\/\/127\.0\.0\.1:8443 \(from SCIMPORT_GRAPH_BASE_URL\)/);
  });

  it('a CA or authority without the Graph address is a usage error', () => {
    expect(() => specFromProfile(profile(), '/p.json', io({ SCIMPORT_CA_FILE: 'ca.pem' }))).toThrow(/SCIMPORT_CA_FILE is set but SCIMPORT_GRAPH_BASE_URL is not/);
  });

  it('names a missing target id and where to find it', () => {
    const { jobId: _jobId, ...partial } = IDS;
    expect(() => specFromProfile(profile(partial), '/p.json', io())).toThrow(/target\.jobId is missing\. Set it to the Job ID/);
  });
});

describe('errors', () => {
  it('turns transport errors into one-line CLI errors with the right exit reason', () => {
    const refused = toCliError(new TransportError('QUOTA_EXCEEDED', 'too many')) as CliError;
    expect(refused).toBeInstanceOf(CliError);
    expect(refused.code).toBe('REFUSED');
    expect((toCliError(new TransportError('FORBIDDEN', 'no')) as CliError).code).toBe('REMOTE');
    expect((toCliError(new TransportError('INVALID_CONFIG', 'bad')) as CliError).code).toBe('INPUT');
    const other = new Error('x');
    expect(toCliError(other)).toBe(other);
  });
});

describe('opening the browser', () => {
  const url = 'https://login.microsoftonline.com/t/oauth2/v2.0/authorize?a=1&b=2';
  it('uses $BROWSER, else the platform opener, passing the URL as one argument', () => {
    expect(browserCommand(url, { BROWSER: '/usr/bin/firefox' }, 'linux')).toEqual({ command: '/usr/bin/firefox', args: [url] });
    expect(browserCommand(url, {}, 'linux')).toEqual({ command: 'xdg-open', args: [url] });
    expect(browserCommand(url, {}, 'darwin')).toEqual({ command: 'open', args: [url] });
    expect(browserCommand(url, {}, 'win32')).toEqual({ command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] });
  });
  it('opens web addresses only', () => {
    expect(() => browserCommand('--help', {}, 'linux')).toThrow(/http/);
    expect(() => browserCommand('file:///etc/passwd', {}, 'linux')).toThrow(/http/);
  });
});
