// Email alerts a user may switch off (GET/PATCH /api/v1/me/notifications): appointment reminders and
// new chat messages. Mails link here ("Switch these alerts off").
import { useEffect, useState } from 'preact/hooks';
import { api, type Schemas } from '../../api/client';
import { ErrorBox, Loading, PageHeader } from '../../ui/ui';

type Prefs = Schemas['NotificationPreferences'];

export function NotificationSettings() {
  const [prefs, setPrefs] = useState<Prefs | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    api.notifications(ctl.signal).then(setPrefs, (e: Error) => e.name !== 'AbortError' && setError(e.message));
    return () => ctl.abort();
  }, []);
  const change = async (key: 'reminders' | 'chat', value: boolean) => {
    setError(null);
    setSaved(null);
    try {
      const next = await api.setNotifications({ [key]: value });
      setPrefs(next);
      setSaved('Saved.');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section class="narrow">
      <PageHeader title="Email alerts" />
      {error && <ErrorBox message={error} />}
      {!prefs && !error && <Loading />}
      {prefs && (
        <fieldset class="form">
          <legend>Send me an email for</legend>
          <label class="check">
            <input type="checkbox" checked={prefs.reminders} onChange={(e) => void change('reminders', (e.target as HTMLInputElement).checked)} />{' '}
            Appointment reminders (a day and an hour before)
          </label>
          <label class="check">
            <input type="checkbox" checked={prefs.chat} onChange={(e) => void change('chat', (e.target as HTMLInputElement).checked)} />{' '}
            New chat messages while I am not in the chat (at most one per conversation every 15 minutes)
          </label>
          <p role="status" class="muted">
            {saved}
          </p>
        </fieldset>
      )}
    </section>
  );
}
