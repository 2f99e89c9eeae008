import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { acceptedAudiences } from './auth';
import { EmulatorError } from './errors';
import type { Host } from './host';
import { sameSecret } from './http';

/**
 * The managed-identity endpoint of Azure App Service, Functions and Automation, which a process there finds in
 * IDENTITY_ENDPOINT and calls with the IDENTITY_HEADER secret: GET ?resource=…&api-version=2019-08-01 with
 * X-IDENTITY-HEADER, answered `{access_token, expires_on, resource, token_type, client_id}`. Served like the real
 * one, over plain HTTP on loopback (the platform's endpoint is http://localhost:<port>/… too), so the client's
 * plain-HTTP path is what gets tested. Source: app-service overview-managed-identity, "REST endpoint reference".
 */

const API_VERSION = '2019-08-01';

/** A user-assigned identity attached to the sandbox's "resource". */
export interface UserAssignedIdentityOptions {
  clientId: string;
  /** ARM id: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>. */
  resourceId: string;
  principalId?: string;
}

export interface ManagedIdentityOptions {
  /** Client id of the system-assigned identity. Default 5c1a0000-0000-4000-8000-0000000000e1. */
  systemAssignedClientId?: string;
  userAssigned?: UserAssignedIdentityOptions[];
}

/** A token the endpoint handed out, as the sandbox shows it to tests (never the token). */
export interface ManagedIdentitySignIn {
  clientId: string;
  kind: 'systemAssigned' | 'userAssigned';
  resource: string;
  at: number;
}

/** What a test (or the CLI's sandbox) sets IDENTITY_ENDPOINT and IDENTITY_HEADER to. */
export interface ManagedIdentityEndpoint {
  /** http://127.0.0.1:<port>/msi/token */
  readonly endpoint: string;
  /** The IDENTITY_HEADER secret, random per start. */
  readonly header: string;
  readonly systemAssignedClientId: string;
  signIns(): ManagedIdentitySignIn[];
}

export const SANDBOX_MANAGED_IDENTITY_CLIENT_ID = '5c1a0000-0000-4000-8000-0000000000e1';

export class ManagedIdentityServer implements ManagedIdentityEndpoint {
  endpoint = '';
  readonly header = randomBytes(24).toString('base64url');
  readonly systemAssignedClientId: string;
  private readonly userAssigned: UserAssignedIdentityOptions[];
  private readonly issued: ManagedIdentitySignIn[] = [];
  private server: Server | undefined;

  constructor(
    private readonly host: Host,
    options: ManagedIdentityOptions,
  ) {
    this.systemAssignedClientId = options.systemAssignedClientId ?? SANDBOX_MANAGED_IDENTITY_CLIENT_ID;
    this.userAssigned = (options.userAssigned ?? []).map((u, i) => {
      if (typeof u?.clientId !== 'string' || !u.clientId || typeof u.resourceId !== 'string' || !u.resourceId.startsWith('/subscriptions/')) {
        throw new EmulatorError('INVALID_OPTION', `managedIdentity.userAssigned[${i}] needs a clientId and a resourceId starting /subscriptions/.`);
      }
      return { ...u };
    });
  }

  signIns(): ManagedIdentitySignIn[] {
    return this.issued.map((s) => ({ ...s }));
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(new EmulatorError('PORT_UNAVAILABLE', `The managed-identity endpoint cannot listen on 127.0.0.1 (${error.code ?? error.message}).`, { cause: error })));
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  /** The error shape of the platform's endpoint: MSAL reads `message` as the description. */
  private fail(res: ServerResponse, status: number, error: string, message: string): void {
    this.send(res, status, { statusCode: status, error, message });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.toLowerCase() !== '/msi/token') return this.fail(res, 404, 'not_found', `Nothing is served at ${url.pathname}.`);
    if (req.method !== 'GET') return this.fail(res, 405, 'invalid_request', 'The managed-identity endpoint only answers GET.');
    const given = req.headers['x-identity-header'];
    // Compared in constant time: it is the secret that keeps other processes on the machine from taking tokens.
    if (typeof given !== 'string' || !sameSecret(given, this.header)) {
      return this.fail(res, 401, 'unauthorized', 'The X-IDENTITY-HEADER header is missing or wrong: send the value of IDENTITY_HEADER.');
    }
    if (url.searchParams.get('api-version') !== API_VERSION) return this.fail(res, 400, 'invalid_request', `api-version must be ${API_VERSION}.`);
    const resource = (url.searchParams.get('resource') ?? '').replace(/\/+$/, '');
    if (!resource) return this.fail(res, 400, 'invalid_request', 'The resource parameter is missing.');
    if (!acceptedAudiences(this.host).some((a) => a.toLowerCase() === resource.toLowerCase())) {
      return this.fail(res, 400, 'invalid_resource', `The resource ${resource} is not known in the tenant; ask for ${this.host.baseUrl}.`);
    }
    const byClient = url.searchParams.get('client_id');
    const byResource = url.searchParams.get('mi_res_id');
    const byPrincipal = url.searchParams.get('principal_id');
    let clientId = this.systemAssignedClientId;
    let kind: ManagedIdentitySignIn['kind'] = 'systemAssigned';
    if (byClient !== null || byResource !== null || byPrincipal !== null) {
      const found = this.userAssigned.find(
        (u) =>
          (byClient !== null && u.clientId.toLowerCase() === byClient.toLowerCase()) ||
          (byResource !== null && u.resourceId.toLowerCase() === byResource.toLowerCase()) ||
          (byPrincipal !== null && u.principalId?.toLowerCase() === byPrincipal.toLowerCase()),
      );
      // The platform's words when the identity asked for is not attached to the resource.
      if (!found) return this.fail(res, 400, 'invalid_request', 'Unable to load the proper Managed Identity: no user-assigned identity with this id is assigned to the resource.');
      clientId = found.clientId;
      kind = 'userAssigned';
    }
    const now = Date.now();
    const lifetimeMs = this.host.scaled(this.host.settings.tokenLifetimeSec * 1000);
    const accessToken = await this.host.tokens.issue({
      tenantId: this.host.tenantId,
      clientId,
      audience: resource,
      roles: this.host.permissions,
      issuer: `https://sts.windows.net/${this.host.tenantId}/`,
      lifetimeMs,
      now,
    });
    this.issued.push({ clientId, kind, resource, at: now });
    this.send(res, 200, { access_token: accessToken, expires_on: String(Math.floor((now + lifetimeMs) / 1000)), resource, token_type: 'Bearer', client_id: clientId });
  }
}
