/**
 * The leavers policy and the safety thresholds, set where their effect is seen (the Changes screen) and
 * explained in words. Changing them updates the profile (saved with it) and compares again.
 */
import { useId, useState } from 'react';
import { t } from '@scimport/messages';
import type { DiffView, ProfileData } from '../../shared/contract';

type Leavers = NonNullable<ProfileData['leavers']>;

export function LeaversSettings({ diff, leavers, onApply, busy }: { diff: DiffView; leavers: Leavers | undefined; onApply: (leavers: Leavers) => void; busy: boolean }) {
  const defaults = diff.thresholds;
  const [policy, setPolicy] = useState<Leavers['policy']>(leavers?.policy ?? diff.leaverPolicy);
  const [values, setValues] = useState({
    maxDisablePercent: String(leavers?.maxDisablePercent ?? defaults.maxDisablePercent),
    maxDisableCount: String(leavers?.maxDisableCount ?? defaults.maxDisableCount),
    maxChangePercent: String(leavers?.maxChangePercent ?? defaults.maxChangePercent),
    maxChangeCount: String(leavers?.maxChangeCount ?? defaults.maxChangeCount),
  });
  const ids = { ignore: useId(), disable: useId(), dp: useId(), dc: useId(), cp: useId(), cc: useId() };
  const number = (key: keyof typeof values, id: string, label: string, hint: string, max?: number) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" min={0} {...(max !== undefined ? { max } : {})} value={values[key]} onChange={(e) => setValues({ ...values, [key]: e.target.value })} style={{ width: '8rem' }} />
      <p className="hint">{hint}</p>
    </div>
  );
  const parsed = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Number(v)])) as Record<keyof typeof values, number>;
  const valid = Object.values(parsed).every((n) => Number.isFinite(n) && n >= 0) && parsed.maxDisablePercent <= 100 && parsed.maxChangePercent <= 100;
  return (
    <details className="panel settings">
      <summary>{t('app.leavers.summary', { policy: policy === 'disable' ? t('app.leavers.policyDisableShort') : t('app.leavers.policyIgnoreShort') })}</summary>
      <fieldset>
        <legend>{t('app.leavers.legend')}</legend>
        <div className="row">
          <input type="radio" id={ids.ignore} name="leavers-policy" checked={policy === 'ignore'} onChange={() => setPolicy('ignore')} />
          <label htmlFor={ids.ignore}>{t('app.leavers.ignore')}</label>
        </div>
        <div className="row">
          <input type="radio" id={ids.disable} name="leavers-policy" checked={policy === 'disable'} onChange={() => setPolicy('disable')} />
          <label htmlFor={ids.disable}>{t('app.leavers.disable')}</label>
        </div>
      </fieldset>
      <fieldset>
        <legend>{t('app.leavers.safetyLegend')}</legend>
        <p className="hint">{t('app.leavers.safetyExplained')}</p>
        <div className="columns-2">
          <div>
            {number('maxDisablePercent', ids.dp, t('app.leavers.maxDisablePercent'), t('app.leavers.maxDisablePercentHint'), 100)}
            {number('maxDisableCount', ids.dc, t('app.leavers.maxDisableCount'), t('app.leavers.maxDisableCountHint'))}
          </div>
          <div>
            {number('maxChangePercent', ids.cp, t('app.leavers.maxChangePercent'), t('app.leavers.maxChangePercentHint'), 100)}
            {number('maxChangeCount', ids.cc, t('app.leavers.maxChangeCount'), t('app.leavers.maxChangeCountHint'))}
          </div>
        </div>
      </fieldset>
      <button type="button" onClick={() => onApply({ policy, ...parsed })} disabled={busy || !valid}>
        {t('app.leavers.apply')}
      </button>
    </details>
  );
}
