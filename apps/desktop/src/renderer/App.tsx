/** The app shell: the steps on the left, the current screen on the right, errors in a banner on top. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { t } from '@scimport/messages';
import { bridge } from './client';
import { ErrorBanner, errorText } from './components/common';
import { OutboxPanel } from './components/OutboxPanel';
import { AppContext, STEPS, initialState, reachable, type AppContextValue, type AppState, type Step } from './state';
import { StartScreen } from './screens/StartScreen';
import { FileScreen } from './screens/FileScreen';
import { MappingScreen } from './screens/MappingScreen';
import { ValidationScreen } from './screens/ValidationScreen';
import { DiffScreen } from './screens/DiffScreen';
import { UploadScreen } from './screens/UploadScreen';
import { ResultsScreen } from './screens/ResultsScreen';

const SCREENS: Record<Step, () => React.JSX.Element | null> = {
  start: StartScreen,
  file: FileScreen,
  mapping: MappingScreen,
  validation: ValidationScreen,
  diff: DiffScreen,
  upload: UploadScreen,
  results: ResultsScreen,
};

export function App() {
  const [state, setState] = useState<AppState>(initialState);
  const [error, setError] = useState<string>();
  const mainRef = useRef<HTMLElement>(null);

  const update = useCallback<AppContextValue['update']>((change) => setState((s) => ({ ...s, ...(typeof change === 'function' ? change(s) : change) })), []);
  const go = useCallback((step: Step) => {
    setError(undefined);
    setState((s) => ({ ...s, step }));
  }, []);
  const report = useCallback((e: unknown) => setError(errorText(e)), []);
  const value = useMemo(() => ({ state, update, go, report }), [state, update, go, report]);

  useEffect(() => {
    bridge.invoke('app:info', {}).then((info) => update({ info }), report);
  }, [update, report]);

  // Moving to another step puts the keyboard and screen reader at the top of the new screen.
  useEffect(() => {
    mainRef.current?.querySelector('h1')?.focus();
    const step = STEPS.find((s) => s.id === state.step);
    document.title = t('app.title', { step: step ? t(step.label) : '' });
  }, [state.step]);

  // The network is back: uploads waiting in the outbox go now rather than after their pause.
  useEffect(() => {
    const online = () => void bridge.invoke('upload:online', {}).catch(() => undefined);
    window.addEventListener('online', online);
    return () => window.removeEventListener('online', online);
  }, []);

  // Unsaved profile changes are never lost silently: the window asks before closing.
  useEffect(() => {
    if (!state.dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [state.dirty]);

  const Screen = SCREENS[state.step];
  return (
    <AppContext.Provider value={value}>
      <div className="shell">
        <nav className="steps" aria-label={t('app.nav.label')}>
          <p className="brand">scimport</p>
          <ol>
            {STEPS.map((s, i) => (
              <li key={s.id}>
                <button
                  type="button"
                  className="step"
                  aria-current={state.step === s.id ? 'step' : undefined}
                  disabled={!reachable(state, s.id)}
                  onClick={() => go(s.id)}
                >
                  <span className="step-number" aria-hidden="true">
                    {i + 1}
                  </span>
                  {t(s.label)}
                </button>
              </li>
            ))}
          </ol>
          {state.profile && (
            <p className="profile-badge">
              {t('app.nav.profile')} <strong>{state.profile.name}</strong> {t('app.nav.profileVersion', { version: state.profile.version })}
              {state.dirty && <span className="unsaved"> {t('app.nav.unsaved')}</span>}
            </p>
          )}
          {state.info && <p className="mode">{t(state.info.mode === 'web' ? 'app.nav.modeWeb' : 'app.nav.modeDesktop', { version: state.info.version })}</p>}
        </nav>
        <main ref={mainRef}>
          <ErrorBanner message={error} onDismiss={() => setError(undefined)} />
          <Screen />
          {(state.step === 'start' || state.step === 'results') && <OutboxPanel />}
        </main>
      </div>
    </AppContext.Provider>
  );
}
