/**
 * Profiles are shared files (mailed, put on network drives, committed), so anything that looks like a
 * credential is refused outright. The check reports where the secret sits, never its value.
 */

/** Key names (compared without case, spaces, dashes or underscores) that can only hold a credential. */
const SECRET_KEY_PARTS = ['secret', 'password', 'passwd', 'privatekey', 'token', 'certificatekey', 'apikey'];

const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
/** A JSON Web Token: base64url header and payload that both start with `{"` (eyJ). */
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;
/** The shape of an Entra application client secret (three characters, a digit and "Q~", then ~34 more). */
const ENTRA_CLIENT_SECRET = /(?:^|[^A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?:$|[^A-Za-z0-9_~.-])/;

export interface SecretFinding {
  /** JSON pointer of the key or value, e.g. `/target/clientSecret`. */
  pointer: string;
  /** What was seen, without the value: "is named like a secret", "holds what looks like a PEM private key", … */
  reason: string;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function secretKind(text: string): string | undefined {
  if (PEM_PRIVATE_KEY.test(text)) return 'a PEM private key';
  if (JWT.test(text)) return 'an access token (JWT)';
  if (ENTRA_CLIENT_SECRET.test(text)) return 'an Entra client secret';
  return undefined;
}

/** Every place in a JSON document that looks like a secret: keys named like one, values shaped like one. */
export function findSecrets(value: unknown): SecretFinding[] {
  const found: SecretFinding[] = [];
  const visit = (node: unknown, pointer: string, depth: number): void => {
    if (depth > 100) return;
    if (typeof node === 'string') {
      const kind = secretKind(node);
      if (kind) found.push({ pointer: pointer || '/', reason: `holds what looks like ${kind}` });
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, `${pointer}/${i}`, depth + 1));
      return;
    }
    if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        const at = `${pointer}/${escapePointer(key)}`;
        const normalized = key.toLowerCase().replace(/[\s_-]/g, '');
        // Keys of a lookup table are data (a department called "Token Ring"), not field names.
        const isLookupKey = /^\/lookups\/[^/]+$/.test(pointer);
        if (!isLookupKey && SECRET_KEY_PARTS.some((part) => normalized.includes(part))) {
          found.push({ pointer: at, reason: 'is named like a secret' });
        } else {
          const keyKind = secretKind(key);
          if (keyKind) found.push({ pointer: at, reason: `is named with what looks like ${keyKind}` });
        }
        visit(child, at, depth + 1);
      }
    }
  };
  visit(value, '', 0);
  return found;
}
