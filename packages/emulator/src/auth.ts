import { headerValue, sameSecret, type Ctx } from './http';
import type { Host } from './host';
import { verifyClientAssertion, type AccessClaims } from './tokens';

const GRAPH_RESOURCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'];
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

// The token endpoint and the checks every Graph request goes through (token, then permission), as Entra does them.

export function isTenant(host: Host, segment: string): boolean {
  return segment.toLowerCase() === host.tenantId.toLowerCase();
}

export function tenantNotFound(host: Host, segment: string): string {
  return `Tenant '${segment}' not found. Check the tenant ID and that you are signing in to the right cloud (this sandbox's tenant is ${host.tenantId}).`;
}

export function openIdConfiguration(host: Pick<Host, 'authority' | 'baseUrl'>): Record<string, unknown> {
  const { authority } = host;
  return {
    token_endpoint: `${authority}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${authority}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${authority}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'scimport.sandbox',
    msgraph_host: new URL(host.baseUrl).host,
  };
}

export function instanceDiscovery(host: Pick<Host, 'authority' | 'baseUrl'>): Record<string, unknown> {
  const h = new URL(host.baseUrl).host;
  return {
    tenant_discovery_endpoint: `${host.authority}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: h, preferred_cache: h, aliases: [h, h.replace('127.0.0.1', 'localhost')] }],
  };
}

/** The resources the sandbox issues Graph tokens for: its own address, and Graph's names. */
export function acceptedAudiences(host: Host): string[] {
  const local = host.baseUrl;
  return [local, local.replace('127.0.0.1', 'localhost'), ...GRAPH_RESOURCES];
}

export async function tokenEndpoint(host: Host, ctx: Ctx, tenantSegment: string): Promise<void> {
  const { replies } = host;
  if (ctx.req.method !== 'POST') {
    replies.aadError(ctx, 405, 'invalid_request', 900561, 'The token endpoint only accepts POST requests.');
    return;
  }
  if (!isTenant(host, tenantSegment)) {
    replies.aadError(ctx, 400, 'invalid_request', 90002, tenantNotFound(host, tenantSegment));
    return;
  }
  const form = new URLSearchParams(ctx.body.toString('utf8'));
  const basic = /^Basic\s+(.+)$/i.exec(headerValue(ctx.req, 'authorization') ?? '');
  let basicId: string | undefined;
  let basicSecret: string | undefined;
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const cut = decoded.indexOf(':');
    basicId = decodeURIComponent(decoded.slice(0, cut));
    basicSecret = decodeURIComponent(decoded.slice(cut + 1));
  }
  const grantType = form.get('grant_type');
  if (!grantType) {
    replies.aadError(ctx, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    return;
  }
  if (grantType !== 'client_credentials') {
    replies.aadError(ctx, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'; the sandbox supports client_credentials.`);
    return;
  }
  const clientId = form.get('client_id') ?? basicId;
  if (!clientId) {
    replies.aadError(ctx, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    return;
  }
  if (clientId.toLowerCase() !== host.clientId.toLowerCase()) {
    replies.aadError(ctx, 400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${host.tenantId}'. Check the client (application) ID of the app registration.`);
    return;
  }
  const assertionType = form.get('client_assertion_type');
  const assertion = form.get('client_assertion');
  const secret = form.get('client_secret') ?? basicSecret;
  const tokenUrl = `${host.authority}/oauth2/v2.0/token`;
  if (assertion !== null || assertionType !== null) {
    if (assertionType !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' || !assertion) {
      replies.aadError(ctx, 400, 'invalid_request', 90014, "client_assertion_type must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' together with a client_assertion.");
      return;
    }
    // An assertion from an outside issuer is a federated credential (workload identity); else the app's own, signed by its certificate.
    const check = host.settings.federation.claimsOutsideIssuer(assertion, host.clientId)
      ? await host.settings.federation.verify(assertion, Date.now())
      : await verifyClientAssertion(assertion, {
          certificate: host.certificate,
          clientId: host.clientId,
          audiences: [tokenUrl, tokenUrl.replace('127.0.0.1', 'localhost')],
          now: Date.now(),
        });
    if (!check.ok) {
      replies.aadError(ctx, 401, 'invalid_client', check.aadsts, check.description);
      return;
    }
  } else if (secret !== undefined && secret !== null) {
    if (!sameSecret(secret, host.clientSecret)) {
      replies.aadError(ctx, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${host.clientId}'.`);
      return;
    }
  } else {
    replies.aadError(ctx, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    return;
  }
  const scopeText = form.get('scope');
  if (!scopeText) {
    replies.aadError(ctx, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    return;
  }
  const scopes = scopeText.split(/\s+/).filter((s) => s !== '' && !OIDC_SCOPES.has(s.toLowerCase()));
  const scope = scopes[0];
  if (scopes.length !== 1 || scope === undefined || !scope.endsWith('/.default')) {
    replies.aadError(ctx, 400, 'invalid_scope', 1002012, `The provided value for scope '${scopeText}' is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier, here ${host.baseUrl}/.default.`);
    return;
  }
  const resource = scope.slice(0, -'/.default'.length).replace(/\/+$/, '');
  if (!acceptedAudiences(host).some((a) => a.toLowerCase() === resource.toLowerCase())) {
    replies.aadError(ctx, 400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${host.tenantId}. Use the scope ${host.baseUrl}/.default.`);
    return;
  }
  const lifetimeMs = host.scaled(host.settings.tokenLifetimeSec * 1000);
  const accessToken = await host.tokens.issue({
    tenantId: host.tenantId,
    clientId: host.clientId,
    audience: resource,
    roles: host.permissions,
    issuer: `https://sts.windows.net/${host.tenantId}/`,
    lifetimeMs,
    now: Date.now(),
  });
  const expiresIn = Math.max(1, Math.floor(lifetimeMs / 1000));
  replies.send(ctx, 200, { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: accessToken }, { Pragma: 'no-cache' });
}

/** The bearer token of a Graph request, checked; answers 401 (with Graph's challenge) and returns undefined if bad. */
export async function authenticate(host: Host, ctx: Ctx): Promise<AccessClaims | undefined> {
  const header = headerValue(ctx.req, 'authorization');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const challenge = { 'WWW-Authenticate': `Bearer realm="", authorization_uri="${host.authority}/oauth2/v2.0/authorize", client_id="00000003-0000-0000-c000-000000000000"` };
  const reject = (message: string) => host.replies.graphError(ctx, 401, 'InvalidAuthenticationToken', message, challenge);
  if (!match?.[1]) {
    await reject('Access token is empty. Send an Authorization: Bearer <token> header.');
    return undefined;
  }
  const check = await host.tokens.verify(match[1], Date.now());
  if (!check.ok) {
    await reject(
      check.reason === 'expired'
        ? 'Access token has expired or is not yet valid. Acquire a new token.'
        : check.reason === 'signature'
          ? 'Access token validation failure. Invalid signature: the token was not issued by this tenant.'
          : 'Access token validation failure. The token is not a well-formed JWT.',
    );
    return undefined;
  }
  if (!acceptedAudiences(host).some((a) => a.toLowerCase() === check.claims.aud.toLowerCase())) {
    await reject(`Access token validation failure. Invalid audience: request the token with scope ${host.baseUrl}/.default.`);
    return undefined;
  }
  if (check.claims.tid.toLowerCase() !== host.tenantId.toLowerCase()) {
    await reject('Access token validation failure. The token belongs to another tenant.');
    return undefined;
  }
  return check.claims;
}

/** True if the token carries one of `anyOf` (application roles); else answers 403 naming what to grant. */
export async function requirePermission(host: Host, ctx: Ctx, claims: AccessClaims, anyOf: string[]): Promise<boolean> {
  if (claims.roles.some((r) => anyOf.some((p) => p.toLowerCase() === r.toLowerCase()))) return true;
  const names = anyOf.join(' or ');
  await host.replies.graphError(
    ctx,
    403,
    'Authorization_RequestDenied',
    `Insufficient privileges to complete the operation. The app's token lacks the permission ${names}; grant it as an application permission, give admin consent, then acquire a new token.`,
  );
  return false;
}
