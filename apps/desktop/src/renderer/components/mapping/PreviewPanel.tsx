/**
 * The selected row and the person it becomes, beside the form or the editor, updated as the mapping changes.
 */
import { useId } from 'react';
import { t } from '@scimport/messages';
import type { FindingView, MappingSyntaxProblem, RowView, TableInfo } from '../../../shared/contract';

export interface Preview {
  row: RowView;
  user?: unknown;
  findings: FindingView[];
  syntax?: MappingSyntaxProblem;
}

export function PreviewPanel({ table, preview, index, onIndex, compact }: { table: TableInfo; preview: Preview | undefined; index: number; onIndex(index: number): void; compact?: boolean }) {
  const rowId = useId();
  const problem = preview?.syntax;
  const rowErrors = preview?.findings.filter((f) => f.severity === 'error') ?? [];
  return (
    <div className="panel mapping-preview">
      <div className="row">
        <label htmlFor={rowId}>{t('mapping.screen.rowToPreview')}</label>
        <button type="button" aria-label={t('mapping.screen.previousRow')} onClick={() => onIndex(Math.max(0, index - 1))} disabled={index === 0}>
          ‹
        </button>
        <input
          id={rowId}
          type="number"
          min={1}
          value={index + 1}
          onChange={(e) => {
            const n = Number(e.target.value);
            if (Number.isInteger(n) && n >= 1) onIndex(n - 1);
          }}
          style={{ width: '5rem' }}
        />
        <button type="button" aria-label={t('mapping.screen.nextRow')} onClick={() => onIndex(index + 1)}>
          ›
        </button>
      </div>
      {preview && (
        <>
          <h2>{t('mapping.screen.rowOf', { row: preview.row.row, file: table.file })}</h2>
          {!compact && (
            <dl className="source-cells" aria-label={t('mapping.screen.sourceCells')}>
              {table.columns.map((c, i) => (
                <div key={c.index} style={{ display: 'contents' }}>
                  <dt>{c.header}</dt>
                  <dd style={{ margin: 0 }}>{preview.row.cells[i] ?? <span className="hint">{t('mapping.screen.empty')}</span>}</dd>
                </div>
              ))}
            </dl>
          )}
          {preview.findings.length > 0 && (
            <ul className="list" aria-label={t('mapping.screen.rowProblems')}>
              {preview.findings.map((f, i) => (
                <li key={i}>
                  <span className={`sev-${f.severity}`}>{t(f.severity === 'error' ? 'mapping.screen.error' : 'mapping.screen.warning')}</span> {f.message}
                </li>
              ))}
            </ul>
          )}
          {rowErrors.length === 0 && preview.user !== undefined && <p className="pass">{t('mapping.screen.ready')}</p>}
          <h2>{t('mapping.screen.becomes')}</h2>
          {preview.user !== undefined ? (
            <pre className="json" aria-label={t('mapping.screen.becomesLabel')} tabIndex={0}>
              {JSON.stringify(preview.user, null, 2)}
            </pre>
          ) : (
            <p className="hint">{t(problem ? 'mapping.screen.fixToSee' : 'mapping.screen.noPerson')}</p>
          )}
        </>
      )}
    </div>
  );
}
