/** The preflight's checks, each with its outcome and its sentence of what to do. */
import { t } from '@scimport/messages';
import type { PreflightView } from '../../shared/contract';

const LABELS = { pass: 'app.preflight.pass', warn: 'app.preflight.warn', fail: 'app.preflight.fail' } as const;
const CLASSES = { pass: 'pass', warn: 'sev-warning', fail: 'fail' } as const;

export function PreflightList({ view, label }: { view: PreflightView; label: string }) {
  return (
    <ul className="list checks" aria-label={label}>
      {view.checks.map((c) => (
        <li key={c.id} data-status={c.status}>
          <span className={`check-status ${CLASSES[c.status]}`}>{t(LABELS[c.status])}</span>
          <span>
            <strong>{c.title}</strong> — {c.detail}
          </span>
        </li>
      ))}
    </ul>
  );
}
