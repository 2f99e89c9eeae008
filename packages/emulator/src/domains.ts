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

/**
 * Why Entra would refuse `userName` as a userPrincipalName, or undefined. Checked only when the sandbox has a list
 * of verified domains (option verifiedDomains): without it every userName is accepted, as before.
 */
export function signInNameProblem(userName: string, externalId: string, verified: string[] | undefined): SignInNameProblem | undefined {
  if (verified === undefined) return undefined;
  const domains = [SANDBOX_INITIAL_DOMAIN, ...verified];
  const at = userName.lastIndexOf('@');
  const local = at < 0 ? userName : userName.slice(0, at);
  const domain = at < 0 ? '' : userName.slice(at + 1).toLowerCase();
  if (FORBIDDEN.test(userName) || at <= 0 || local.includes('@') || local.startsWith('.') || local.endsWith('.') || local.length > 64) {
    return {
      // Graph answers a malformed userPrincipalName with "Property userPrincipalName is invalid"; the job logs it
      // under the target's code.
      errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName',
      reason: `Property userPrincipalName is invalid: '${printable(userName)}' of user '${externalId}' is not a sign-in name like name@${domains[domains.length - 1]} (no spaces or control characters, one '@', a domain).`,
      recommendedAction: `Send a userName of the form name@domain for user '${externalId}', using one of the tenant's verified domains (${domains.join(', ')}).`,
    };
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

function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
