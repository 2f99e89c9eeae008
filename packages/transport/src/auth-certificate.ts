import { X509Certificate, createPrivateKey } from 'node:crypto';
import { TransportError, registerSecret } from './errors';

/** The material MSAL needs for certificate authentication, derived from one PEM file. */
export interface LoadedCertificate {
  /** PKCS#8 PEM of the private key, unencrypted, in memory only. */
  privateKeyPem: string;
  /** The leaf certificate (PEM). */
  certificatePem: string;
  /** Hex SHA-256 thumbprint of the certificate (DER). */
  thumbprintSha256: string;
  /** Hex SHA-1 thumbprint (what the Entra portal lists). */
  thumbprintSha1: string;
  subject: string;
  notAfter: string;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/**
 * Read a PEM holding a private key and its certificate, check that they belong together and that the
 * certificate is valid today, and compute the thumbprints ourselves from the certificate's DER bytes.
 */
export function loadCertificate(pem: string, options: { passphrase?: string; file?: string; now?: Date } = {}): LoadedCertificate {
  const where = options.file ? `The certificate file ${options.file}` : 'The certificate';
  const fileDetails = options.file ? { file: options.file } : {};
  const keyText = KEY_BLOCK.exec(pem)?.[0];
  if (!keyText) {
    throw new TransportError('CERTIFICATE_INVALID', `${where} holds no private key. Export the certificate together with its private key as one PEM file (key + certificate).`, { details: fileDetails });
  }
  let privateKeyPem: string;
  try {
    const key = createPrivateKey(options.passphrase ? { key: keyText, passphrase: options.passphrase } : { key: keyText });
    privateKeyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch (err) {
    const encrypted = keyText.includes('ENCRYPTED');
    throw new TransportError(
      'CERTIFICATE_INVALID',
      encrypted && !options.passphrase
        ? `${where} has an encrypted private key: give its passphrase.`
        : `${where} has a private key that cannot be read${encrypted ? ' (wrong passphrase?)' : ''}.`,
      { details: fileDetails, cause: err },
    );
  }
  registerSecret(privateKeyPem);
  const certs = pem.match(CERT_BLOCK) ?? [];
  if (certs.length === 0) {
    throw new TransportError('CERTIFICATE_INVALID', `${where} holds a private key but no certificate. Put the certificate (-----BEGIN CERTIFICATE-----) in the same file.`, { details: fileDetails });
  }
  const key = createPrivateKey(privateKeyPem);
  let leaf: X509Certificate | undefined;
  let leafPem = '';
  for (const text of certs) {
    const cert = new X509Certificate(text);
    if (cert.checkPrivateKey(key)) {
      leaf = cert;
      leafPem = text;
      break;
    }
  }
  if (!leaf) {
    throw new TransportError('CERTIFICATE_INVALID', `${where}: the private key does not belong to any certificate in the file. Export the matching pair again.`, { details: fileDetails });
  }
  const now = options.now ?? new Date();
  if (new Date(leaf.validTo) < now) {
    throw new TransportError('CERTIFICATE_INVALID', `${where} expired on ${new Date(leaf.validTo).toISOString().slice(0, 10)}. Create a new certificate, upload it to the app registration, and use the new file.`, { details: fileDetails });
  }
  if (new Date(leaf.validFrom) > now) {
    throw new TransportError('CERTIFICATE_INVALID', `${where} is not valid before ${new Date(leaf.validFrom).toISOString()}. Check the computer's clock.`, { details: fileDetails });
  }
  return {
    privateKeyPem,
    certificatePem: leafPem,
    thumbprintSha256: leaf.fingerprint256.replace(/:/g, '').toLowerCase(),
    thumbprintSha1: leaf.fingerprint.replace(/:/g, '').toLowerCase(),
    subject: leaf.subject,
    notAfter: new Date(leaf.validTo).toISOString(),
  };
}

