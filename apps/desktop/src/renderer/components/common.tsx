/** Small shared pieces: the error banner, a progress bar, number formatting. */
import { useEffect, useRef, type ReactNode } from 'react';
import { isBridgeError } from '../../shared/contract';

export function formatNumber(n: number): string {
  return n.toLocaleString('en-US');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

export function describeDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The sentence to show for an error. */
export function errorText(error: unknown): string {
  if (isBridgeError(error)) return error.message;
  return 'Something unexpected went wrong. Try again; if it keeps happening, restart the app.';
}

export function ErrorBanner({ message, onDismiss }: { message: string | undefined; onDismiss?: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (message) ref.current?.focus();
  }, [message]);
  if (!message) return null;
  return (
    <div className="banner error" role="alert" tabIndex={-1} ref={ref}>
      <p>{message}</p>
      {onDismiss && (
        <button type="button" className="quiet" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

export function Progress({ label, value, max, children }: { label: string; value: number; max?: number; children?: ReactNode }) {
  const known = max !== undefined && max > 0;
  return (
    <div className="progress">
      <progress aria-label={label} value={known ? Math.min(value, max) : undefined} max={known ? max : undefined} />
      <span className="progress-text" aria-live="polite">
        {children}
      </span>
    </div>
  );
}

/** Calls `tick` every `ms` while `active`, stopping when it returns true. */
export function usePolling(active: boolean, tick: () => Promise<boolean | void>, ms = 150): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const loop = async () => {
      if (stopped) return;
      let finished = false;
      try {
        finished = (await tickRef.current()) === true;
      } catch {
        finished = true;
      }
      if (!stopped && !finished) timer = setTimeout(loop, ms);
    };
    void loop();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [active, ms]);
}

export function Stat({ label, value, tone }: { label: string; value: number | string; tone?: 'good' | 'bad' | 'warn' }) {
  return (
    <div className={`stat ${tone ?? ''}`}>
      <span className="stat-value">{typeof value === 'number' ? formatNumber(value) : value}</span>
      <span className="stat-label">{label}</span>
    </div>
  );
}
