/** The app's shared state: what is open, the profile being edited, and how far the person has got. */
import { createContext, useContext } from 'react';
import type { MessageKey } from '@scimport/messages';
import type { AppInfo, DiffView, ProfileData, TableInfo, TargetSpec } from '../shared/contract';

export type Step = 'start' | 'file' | 'mapping' | 'validation' | 'diff' | 'upload' | 'results';

/** The steps in order, each with its label's key in the message catalogue. */
export const STEPS: { id: Step; label: MessageKey }[] = [
  { id: 'start', label: 'app.step.start' },
  { id: 'file', label: 'app.step.file' },
  { id: 'mapping', label: 'app.step.mapping' },
  { id: 'validation', label: 'app.step.check' },
  { id: 'diff', label: 'app.step.changes' },
  { id: 'upload', label: 'app.step.upload' },
  { id: 'results', label: 'app.step.results' },
];

export interface AppState {
  info?: AppInfo;
  step: Step;
  table?: TableInfo;
  profile?: ProfileData;
  profilePath?: string;
  /** The profile has changes not saved yet. */
  dirty: boolean;
  autoMap?: { notes: string[]; unplaced: string[]; missingRequired: string[] };
  /** Set when the open file lacks columns the profile's mapping reads (the mapping does not fit it). */
  fit?: { missing: string[]; present: string[] };
  /** The row shown in the mapping preview (index among data rows). */
  previewIndex: number;
  validationJobId?: string;
  /** The profile as it was when the check ran: a later edit makes the check out of date. */
  validatedMapping?: string;
  target: TargetSpec;
  diff?: DiffView;
  /** The person ticked "I have checked these changes" for a comparison the safety check stopped. */
  allowMassChanges: boolean;
  uploadId?: string;
}

export const initialState: AppState = { step: 'start', dirty: false, previewIndex: 0, target: { kind: 'sandbox' }, allowMassChanges: false };

/** The parts of a profile a check depends on: editing any of them makes an earlier check out of date. */
export function profileKey(profile: ProfileData | undefined): string {
  if (!profile) return '';
  const { mapping, lookups, extension, input, output, leavers } = profile;
  return JSON.stringify({ mapping, lookups, extension, input, output, leavers });
}

export interface AppContextValue {
  state: AppState;
  update(change: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void;
  go(step: Step): void;
  /** Shows an error in words for the person (a BridgeError's message, or a general sentence). */
  report(error: unknown): void;
}

export const AppContext = createContext<AppContextValue | undefined>(undefined);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside AppContext');
  return value;
}

/** Which steps can be opened, given what is there. */
export function reachable(state: AppState, step: Step): boolean {
  switch (step) {
    case 'start':
      return true;
    case 'file':
      return Boolean(state.table);
    case 'mapping':
      return Boolean(state.table && state.profile);
    case 'validation':
      return Boolean(state.table && state.profile);
    case 'diff':
      return Boolean(state.validationJobId);
    case 'upload':
      return Boolean(state.diff);
    case 'results':
      return true;
  }
}
