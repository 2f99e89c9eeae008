export {
  DEFAULT_UNDO_RETENTION_DAYS,
  UNDO_DIR,
  UndoStore,
  readUndoRetention,
  writeUndoRetention,
  type UndoCapture,
  type UndoEntry,
  type UndoRecord,
} from './store';
export { planUndo, type UndoConflict, type UndoPlan, type UndoPlanOptions } from './plan';
export { prepareUndo, undoableRuns, type PrepareUndoOptions, type PreparedUndo } from './undo';
