export { canonicalize, canonicalJson, hashUser, type CanonicalValue } from './canonical';
export {
  Snapshot,
  SnapshotStore,
  isDisableOnly,
  snapshotKeyFromEnv,
  type FailedPerson,
  type FailureInfo,
  type FeedInfo,
  type SnapshotRecord,
  type SnapshotStoreOptions,
  type SnapshotTarget,
} from './snapshot';
export {
  diffAttributes,
  diffUsers,
  type AttributeChange,
  type CurrentUser,
  type DiffCounts,
  type DiffKind,
  type DiffOptions,
  type DiffRecord,
  type DiffResult,
} from './diff';
export {
  DEFAULT_THRESHOLDS,
  disablePayload,
  planUpload,
  resolveThresholds,
  type PlanOptions,
  type SafetyGate,
  type Thresholds,
  type UploadPlan,
} from './plan';
export { isManagerReference, isRetryOnly, managerIdOf, waitingForManager, type WaitingPerson } from './waiting';
export { decideConflict, feedMessages, type FeedConflict, type FeedMessageOptions, type FeedDiff, type FeedMove, type FeedRun } from './feeds';
export {
  SnapshotRecorder,
  type RecordedChunks,
  type RecordedChunksStore,
  type SnapshotRecorderOptions,
  type SnapshotSaver,
} from './recorder';
