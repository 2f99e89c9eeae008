export {
  HISTORY_FILE,
  appendHistory,
  currentUser,
  newRunId,
  readHistory,
  sha256File,
  type HistoryEntry,
  type HistoryEntryInput,
  type RunOutcome,
} from './history';
