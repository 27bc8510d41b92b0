// The advice panel: POST /api/v1/health/advice asks the AI engine (offline by default) for
// suggestions built from the patient's readings; the latest answers are listed. Each suggestion
// shows "why" (the facts it rests on, in plain words), when to see a doctor, the disclaimer and
// which provider answered. A server without the route (404) gets "not available yet".
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import { formatDateTime } from '../../lib/format';
import { KIND_LABEL } from '../../ui/healthWords';
import { ErrorBox, Loading } from '../../ui/ui';
import { adviceApi, type Advice, type AdviceArea } from './api';

const AREA: Record<AdviceArea, string> = {
  diet: 'Food and drink',
  activity: 'Activity',
  sleep: 'Sleep',
  monitoring: 'Measuring',
  medical_follow_up: 'Seeing your doctor',
};

const FACT_WORDS: Record<string, string> = {
  age_band: 'your age group',
  sex: 'your sex',
  bmi: 'your body mass index',
  category: 'its category',
  categories: 'their categories',
  trend: 'the trend',
  slope: 'the trend',
  home_average: 'your 7-day home average',
  average: 'the average',
  mean: 'the average',
  latest: 'your latest reading',
  count: 'how many readings there are',
  shares: 'how often each category came up',
  predictions: 'your risk checks',
  risk: 'your risk checks',
};

/** "blood_pressure.home_average" → "blood pressure: your 7-day home average". */
export function factInWords(key: string): string {
  const parts = key.split(/[.:/]/).filter(Boolean);
  return parts
    .map((p) => KIND_LABEL[p as keyof typeof KIND_LABEL]?.toLowerCase() ?? FACT_WORDS[p] ?? p.replace(/_/g, ' '))
    .join(': ');
}

const PROVIDER: Record<string, string> = {
  offline: 'medcore’s built-in rules (no data left the server)',
  gemini: 'Google Gemini',
  openai: 'an AI model your clinic runs',
};

function AdviceView({ advice }: { advice: Advice }) {
  const a = advice.answer;
  return (
    <article class="card advice" aria-label={`Advice of ${formatDateTime(advice.created_at)}`}>
      {a.urgent_message && (
        <p class="alert alert--error" role="alert">
          <strong>{a.urgent_message}</strong>
        </p>
      )}
      <p class="advice__summary">{a.summary}</p>
      <ul class="advice__list">
        {a.suggestions.map((s, i) => (
          <li key={i} class={`advice__item advice__item--${s.urgency}`}>
            <p>
              <strong>{AREA[s.area] ?? s.area}:</strong> {s.text}
            </p>
            {s.based_on.length > 0 && (
              <details>
                <summary>Why?</summary>
                <p>Based on {s.based_on.map(factInWords).join('; ')}.</p>
              </details>
            )}
          </li>
        ))}
      </ul>
      {a.see_doctor_when && (
        <p>
          <strong>When to see a doctor:</strong> {a.see_doctor_when}
        </p>
      )}
      <p class="alert alert--warning disclaimer">{a.disclaimer}</p>
      <p class="muted">
        Answered by {PROVIDER[a.provider] ?? a.provider}
        {a.fell_back ? ' (the AI service did not answer well, so the built-in rules answered instead)' : ''} on {formatDateTime(advice.created_at)}.
      </p>
    </article>
  );
}

export function AdvicePanel() {
  const [items, setItems] = useState<Advice[] | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const ctl = new AbortController();
    adviceApi.history(ctl.signal).then(
      (page) => (page ? setItems(page.items) : setMissing(true)),
      (e: unknown) => {
        if ((e as Error).name !== 'AbortError') setError(e instanceof ApiError ? e.message : 'Could not load your advice.');
      },
    );
    return () => ctl.abort();
  }, []);
  const ask = async () => {
    setBusy(true);
    setError(null);
    try {
      const a = await adviceApi.ask();
      if (!a) setMissing(true);
      else setItems((xs) => [a, ...(xs ?? [])]);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Could not get advice.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="health-advice-title">
      <h2 class="section-title" id="health-advice-title">
        Suggestions
      </h2>
      {missing ? (
        <p class="empty">Advice is not available yet.</p>
      ) : (
        <>
          <p>Suggestions from your readings: diet, activity, sleep, measuring and when to see your doctor. Never about medicines.</p>
          <p>
            <button type="button" class="btn btn--primary" onClick={() => void ask()} disabled={busy} aria-busy={busy ? 'true' : undefined}>
              {busy ? 'Please wait…' : 'Get suggestions'}
            </button>
          </p>
          {error && <ErrorBox message={error} />}
          {items === null && !error && <Loading label="Loading your suggestions…" />}
          {items?.map((a) => <AdviceView key={a.id} advice={a} />)}
        </>
      )}
    </section>
  );
}
