// Worker threads start from plain JavaScript: register tsx so the TypeScript sources load as they do in the
// main thread (the workspace runs its sources without a build step). The CLI and the desktop app bundle
// ./xlsx-worker.ts under this same name beside their main bundle instead.
import { register } from 'tsx/esm/api';
register();
await import('./xlsx-worker.ts');
