/** Results: each person's outcome as the provisioning logs report it, and the history of earlier uploads. */
import { useEffect, useId, useState } from 'react';
import { bridge, download } from '../client';
import { Stat, usePolling } from '../components/common';
import { useApp } from '../state';
import type { HistoryView, UploadStatus } from '../../shared/contract';

const OUTCOMES: Record<string, string> = {
  uploaded: 'Sent',
  partial: 'Sent, some failed',
  failed: 'Failed',
  blocked: 'Stopped by the safety check',
  'nothing-to-send': 'Nothing to send',
  'dry-run': 'Rehearsal',
  cancelled: 'Cancelled',
};

export function ResultsScreen() {
  const app = useApp();
  const { uploadId } = app.state;
  const [status, setStatus] = useState<UploadStatus>();
  const [history, setHistory] = useState<HistoryView[]>([]);
  const [problemsOnly, setProblemsOnly] = useState(false);
  const filterId = useId();

  usePolling(Boolean(uploadId), async () => {
    const s = await bridge.invoke('upload:status', { uploadId: uploadId! });
    setStatus(s);
    return s.state !== 'sending' && s.state !== 'waiting-for-results' && s.state !== 'queued';
  }, 500);

  useEffect(() => {
    bridge.invoke('history:list', {}).then((h) => setHistory(h.entries), app.report);
  }, [status?.state, app.report]);

  const rows = (status?.results?.rows ?? []).filter((r) => !problemsOnly || r.status !== 'success');
  const count = (s: string) => (status?.results?.rows ?? []).filter((r) => r.status === s).length;
  return (
    <section aria-labelledby="results-title">
      <h1 id="results-title" tabIndex={-1}>
        Results
      </h1>
      {status ? (
        <>
          <p className="lead">{status.message}</p>
          <div className="stats" role="group" aria-label="Outcomes">
            <Stat label="provisioned" value={count('success')} tone="good" />
            <Stat label="failed" value={count('failure')} tone={count('failure') ? 'bad' : undefined} />
            <Stat label="skipped or warnings" value={count('skipped') + count('warning')} />
            <Stat label="no result yet" value={status.results?.pending ?? 0} />
          </div>
          <div className="row">
            <input id={filterId} type="checkbox" checked={problemsOnly} onChange={(e) => setProblemsOnly(e.target.checked)} />
            <label htmlFor={filterId}>Only people who did not succeed</label>
            <button
              type="button"
              onClick={() =>
                void bridge.invoke('upload:resultsReport', { uploadId: status.uploadId }).then((r) => download(r.fileName, r.csv), app.report)
              }
            >
              Export the results (CSV)
            </button>
          </div>
          <table className="simple" style={{ marginTop: '0.5rem' }}>
            <caption className="visually-hidden">Outcome per person</caption>
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Person (externalId)</th>
                <th scope="col">Action</th>
                <th scope="col">Outcome</th>
                <th scope="col">Why, and what to do</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.externalId}>
                  <td>{r.row ?? '—'}</td>
                  <td>{r.externalId}</td>
                  <td>{r.action}</td>
                  <td className={r.status === 'success' ? 'pass' : r.status === 'failure' ? 'fail' : ''}>{r.status}</td>
                  <td>
                    {r.reason ?? ''}
                    {r.recommendedAction ? <p className="hint">What to do: {r.recommendedAction}</p> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <p className="lead">No upload in this session yet. Earlier uploads are listed below.</p>
      )}
      <h2>History</h2>
      {history.length === 0 ? (
        <p className="hint">No uploads yet.</p>
      ) : (
        <table className="simple">
          <caption className="visually-hidden">Earlier uploads</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">File</th>
              <th scope="col">Profile</th>
              <th scope="col">People</th>
              <th scope="col">Calls</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h) => (
              <tr key={`${h.runId}-${h.finishedAt}`}>
                <td>{new Date(h.finishedAt).toLocaleString()}</td>
                <td>{h.file?.name ?? '—'}</td>
                <td>
                  {h.profile.name} v{h.profile.version}
                </td>
                <td>{h.operations ?? 0}</td>
                <td>{h.calls}</td>
                <td>
                  {OUTCOMES[h.outcome] ?? h.outcome}
                  {h.message ? <p className="hint">{h.message}</p> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
