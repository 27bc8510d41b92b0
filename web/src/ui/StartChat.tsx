import { useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client';
import { navigate } from '../lib/router';
import { ErrorBox } from './ui';

/** Opens (or finds) the conversation with a doctor (patients) or a patient of theirs (doctors). */
export function StartChat({ with: body, label }: { with: Schemas['StartConversationRequest']; label: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const c = await api.startConversation(body);
      navigate(`/chat/${c.id}`);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };
  return (
    <div class="start-chat">
      <button type="button" class="btn" disabled={busy} onClick={() => void start()}>
        {label}
      </button>
      {error && <ErrorBox message={error} />}
    </div>
  );
}
