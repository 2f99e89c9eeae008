export { startEmulator, SANDBOX_DEFAULTS, DEFAULT_PERMISSIONS, PERMISSION_UPLOAD } from './server';
export { EmulatorError, EMULATOR_ERROR_CODES, isEmulatorError } from './errors';
export type { EmulatorErrorCode } from './errors';
export { BULK_REQUEST_URN, CORE_USER_URN, ENTERPRISE_USER_URN } from './scim';
export { STATE_FILE } from './state';
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
  SchemaAttribute,
  SynchronizationError,
  SynchronizationJob,
  SynchronizationJobStatus,
  SynchronizationQuarantine,
  SynchronizationTaskExecution,
} from './types';
