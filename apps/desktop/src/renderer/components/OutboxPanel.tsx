/**
 * Uploads waiting in the outbox: for a target that did not answer (they go by themselves when it does), or
 * carried over from before the app was closed. Shown where the person lands (Start) and on Results.
 */
import { useState } from 'react';
import { bridge } from '../client';
import { plural, usePolling } from './common';
import { useApp } from '../state';
import type { UploadStatus } from '../../shared/contract';

export function OutboxPanel() {
  const app = useApp();
  const [uploads, setUploads] = useState<UploadStatus[]>([]);
  const [busy, setBusy] = useState(false);

  usePolling(true, async () => {
    setUploads((await bridge.invoke('upload:outbox', {})).uploads);
  }, 2000);

  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await work();
      setUploads((await bridge.invoke('upload:outbox', {})).uploads);
    } catch (error) {
      app.report(error);
    } finally {
      setBusy(false);
    }
  };

  if (uploads.length === 0) return null;
  return (
    <section className="panel outbox" aria-labelledby="outbox-title">
      <h2 id="outbox-title" style={{ marginTop: 0 }}>
        Outbox: {plural(uploads.length, 'upload')} waiting to be sent
      </h2>
      <ul className="list">
        {uploads.map((u) => (
          <li key={u.uploadId}>
            <p style={{ margin: '0.2rem 0' }}>
              <strong>{plural(u.people, 'person', 'people')}</strong> to {u.targetLabel} — {u.progress.chunksDone} of {plural(u.progress.chunksTotal, 'request')} accepted.
            </p>
            <p className="hint" role="status">
              {u.message}
            </p>
            <div className="row" style={{ marginTop: '0.4rem' }}>
              {u.state === 'queued' && (
                <button type="button" disabled={busy} onClick={() => void act(() => bridge.invoke('upload:online', {}))}>
                  Try now
                </button>
              )}
              {u.state === 'paused' && (
                <button type="button" className="primary" disabled={busy} onClick={() => void act(() => bridge.invoke('upload:resume', { uploadId: u.uploadId }))}>
                  Resume
                </button>
              )}
              {(u.state === 'queued' || u.state === 'paused') && (
                <button type="button" className="danger" disabled={busy} onClick={() => void act(() => bridge.invoke('upload:cancel', { uploadId: u.uploadId }))}>
                  Cancel
                </button>
              )}
              <button
                type="button"
                className="quiet"
                onClick={() => {
                  app.update({ uploadId: u.uploadId });
                  app.go('results');
                }}
              >
                Follow it
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
