// Worker threads start from plain JavaScript: when the app runs from its TypeScript sources (tests, dev:web),
// register tsx so they load as they do on the main thread. The built app starts its bundled worker instead.
import { register } from 'tsx/esm/api';
register();
await import('./worker.ts');
