/**
 * The domains of the sign-in names an upload sends: what the preflight compares with the tenant's verified
 * domains (Entra fails every person whose user principal name is in a domain the tenant has not verified).
 */
/** Distinct lower-case domains of the users' userName (the part after the last @), sorted. */
export function signInDomains(users: Iterable<unknown>): string[] {
  const domains = new Set<string>();
  for (const user of users) {
    const userName = typeof user === 'object' && user !== null ? (user as { userName?: unknown }).userName : undefined;
    if (typeof userName !== 'string') continue;
    const at = userName.lastIndexOf('@');
    if (at > 0 && at < userName.length - 1) domains.add(userName.slice(at + 1).trim().toLowerCase());
  }
  return [...domains].sort();
}
