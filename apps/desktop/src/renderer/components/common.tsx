/**
 * Small shared pieces: the error banner, a progress bar, the footer bar with the next step, "Technical details",
 * and numbers and dates in the person's own format. Every word comes from the message catalogue.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import { t } from '@scimport/messages';
import { isBridgeError } from '../../shared/contract';

/** The person's language as the browser or the operating system reports it (numbers and dates follow it). */
export function userLocale(): string {
  return typeof navigator !== 'undefined' && navigator.language ? navigator.language : 'en-GB';
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(userLocale()).format(n);
}

/** One format for dates everywhere: the person's locale, day and time. */
export function formatDate(value: string | number | Date): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(userLocale(), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function describeDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return t('app.duration.seconds', { s });
  const m = Math.floor(s / 60);
  return m < 60 ? t('app.duration.minutes', { m, s: s % 60 }) : t('app.duration.hours', { h: Math.floor(m / 60), m: m % 60 });
}

/** The sentence to show for an error. */
export function errorText(error: unknown): string {
  if (isBridgeError(error)) return error.message;
  return t('app.error.unexpected');
}

/**
 * The bar at the bottom of every screen with the next step's button: always in view, however long the screen
 * (it sticks to the bottom of the window).
 */
export function FooterBar({ children, note }: { children: ReactNode; note?: ReactNode }) {
  return (
    <div className="footer-bar" role="group" aria-label={t('app.footer.label')}>
      <div className="footer-note">{note}</div>
      <div className="footer-actions">{children}</div>
    </div>
  );
}

/** What only an administrator needs (ids, permission names, paths): folded away under "Technical details". */
export function TechnicalDetails({ children, summary }: { children: ReactNode; summary?: string }) {
  return (
    <details className="technical">
      <summary>{summary ?? t('app.technical.summary')}</summary>
      <div className="technical-body">{children}</div>
    </details>
  );
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
          {t('app.error.dismiss')}
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
export function usePolling(active: boolean, tick: () => Promise<boolean | void>, ms = 150, restartOn?: string): void {
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
    // `restartOn`: a new thing to follow (another upload) starts the polling again after the last one finished.
  }, [active, ms, restartOn]);
}

export function Stat({ label, value, tone }: { label: string; value: number | string; tone?: 'good' | 'bad' | 'warn' }) {
  return (
    <div className={`stat ${tone ?? ''}`}>
      <span className="stat-value">{typeof value === 'number' ? formatNumber(value) : value}</span>
      <span className="stat-label">{label}</span>
    </div>
  );
}
