/**
 * The renderer's Content-Security-Policy, the same in the app (meta tag and header) and behind the browser
 * bridge: scripts only from the app itself, nothing from the network, no frames, no plugins. Styles allow
 * inline because the editor (CodeMirror) and React set element styles.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
