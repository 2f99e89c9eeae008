/**
 * Upload: where to (the built-in sandbox by default, or a Microsoft Entra tenant), what it costs in calls, then
 * sending — one person first if wanted — with progress, pause, resume and cancel.
 */
import { useCallback, useEffect, useId, useState } from 'react';
import { bridge } from '../client';
import { Progress, describeDuration, errorText, formatNumber, plural, usePolling } from '../components/common';
import { JobPanel } from '../components/JobPanel';
import { PreflightList } from '../components/PreflightList';
import { useApp } from '../state';
import type { BudgetView, PreflightView, TargetSpec, UploadStatus } from '../../shared/contract';

type TenantForm = { cloud: 'global' | 'usgov' | 'dod' | 'china'; tenantId: string; clientId: string; servicePrincipalId: string; jobId: string; auth: 'secret' | 'certificate'; certificatePath: string };

function TargetChooser({ onCheck }: { onCheck: () => void }) {
  const app = useApp();
  const t = app.state.profile?.target;
  const [kind, setKind] = useState<TargetSpec['kind']>(app.state.target.kind);
  const [form, setForm] = useState<TenantForm>({
    cloud: t?.cloud ?? 'global',
    tenantId: t?.tenantId ?? '',
    clientId: t?.clientId ?? '',
    servicePrincipalId: t?.servicePrincipalId ?? '',
    jobId: t?.jobId ?? '',
    auth: t?.auth === 'certificate' ? 'certificate' : 'secret',
    certificatePath: t?.certificatePath ?? '',
  });
  const [secret, setSecret] = useState('');
  const [secretNote, setSecretNote] = useState<string>();
  const [busy, setBusy] = useState(false);
  const ids = { cloud: useId(), tenant: useId(), client: useId(), sp: useId(), job: useId(), auth: useId(), secret: useId(), cert: useId() };

  const spec = (): TargetSpec =>
    kind === 'sandbox'
      ? { kind: 'sandbox' }
      : { kind: 'tenant', cloud: form.cloud, tenantId: form.tenantId.trim(), clientId: form.clientId.trim(), servicePrincipalId: form.servicePrincipalId.trim(), jobId: form.jobId.trim(), auth: form.auth, ...(form.auth === 'certificate' && form.certificatePath.trim() ? { certificatePath: form.certificatePath.trim() } : {}) };

  const apply = async () => {
    setBusy(true);
    try {
      const target = spec();
      if (target.kind === 'tenant' && target.auth === 'secret' && secret) {
        const stored = await bridge.invoke('secrets:set', { tenantId: target.tenantId, clientId: target.clientId, secret });
        setSecret('');
        setSecretNote(stored.persistent ? 'The secret is kept in this computer\'s keychain.' : 'The secret is kept only until the app closes.');
      }
      // The comparison depends on the target: what that target last accepted.
      const diff = await bridge.invoke('diff:compute', { jobId: app.state.validationJobId!, target });
      app.update({ target, diff, allowMassChanges: false, uploadId: undefined });
      if (diff.gate.tripped) app.go('diff');
    } catch (error) {
      app.report(error);
    } finally {
      setBusy(false);
    }
  };

  const field = (key: keyof TenantForm, id: string, label: string) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="text" value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} />
    </div>
  );

  return (
    <fieldset>
      <legend>Where to send</legend>
      <div className="row">
        <input type="radio" id="target-sandbox" name="target" checked={kind === 'sandbox'} onChange={() => setKind('sandbox')} />
        <label htmlFor="target-sandbox">The built-in sandbox (a rehearsal on this computer; nothing leaves it)</label>
      </div>
      <div className="row">
        <input type="radio" id="target-tenant" name="target" checked={kind === 'tenant'} onChange={() => setKind('tenant')} />
        <label htmlFor="target-tenant">A Microsoft Entra ID tenant</label>
      </div>
      {kind === 'tenant' && (
        <div className="columns-2" style={{ marginTop: '0.5rem' }}>
          <div>
            <div className="field">
              <label htmlFor={ids.cloud}>Cloud</label>
              <select id={ids.cloud} value={form.cloud} onChange={(e) => setForm({ ...form, cloud: e.target.value as TenantForm['cloud'] })}>
                <option value="global">Global</option>
                <option value="usgov">US Government</option>
                <option value="dod">US Government (DoD)</option>
                <option value="china">China (21Vianet)</option>
              </select>
            </div>
            {field('tenantId', ids.tenant, 'Directory (tenant) ID')}
            {field('clientId', ids.client, 'Application (client) ID')}
          </div>
          <div>
            {field('servicePrincipalId', ids.sp, 'Enterprise application object ID')}
            {field('jobId', ids.job, 'Provisioning job ID')}
            <div className="field">
              <label htmlFor={ids.auth}>Sign in with</label>
              <select id={ids.auth} value={form.auth} onChange={(e) => setForm({ ...form, auth: e.target.value as TenantForm['auth'] })}>
                <option value="secret">A client secret</option>
                <option value="certificate">A certificate file</option>
              </select>
            </div>
            {form.auth === 'secret' ? (
              <div className="field">
                <label htmlFor={ids.secret}>Client secret</label>
                <input id={ids.secret} type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} />
                <p className="hint">{secretNote ?? 'Kept in this computer\'s keychain, never in the profile. Leave empty to use the one kept before.'}</p>
              </div>
            ) : (
              field('certificatePath', ids.cert, 'Certificate file (.pem with the private key)')
            )}
          </div>
        </div>
      )}
      <div className="row">
        <button type="button" onClick={() => void apply()} disabled={busy || !app.state.validationJobId}>
          Use this target
        </button>
        <button type="button" onClick={onCheck} disabled={busy}>
          Test the connection
        </button>
        <span className="hint">Now: {app.state.diff?.targetLabel}</span>
      </div>
    </fieldset>
  );
}

export function UploadScreen() {
  const app = useApp();
  const { diff, uploadId } = app.state;
  const [budget, setBudget] = useState<BudgetView>();
  const [status, setStatus] = useState<UploadStatus>();
  const [busy, setBusy] = useState(false);
  const [preflight, setPreflight] = useState<PreflightView>();
  const [preflightError, setPreflightError] = useState<string>();
  const [checking, setChecking] = useState(false);
  const diffId = diff?.diffId;

  useEffect(() => {
    if (diff) bridge.invoke('upload:budget', { diffId: diff.diffId }).then(setBudget, app.report);
  }, [diff, app.report]);

  // The preflight runs whenever the comparison (and so the target) changes, and after the job panel changed the job.
  const check = useCallback(async () => {
    if (!diffId) return;
    setChecking(true);
    setPreflightError(undefined);
    try {
      setPreflight(await bridge.invoke('upload:preflight', { diffId }));
    } catch (error) {
      setPreflight(undefined);
      setPreflightError(errorText(error));
    } finally {
      setChecking(false);
    }
  }, [diffId]);
  useEffect(() => {
    setPreflight(undefined);
    void check();
  }, [check]);

  const going = (s: UploadStatus) => s.state === 'sending' || s.state === 'waiting-for-results' || s.state === 'queued';
  const live = Boolean(uploadId) && (!status || going(status));
  usePolling(live, async () => {
    const s = await bridge.invoke('upload:status', { uploadId: uploadId! });
    setStatus(s);
    return !going(s);
  }, 200);

  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await work();
    } catch (error) {
      app.report(error);
    } finally {
      setBusy(false);
    }
  };

  const start = (firstOnly: boolean) =>
    act(async () => {
      setStatus(undefined);
      const { uploadId: id } = await bridge.invoke('upload:start', { diffId: diff!.diffId, firstOnly, allowMassChanges: app.state.allowMassChanges });
      app.update({ uploadId: id });
    });

  if (!diff) return null;
  const total = diff.operations + diff.disables;
  const failed = preflight?.checks.filter((c) => c.status === 'fail') ?? [];
  const warned = preflight?.checks.filter((c) => c.status === 'warn') ?? [];
  const offline = Boolean(preflight?.unreachable);
  const cleared = (Boolean(preflight?.ok) || offline) && !checking;
  const blockedReason = checking || (!preflight && !preflightError)
    ? 'Checking the target before sending…'
    : preflightError
      ? `Sending waits until the target can be checked: ${preflightError}`
      : failed.length > 0 && !offline
        ? `Sending is blocked until ${failed.length === 1 ? 'this problem is' : `these ${failed.length} problems are`} fixed: ${failed.map((c) => `${c.title} — ${c.detail}`).join(' ')}`
        : undefined;
  const p = status?.progress;
  const ended = status && !['sending', 'waiting-for-results', 'paused', 'queued'].includes(status.state);
  return (
    <section aria-labelledby="upload-title">
      <h1 id="upload-title" tabIndex={-1}>
        Upload
      </h1>
      <p className="lead">People are sent in requests of up to 50, at the pace Microsoft allows. You can pause and resume at any time; nothing is sent twice.</p>
      <TargetChooser onCheck={() => void check()} />
      <JobPanel target={app.state.target} onChanged={() => void check()} refreshKey={`${status?.uploadId ?? ''}:${ended ? 'ended' : 'open'}`} />
      <section className="panel preflight" aria-labelledby="preflight-title" aria-busy={checking}>
        <h2 id="preflight-title" style={{ marginTop: 0 }}>
          Before sending
        </h2>
        {preflight && <PreflightList view={preflight} label="Checks before sending" />}
        {warned.length > 0 && failed.length === 0 && !checking && (
          <p className="sev-warning">
            {warned.length === 1 ? 'One note' : `${warned.length} notes`} above: sending is possible, but read {warned.length === 1 ? 'it' : 'them'} first.
          </p>
        )}
        {offline && !checking && (
          <p className="sev-warning" role="status">
            The target cannot be reached now. What you send waits in the outbox on this computer and goes by itself as soon as the target answers — the checks above run again first.
          </p>
        )}
        {blockedReason && (
          <p className={checking || (!preflight && !preflightError) ? 'hint' : 'fail'} role="status" id="send-blocked">
            {blockedReason}
          </p>
        )}
      </section>
      {budget && (
        <p>
          This upload needs <strong>{plural(budget.callsNeeded, 'call')}</strong>; {formatNumber(budget.remaining)} of the tenant's {formatNumber(budget.limit)} daily calls are left (as counted on this computer).
        </p>
      )}
      {(!status || ended) && (
        <div className="row">
          <button type="button" onClick={() => void start(true)} disabled={busy || !cleared || total === 0 || Boolean(status && !ended)} aria-describedby={blockedReason ? 'send-blocked' : undefined}>
            Send one person first
          </button>
          <button type="button" className="primary" onClick={() => void start(false)} disabled={busy || !cleared || total === 0} aria-describedby={blockedReason ? 'send-blocked' : undefined}>
            Send everyone ({plural(total, 'person', 'people')})
          </button>
        </div>
      )}
      {status && (
        <div className="panel" style={{ marginTop: '1rem' }}>
          <h2 style={{ marginTop: 0 }}>{status.firstOnly ? 'Sending one person first' : `Sending ${plural(status.people, 'person', 'people')}`}</h2>
          {p && (
            <Progress label="Upload progress" value={p.chunksDone} max={p.chunksTotal}>
              {p.chunksDone} of {plural(p.chunksTotal, 'request')} accepted · {plural(p.calls, 'call')} · {plural(p.throttles, 'wait')} for Microsoft's limit
              {p.etaMs !== undefined && p.etaMs > 0 ? ` · about ${describeDuration(p.etaMs)} left` : ''}
            </Progress>
          )}
          <p role="status">{status.message}</p>
          <div className="row">
            {status.state === 'queued' && (
              <button type="button" onClick={() => void act(async () => void (await bridge.invoke('upload:online', {})))} disabled={busy}>
                Try now
              </button>
            )}
            {(status.state === 'sending' || status.state === 'waiting-for-results' || status.state === 'queued') && (
              <button type="button" onClick={() => void act(async () => setStatus(await bridge.invoke('upload:pause', { uploadId: status.uploadId })))} disabled={busy}>
                Pause
              </button>
            )}
            {status.state === 'paused' && (
              <button type="button" className="primary" onClick={() => void act(async () => setStatus(await bridge.invoke('upload:resume', { uploadId: status.uploadId })))} disabled={busy}>
                Resume
              </button>
            )}
            {(status.state === 'sending' || status.state === 'waiting-for-results' || status.state === 'paused' || status.state === 'queued') && (
              <button type="button" className="danger" onClick={() => void act(async () => setStatus(await bridge.invoke('upload:cancel', { uploadId: status.uploadId })))} disabled={busy}>
                Cancel
              </button>
            )}
            {status.state === 'done' && status.firstOnly && status.remaining > 0 && (
              <button
                type="button"
                className="primary"
                disabled={busy}
                onClick={() =>
                  void act(async () => {
                    const { uploadId: id } = await bridge.invoke('upload:sendRest', { uploadId: status.uploadId });
                    setStatus(undefined);
                    app.update({ uploadId: id });
                  })
                }
              >
                Send the other {plural(status.remaining, 'person', 'people')}
              </button>
            )}
            {(status.state === 'done' || status.state === 'failed' || status.state === 'cancelled') && (
              <button type="button" onClick={() => app.go('results')}>
                See the results
              </button>
            )}
          </div>
          {status.results && status.results.rows.length > 0 && status.firstOnly && (
            <ul className="list" aria-label="Result of the first person">
              {status.results.rows.map((r) => (
                <li key={r.externalId}>
                  <span className={r.status === 'success' ? 'pass' : 'fail'}>{r.status}</span> row {r.row ?? '?'} ({r.externalId}) {r.reason ? `— ${r.reason}` : ''} {r.recommendedAction ? `What to do: ${r.recommendedAction}` : ''}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
