/**
 * The tenant's domains and the sign-in names Entra accepts. Graph: GET /domains (domain resource: id, isVerified,
 * isDefault, isInitial, authenticationType), needing Domain.Read.All. A user created with a userPrincipalName whose
 * domain the tenant has not verified is refused by Entra ("The domain portion of the userPrincipalName property is
 * invalid"); the provisioning job logs it as a failed export.
 */

/** The sandbox's own `*.onmicrosoft.com` domain: every tenant has one, verified, from its creation. */
export const SANDBOX_INITIAL_DOMAIN = 'scimport-sandbox.onmicrosoft.com';

export function domainsBody(baseUrl: string, verified: string[] | undefined): Record<string, unknown> {
  const custom = (verified ?? []).filter((d) => d !== SANDBOX_INITIAL_DOMAIN);
  const domain = (id: string, initial: boolean) => ({
    id,
    authenticationType: 'Managed',
    isAdminManaged: true,
    isDefault: initial ? custom.length === 0 : id === custom[0],
    isInitial: initial,
    isRoot: true,
    isVerified: true,
    supportedServices: initial ? ['Email', 'OfficeCommunicationsOnline'] : ['Email'],
  });
  return {
    '@odata.context': `${baseUrl}/v1.0/$metadata#domains`,
    value: [domain(SANDBOX_INITIAL_DOMAIN, true), ...custom.map((d) => domain(d, false))],
  };
}

export interface SignInNameProblem {
  errorCode: string;
  reason: string;
  recommendedAction: string;
}

// Characters a userPrincipalName may not hold: whitespace, control characters, and those Entra's UPN rules exclude.
const FORBIDDEN = /[\s\p{Cc}"\\()<>,;:[\]]/u;
// Whitespace and control characters: what Entra refuses in any tenant, whatever its domains.
const NEVER = /[\s\p{Cc}]/u;

/**
 * Why Entra would refuse `userName` as a userPrincipalName, or undefined. A space or a control character is refused
 * always (Entra has no tenant that accepts 'John Smith' or ' pat@contoso.com '); the full form — one '@', a local part
 * of at most 64 characters, a verified domain — is checked when the sandbox has a list of verified domains (option
 * verifiedDomains), since without one the sandbox cannot know which domains the rehearsed tenant has.
 */
export function signInNameProblem(userName: string, externalId: string, verified: string[] | undefined): SignInNameProblem | undefined {
  const domains = [SANDBOX_INITIAL_DOMAIN, ...(verified ?? [])];
  const malformed = (): SignInNameProblem => ({
    // Graph answers a malformed userPrincipalName with "Property userPrincipalName is invalid"; the job logs it
    // under the target's code.
    errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName',
    reason: `Property userPrincipalName is invalid: '${printable(userName)}' of user '${externalId}' is not a sign-in name like name@${domains[domains.length - 1]} (no spaces or control characters, one '@', a domain).`,
    recommendedAction: `Send a userName of the form name@domain for user '${externalId}', without spaces or control characters, using one of the tenant's verified domains (${domains.join(', ')}).`,
  });
  if (NEVER.test(userName)) return malformed();
  if (verified === undefined) return undefined;
  const at = userName.lastIndexOf('@');
  const local = at < 0 ? userName : userName.slice(0, at);
  const domain = at < 0 ? '' : userName.slice(at + 1).toLowerCase();
  if (FORBIDDEN.test(userName) || at <= 0 || local.includes('@') || local.startsWith('.') || local.endsWith('.') || local.length > 64) {
    return malformed();
  }
  if (!domains.includes(domain)) {
    return {
      errorCode: 'AzureActiveDirectoryInvalidDomain',
      reason: `The domain portion of the userPrincipalName property is invalid: '${domain}' (user '${externalId}') is not a verified domain of this tenant. You must use one of the verified domain names in your organization.`,
      recommendedAction: `Use one of the verified domains (${domains.join(', ')}) in the userName, or add and verify '${domain}' in Entra (Custom domain names) first.`,
    };
  }
  return undefined;
}

// C0 controls but tab, LF and CR (a street address may hold a line break), DEL and the C1 controls: the rule the
// core's validation applies (packages/core/src/validate/text.ts), so the sandbox refuses what scimport refuses.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/;

/**
 * The first attribute value of a user holding a NUL or another control character, as Entra refuses it, or undefined.
 * Graph answers such a value with "Invalid value specified for property"; the job logs the export as failed.
 */
export function controlCharacterProblem(data: Record<string, unknown>, externalId: string): SignInNameProblem | undefined {
  const find = (value: unknown, path: string): { path: string; text: string } | undefined => {
    if (typeof value === 'string') return CONTROL.test(value) ? { path, text: value } : undefined;
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) {
        const hit = find(item, `${path}[${i}]`);
        if (hit) return hit;
      }
      return undefined;
    }
    if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const hit = find(item, path === '' ? key : `${path}.${key}`);
        if (hit) return hit;
      }
    }
    return undefined;
  };
  const hit = find(data, '');
  if (!hit) return undefined;
  return {
    errorCode: 'AzureActiveDirectoryInvalidPropertyValue',
    reason: `Invalid value specified for property '${hit.path}' of user '${externalId}': '${printable(hit.text)}' holds a control character.`,
    recommendedAction: `Remove the control character (such as NUL) from '${hit.path}' of user '${externalId}' in the source data, then send the user again.`,
  };
}

function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
