import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { BackupSettings } from '../../../../shared/backup';
import { ErrorDetails } from '../deploy/ErrorDetails';
import { useSetBackupSettings } from '../../queries/backups';
import { scheduleDraft, scheduleOf, type ScheduleDraft } from './format';
import { targetDraft, targetOf, type TargetDraft } from './target-draft';
import { TargetFields } from './TargetFields';

/** Turns backups on, or changes where they go, when, how many are kept, and the copy on this laptop. */
export function BackupSettingsForm({ settings }: { settings: BackupSettings }) {
  const { t } = useTranslation();
  const save = useSetBackupSettings();
  const [target, setTarget] = useState<TargetDraft>(() => targetDraft(settings.target));
  const [schedule, setSchedule] = useState<ScheduleDraft>(() => scheduleDraft(settings.schedule));
  const [enabled, setEnabled] = useState(settings.enabled || !settings.configured);
  const [retention, setRetention] = useState(() => ({
    last: String(settings.retention.last),
    daily: String(settings.retention.daily),
    weekly: String(settings.retention.weekly),
    monthly: String(settings.retention.monthly),
  }));
  const [laptopCopy, setLaptopCopy] = useState(settings.keepLaptopCopy);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({
      serverId: settings.serverId,
      enabled,
      target: targetOf(target),
      schedule: scheduleOf(schedule),
      retention: {
        last: Number(retention.last) || 3,
        daily: Number(retention.daily) || 7,
        weekly: Number(retention.weekly) || 0,
        monthly: Number(retention.monthly) || 0,
      },
      keepLaptopCopy: laptopCopy,
    });
  };
  const keep = (id: 'last' | 'daily' | 'weekly' | 'monthly', label: string) => (
    <div className="field">
      <label htmlFor={`backup-keep-${id}`}>{label}</label>
      <input
        id={`backup-keep-${id}`}
        type="number"
        className="narrow"
        min={id === 'daily' || id === 'last' ? 1 : 0}
        value={retention[id]}
        onChange={(e) => setRetention({ ...retention, [id]: e.target.value })}
      />
    </div>
  );

  return (
    <form className="card" onSubmit={submit} aria-labelledby="backup-settings-title">
      <h2 id="backup-settings-title">{t('backups.settings.title')}</h2>
      {settings.configured && (
        <div className="field">
          <label className="radio">
            <input
              type="checkbox"
              checked={enabled}
              aria-describedby="backup-enabled-help"
              onChange={(e) => setEnabled(e.target.checked)}
            />
            {t('backups.settings.enabled')}
          </label>
          <small id="backup-enabled-help">{t('backups.settings.enabledHelp')}</small>
        </div>
      )}
      <TargetFields
        draft={target}
        onChange={setTarget}
        savedKind={settings.configured ? settings.target.kind : undefined}
      />
      <fieldset className="field">
        <legend>{t('backups.settings.when')}</legend>
        <div className="inline-form">
          <label className="radio">
            <input
              type="radio"
              name="backup-schedule"
              checked={schedule.mode === 'daily'}
              onChange={() => setSchedule({ mode: 'daily', time: '03:30' })}
            />
            {t('backups.settings.daily')}
          </label>
          <input
            type="time"
            aria-label={t('backups.settings.dailyTime')}
            disabled={schedule.mode !== 'daily'}
            value={schedule.mode === 'daily' ? schedule.time : ''}
            required={schedule.mode === 'daily'}
            onChange={(e) => setSchedule({ mode: 'daily', time: e.target.value })}
          />
        </div>
        <div className="inline-form">
          <label className="radio">
            <input
              type="radio"
              name="backup-schedule"
              checked={schedule.mode === 'every'}
              onChange={() => setSchedule({ mode: 'every', hours: '6' })}
            />
            {t('backups.settings.every')}
          </label>
          <input
            type="number"
            className="narrow"
            min={1}
            aria-label={t('backups.settings.everyHours')}
            disabled={schedule.mode !== 'every'}
            value={schedule.mode === 'every' ? schedule.hours : ''}
            onChange={(e) => setSchedule({ mode: 'every', hours: e.target.value })}
          />{' '}
          {t('backups.settings.hours')}
        </div>
      </fieldset>
      <fieldset className="field">
        <legend>{t('backups.settings.keep')}</legend>
        <div className="inline-form">
          {keep('last', t('backups.settings.keepLast'))}
          {keep('daily', t('backups.settings.keepDaily'))}
          {keep('weekly', t('backups.settings.keepWeekly'))}
          {keep('monthly', t('backups.settings.keepMonthly'))}
        </div>
        <small>{t('backups.settings.keepHelp')}</small>
      </fieldset>
      <div className="field">
        <label className="radio">
          <input
            type="checkbox"
            checked={laptopCopy}
            aria-describedby="backup-laptop-help"
            onChange={(e) => setLaptopCopy(e.target.checked)}
          />
          {t('backups.settings.laptopCopy')}
        </label>
        <small id="backup-laptop-help">{t('backups.settings.laptopCopyHelp')}</small>
      </div>
      {!settings.configured && <p className="muted small">{t('backups.settings.keyNote')}</p>}
      {save.error && <ErrorDetails error={save.error} />}
      {save.isSuccess && (
        <p className="banner success" role="status">
          {t(enabled ? 'backups.settings.saved' : 'backups.settings.savedOff')}
        </p>
      )}
      <button type="submit" className="primary" disabled={save.isPending}>
        {save.isPending
          ? t('backups.settings.saving')
          : settings.configured
            ? t('backups.settings.save')
            : t('backups.settings.enable')}
      </button>
    </form>
  );
}
