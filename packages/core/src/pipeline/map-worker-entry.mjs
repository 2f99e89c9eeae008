// Worker threads start from plain JavaScript: register tsx so the TypeScript sources load as they do in
// the main thread (the workspace runs its sources without a build step).
import { register } from 'tsx/esm/api';
register();
await import('./map-worker.ts');
