/**
 * @scimport/transport: signs in to Microsoft Entra ID (MSAL), uploads SCIM BulkRequests to the API-driven
 * provisioning endpoint at the pace Entra allows, journals every chunk so an interrupted upload resumes
 * exactly where it stopped, and reads the provisioning logs back. No electron.
 */
export * from './errors';
export * from './clouds';
export * from './clock';
export { createHttpsAgent, parseRetryAfter, type HttpResponse } from './http';
export * from './auth';
export * from './pacer';
export * from './ledger';
export * from './graph';
export * from './connect';
export * from './run';
export * from './run-recorder';
export * from './target-lock';
export * from './results';
export * from './job';
export * from './preflight';
export * from './restart-drops';
