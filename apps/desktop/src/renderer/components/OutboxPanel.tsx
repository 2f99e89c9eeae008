/**
 * Uploads waiting in the outbox: for a target that did not answer (they go by themselves when it does), or
 * carried over from before the app was closed. Shown where the person lands (Start) and on Results.
 */
import { useState } from 'react';
import { bridge } from '../client';
import { t } from '@scimport/messages';
import { usePolling } from './common';
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
        {t('app.outbox.title', { count: uploads.length })}
      </h2>
      <ul className="list">
        {uploads.map((u) => (
          <li key={u.uploadId}>
            <p style={{ margin: '0.2rem 0' }}>
              <strong>{t('app.count.people', { count: u.people })}</strong> {t('app.outbox.progress', { target: u.targetLabel, done: u.progress.chunksDone, total: u.progress.chunksTotal })}
            </p>
            <p className="hint" role="status">
              {u.message}
            </p>
            <div className="row" style={{ marginTop: '0.4rem' }}>
              {u.state === 'queued' && (
                <button type="button" disabled={busy} onClick={() => void act(() => bridge.invoke('upload:online', {}))}>
                  {t('app.upload.tryNow')}
                </button>
              )}
              {u.state === 'paused' && (
                <button type="button" className="primary" disabled={busy} onClick={() => void act(() => bridge.invoke('upload:resume', { uploadId: u.uploadId }))}>
                  {t('app.upload.resume')}
                </button>
              )}
              {(u.state === 'queued' || u.state === 'paused') && (
                <button type="button" className="danger" disabled={busy} onClick={() => void act(() => bridge.invoke('upload:cancel', { uploadId: u.uploadId }))}>
                  {t('app.upload.cancel')}
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
                {t('app.outbox.follow')}
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
