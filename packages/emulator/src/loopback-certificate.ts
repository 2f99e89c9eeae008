import { generate } from 'selfsigned';

/**
 * The emulator's TLS certificate, made at each start: MSAL insists on https authorities, and a fresh self-signed
 * certificate for localhost, 127.0.0.1 and ::1 lets clients trust exactly this process (its PEM is the CA they pass).
 */
export function loopbackCertificate(): ReturnType<typeof generate> {
  return generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
}
