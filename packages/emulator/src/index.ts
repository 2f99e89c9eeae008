export { startEmulator, SANDBOX_DEFAULTS, DEFAULT_PERMISSIONS, PERMISSION_UPLOAD, PERMISSION_UPLOAD_OWNED_BY } from './server';
export { SANDBOX_INITIAL_DOMAIN } from './domains';
export { DOCUMENTED_LOG_DELAY_MS, DOCUMENTED_LOGS_API_LIMIT, SANDBOX_TIME_SCALE } from './options';
export { QUARANTINE_REASONS } from './job';
export { EmulatorError, EMULATOR_ERROR_CODES, isEmulatorError } from './errors';
export type { EmulatorErrorCode } from './errors';
export { BULK_REQUEST_URN, CORE_USER_URN, ENTERPRISE_USER_URN } from './scim';
export { STATE_FILE } from './state';
export {
  SANDBOX_MANAGED_IDENTITY_CLIENT_ID,
  type ManagedIdentityEndpoint,
  type ManagedIdentityOptions,
  type ManagedIdentitySignIn,
  type UserAssignedIdentityOptions,
} from './managed-identity';
export { FEDERATED_AUDIENCE, type FederatedCredentialOptions, type FederatedSignIn } from './federation';
export { SANDBOX_NOTIFICATION_EMAIL, RESET_SCOPES } from './job';
export type { ResetScope } from './job';
export type {
  BulkCallRecord,
  EmulatedUser,
  Emulator,
  EmulatorOptions,
  ExtraJobOptions,
  FaultOptions,
  JobStateCode,
  NotificationSettings,
  ProvisioningAction,
  ProvisioningLogEntry,
  ProvisioningStatus,
  ProvisioningStep,
  ProvisioningStepType,
  ProvisioningErrorInfo,
  ProvisioningIdentity,
  SandboxSettings,
  SchemaAttribute,
  SynchronizationError,
  SynchronizationJob,
  SynchronizationJobStatus,
  SynchronizationQuarantine,
  SynchronizationTaskExecution,
} from './types';
