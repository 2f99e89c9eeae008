/**
 * Where an upload goes: the built-in sandbox (a rehearsal on this computer) or a Microsoft Entra tenant, with
 * the ids an administrator gives. The secret goes to the keychain, never into the profile.
 */
import { useId, useState } from 'react';
import { t } from '@scimport/messages';
import { bridge } from '../client';
import { useApp } from '../state';
import type { TargetSpec } from '../../shared/contract';

type TenantForm = { cloud: 'global' | 'usgov' | 'dod' | 'china'; tenantId: string; clientId: string; servicePrincipalId: string; jobId: string; auth: 'secret' | 'certificate'; certificatePath: string };

export function TargetChooser({ onCheck }: { onCheck: () => void }) {
  const app = useApp();
  const saved = app.state.profile?.target;
  const [kind, setKind] = useState<TargetSpec['kind']>(app.state.target.kind);
  const [form, setForm] = useState<TenantForm>({
    cloud: saved?.cloud ?? 'global',
    tenantId: saved?.tenantId ?? '',
    clientId: saved?.clientId ?? '',
    servicePrincipalId: saved?.servicePrincipalId ?? '',
    jobId: saved?.jobId ?? '',
    auth: saved?.auth === 'certificate' ? 'certificate' : 'secret',
    certificatePath: saved?.certificatePath ?? '',
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
        setSecretNote(t(stored.persistent ? 'app.target.secretKept' : 'app.target.secretSession'));
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
      <legend>{t('app.target.legend')}</legend>
      <div className="row">
        <input type="radio" id="target-sandbox" name="target" checked={kind === 'sandbox'} onChange={() => setKind('sandbox')} />
        <label htmlFor="target-sandbox">{t('app.target.sandbox')}</label>
      </div>
      <div className="row">
        <input type="radio" id="target-tenant" name="target" checked={kind === 'tenant'} onChange={() => setKind('tenant')} />
        <label htmlFor="target-tenant">{t('app.target.tenant')}</label>
      </div>
      {kind === 'tenant' && (
        <div className="columns-2" style={{ marginTop: '0.5rem' }}>
          <div>
            <div className="field">
              <label htmlFor={ids.cloud}>{t('app.target.cloud')}</label>
              <select id={ids.cloud} value={form.cloud} onChange={(e) => setForm({ ...form, cloud: e.target.value as TenantForm['cloud'] })}>
                <option value="global">{t('app.target.cloudGlobal')}</option>
                <option value="usgov">{t('app.target.cloudUsgov')}</option>
                <option value="dod">{t('app.target.cloudDod')}</option>
                <option value="china">{t('app.target.cloudChina')}</option>
              </select>
            </div>
            {field('tenantId', ids.tenant, t('app.target.tenantId'))}
            {field('clientId', ids.client, t('app.target.clientId'))}
          </div>
          <div>
            {field('servicePrincipalId', ids.sp, t('app.target.servicePrincipalId'))}
            {field('jobId', ids.job, t('app.target.jobId'))}
            <div className="field">
              <label htmlFor={ids.auth}>{t('app.target.auth')}</label>
              <select id={ids.auth} value={form.auth} onChange={(e) => setForm({ ...form, auth: e.target.value as TenantForm['auth'] })}>
                <option value="secret">{t('app.target.authSecret')}</option>
                <option value="certificate">{t('app.target.authCertificate')}</option>
              </select>
            </div>
            {form.auth === 'secret' ? (
              <div className="field">
                <label htmlFor={ids.secret}>{t('app.target.secret')}</label>
                <input id={ids.secret} type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} />
                <p className="hint">{secretNote ?? t('app.target.secretHint')}</p>
              </div>
            ) : (
              field('certificatePath', ids.cert, t('app.target.certificate'))
            )}
          </div>
        </div>
      )}
      <div className="row">
        <button type="button" onClick={() => void apply()} disabled={busy || !app.state.validationJobId}>
          {t('app.target.use')}
        </button>
        <button type="button" onClick={onCheck} disabled={busy}>
          {t('app.target.test')}
        </button>
        <span className="hint">{t('app.target.now', { target: app.state.diff?.targetLabel ?? '' })}</span>
      </div>
    </fieldset>
  );
}
