// The patient's health page (/health): per kind the charts of the chosen range (7/30/90/365 days,
// GET /health/series), the entry form, the list of readings with edit and delete, CSV export and
// import (preview, then commit the accepted rows), and the advice panel. The charts are shared with
// a doctor's view of a patient (ui/HealthChartsLazy.tsx, loaded on demand).
import { useState } from 'preact/hooks';
import type { HealthKind, HealthReading, HealthUnit, HealthUrgent, SeriesDays } from '../../api/client';
import { api, ApiError } from '../../api/client';
import { formatDateTime } from '../../lib/format';
import { useCursorPages } from '../../lib/paging';
import { FormAlert, onSubmit, SelectField, SubmitButton, TextField, useSubmit } from '../../ui/forms';
import { LazySeriesPanel } from '../../ui/HealthChartsLazy';
import { KindSwitch, RangeSwitch } from '../../ui/HealthSwitches';
import { categoryLabel, CONTEXT_LABEL, KIND_LABEL } from '../../ui/healthWords';
import { Pager } from '../../ui/Pager';
import { Empty, ErrorBox, Loading, PageHeader } from '../../ui/ui';
import { AdvicePanel } from './Advice';

export function HealthPage() {
  const [kind, setKind] = useState<HealthKind>('blood_pressure');
  const [days, setDays] = useState<SeriesDays>(30);
  // Bumped after every change, so the charts and the list show it.
  const [version, setVersion] = useState(0);
  const changed = () => setVersion((v) => v + 1);

  return (
    <section>
      <PageHeader title="Health">
        <p class="lead">
          Your blood pressure, blood sugar, heart rate, weight, oxygen level and temperature: what you measured, how it
          compares with published guidelines, and how it changes over time. A category is not a diagnosis: talk to your
          doctor about what it means for you.
        </p>
      </PageHeader>

      <KindSwitch value={kind} onValue={setKind} />

      <EntryForm key={`new-${kind}`} kind={kind} onSaved={changed} />

      <section aria-labelledby="health-charts-title">
        <h2 class="section-title" id="health-charts-title">
          {KIND_LABEL[kind]}: charts
        </h2>
        <RangeSwitch value={days} onValue={setDays} />
        <LazySeriesPanel load={(signal) => api.healthSeries({ kind, days: String(days) as `${SeriesDays}` }, signal)} deps={[kind, days, version]} />
      </section>

      <ReadingList kind={kind} version={version} onChanged={changed} />
      <ImportExport onImported={changed} />
      <AdvicePanel />
    </section>
  );
}

// ---- Entry ----------------------------------------------------------------------------------

const UNITS: Record<HealthKind, Array<[HealthUnit, string]>> = {
  blood_pressure: [['mmhg', 'mmHg']],
  blood_glucose: [
    ['mg_dl', 'mg/dL'],
    ['mmol_l', 'mmol/L'],
  ],
  heart_rate: [['per_min', 'beats a minute']],
  body_weight: [
    ['kg', 'kg'],
    ['lb', 'lb'],
  ],
  spo2: [['percent', '%']],
  body_temperature: [
    ['celsius', '°C'],
    ['fahrenheit', '°F'],
  ],
};

/** Converts a typed value when the unit switch changes, so the number keeps meaning the same. */
function convert(v: string, from: HealthUnit, to: HealthUnit): string {
  const n = Number(v.replace(',', '.'));
  if (!v.trim() || !Number.isFinite(n) || from === to) return v;
  const r = (x: number, d: number) => String(Math.round(x * 10 ** d) / 10 ** d);
  if (from === 'mg_dl' && to === 'mmol_l') return r(n / 18.016, 1);
  if (from === 'mmol_l' && to === 'mg_dl') return r(n * 18.016, 0);
  if (from === 'kg' && to === 'lb') return r(n / 0.45359237, 1);
  if (from === 'lb' && to === 'kg') return r(n * 0.45359237, 1);
  if (from === 'celsius' && to === 'fahrenheit') return r((n * 9) / 5 + 32, 1);
  if (from === 'fahrenheit' && to === 'celsius') return r(((n - 32) * 5) / 9, 1);
  return v;
}

interface Draft {
  value: string;
  systolic: string;
  diastolic: string;
  pulse: string;
  unit: HealthUnit;
  context: string;
  measured_at: string;
  note: string;
}

const LAST_KEY = (k: HealthKind) => `medcore.health.last.${k}`;

/** The local "YYYY-MM-DDTHH:MM" a datetime-local input shows. */
function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function draftFor(kind: HealthKind, reading?: HealthReading): Draft {
  if (reading) {
    const main = reading.kind === 'blood_pressure' ? '' : String(reading.entered.value);
    return {
      value: main,
      systolic: reading.systolic != null ? String(reading.systolic) : '',
      diastolic: reading.diastolic != null ? String(reading.diastolic) : '',
      pulse: reading.pulse != null ? String(reading.pulse) : '',
      unit: reading.entered.unit,
      context: reading.context ?? 'fasting',
      measured_at: localInput(new Date(reading.measured_at)),
      note: reading.note ?? '',
    };
  }
  const fresh: Draft = { value: '', systolic: '', diastolic: '', pulse: '', unit: UNITS[kind][0]![0], context: 'fasting', measured_at: '', note: '' };
  // The last values entered for this kind: most people's numbers move little from one day to the next.
  try {
    const saved = JSON.parse(localStorage.getItem(LAST_KEY(kind)) ?? 'null') as Partial<Draft> | null;
    if (saved) return { ...fresh, ...saved, measured_at: '', note: '' };
  } catch {
    /* nothing remembered */
  }
  return fresh;
}

const num = (s: string) => Number(s.replace(',', '.'));

const ENTRY_FIELDS = ['value', 'systolic', 'diastolic', 'pulse', 'unit', 'context', 'measured_at', 'note'];

export function EntryForm({ kind, reading, onSaved, onCancel }: { kind: HealthKind; reading?: HealthReading; onSaved: () => void; onCancel?: () => void }) {
  const [d, setD] = useState<Draft>(() => draftFor(kind, reading));
  const [urgent, setUrgent] = useState<HealthUrgent | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const form = useSubmit(ENTRY_FIELDS);
  const set = (patch: Partial<Draft>) => setD((x) => ({ ...x, ...patch }));
  const bp = kind === 'blood_pressure';
  const units = UNITS[kind];
  const editing = !!reading;

  const submit = () =>
    form.run(async () => {
      setUrgent(null);
      setSaved(null);
      const body = {
        ...(bp ? { systolic: num(d.systolic), diastolic: num(d.diastolic), ...(d.pulse.trim() ? { pulse: num(d.pulse) } : {}) } : { value: num(d.value), unit: d.unit }),
        ...(kind === 'blood_glucose' ? { context: d.context as 'fasting' } : {}),
        ...(d.measured_at ? { measured_at: new Date(d.measured_at).toISOString() } : {}),
        ...(d.note.trim() ? { note: d.note.trim() } : {}),
      };
      const answer = reading ? await api.editReading(reading.id, { ...body, ...(bp && !d.pulse.trim() ? { pulse: null } : {}), ...(!d.note.trim() ? { note: null } : {}) }) : await api.recordReading({ kind, ...body });
      if (!editing) {
        const { value, systolic, diastolic, pulse, unit, context } = d;
        localStorage.setItem(LAST_KEY(kind), JSON.stringify({ value, systolic, diastolic, pulse, unit, context }));
      }
      const a = answer as { reading: HealthReading; urgent?: HealthUrgent | null };
      setUrgent(a.urgent ?? null);
      setSaved(`Saved: ${describeReading(a.reading)} — ${categoryLabel(a.reading.category?.code)}.`);
      if (!a.urgent && onCancel) onCancel();
      onSaved();
    });

  const decimal = { inputMode: 'decimal' as const, autocomplete: 'off', required: true };
  return (
    <section class="health-entry" aria-labelledby={editing ? `edit-${reading.id}` : 'health-entry-title'}>
      <h2 class={editing ? 'visually-hidden' : 'section-title'} id={editing ? `edit-${reading.id}` : 'health-entry-title'}>
        {editing ? `Edit the reading of ${formatDateTime(reading.measured_at)}` : `Add a ${KIND_LABEL[kind].toLowerCase()} reading`}
      </h2>
      {urgent && (
        <div class="alert alert--error health-urgent" role="alert">
          <p>
            <strong>{urgent.message}</strong>
          </p>
          <p class="muted">{urgent.source}</p>
        </div>
      )}
      {saved && !urgent && (
        <p class="alert alert--success" role="status">
          {saved}
        </p>
      )}
      <form class="form health-entry__form" onSubmit={onSubmit(submit)} noValidate>
        <FormAlert message={form.message} />
        <div class="health-entry__row">
          {bp ? (
            <>
              <TextField label="Upper (systolic), mmHg" name="systolic" errors={form.errors} value={d.systolic} onValue={(v) => set({ systolic: v })} {...decimal} inputMode="numeric" />
              <TextField label="Lower (diastolic), mmHg" name="diastolic" errors={form.errors} value={d.diastolic} onValue={(v) => set({ diastolic: v })} {...decimal} inputMode="numeric" />
              <TextField label="Pulse (optional)" name="pulse" errors={form.errors} value={d.pulse} onValue={(v) => set({ pulse: v })} {...decimal} inputMode="numeric" required={false} />
            </>
          ) : (
            <>
              <TextField label={`${KIND_LABEL[kind]}`} name="value" errors={form.errors} value={d.value} onValue={(v) => set({ value: v })} {...decimal} />
              {units.length > 1 && (
                <SelectField
                  label="Unit"
                  name="unit"
                  errors={form.errors}
                  value={d.unit}
                  onValue={(u) => set({ unit: u as HealthUnit, value: convert(d.value, d.unit, u as HealthUnit) })}
                  options={units}
                />
              )}
              {kind === 'blood_glucose' && (
                <SelectField label="When" name="context" errors={form.errors} value={d.context} onValue={(v) => set({ context: v })} options={Object.entries(CONTEXT_LABEL)} />
              )}
            </>
          )}
        </div>
        <details class="health-entry__more" open={editing || !!form.errors.measured_at || !!form.errors.note}>
          <summary>Time and note</summary>
          <div class="health-entry__row">
            <TextField label="Measured at" name="measured_at" type="datetime-local" errors={form.errors} hint={editing ? undefined : 'Leave empty for now.'} value={d.measured_at} onValue={(v) => set({ measured_at: v })} />
            <TextField label="Note (optional)" name="note" errors={form.errors} value={d.note} onValue={(v) => set({ note: v })} maxLength={500} />
          </div>
        </details>
        <div class="actions">
          <SubmitButton busy={form.busy}>{editing ? 'Save changes' : 'Add reading'}</SubmitButton>
          {onCancel && (
            <button type="button" class="btn" onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

function describeReading(r: Pick<HealthReading, 'kind' | 'systolic' | 'diastolic' | 'pulse' | 'entered' | 'context'>): string {
  if (r.kind === 'blood_pressure') return `${r.systolic}/${r.diastolic} mmHg${r.pulse != null ? `, pulse ${r.pulse}` : ''}`;
  return `${r.entered.value} ${r.entered.symbol}${r.context ? `, ${(CONTEXT_LABEL[r.context] ?? r.context).toLowerCase()}` : ''}`;
}

// ---- List -----------------------------------------------------------------------------------

function ReadingList({ kind, version, onChanged }: { kind: HealthKind; version: number; onChanged: () => void }) {
  const pages = useCursorPages<HealthReading>((cursor, signal) => api.healthReadings({ kind, limit: 10, cursor: cursor ?? undefined }, signal), [kind, version]);
  const [editing, setEditing] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const remove = async (r: HealthReading) => {
    if (!window.confirm(`Delete the reading ${describeReading(r)} of ${formatDateTime(r.measured_at)}?`)) return;
    setError(null);
    try {
      await api.deleteReading(r.id);
      onChanged();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Could not delete the reading.');
    }
  };
  return (
    <section aria-labelledby="health-list-title">
      <h2 class="section-title" id="health-list-title">
        {KIND_LABEL[kind]}: your readings
      </h2>
      {error && <ErrorBox message={error} />}
      {pages.state.status === 'loading' && <Loading label="Loading readings…" />}
      {pages.state.status === 'error' && <ErrorBox message={pages.state.message} onRetry={pages.reload} />}
      {pages.state.status === 'ok' &&
        (pages.state.page.items.length === 0 ? (
          <Empty>No {KIND_LABEL[kind].toLowerCase()} readings yet.</Empty>
        ) : (
          <>
            <ul class="health-list">
              {pages.state.page.items.map((r) => (
                <li key={r.id} class="health-list__item">
                  {editing === r.id ? (
                    <EntryForm kind={kind} reading={r} onSaved={onChanged} onCancel={() => setEditing(null)} />
                  ) : (
                    <>
                      <span class="health-list__when">{formatDateTime(r.measured_at)}</span>
                      <span class="health-list__value">{describeReading(r)}</span>
                      <span class={`badge health-cat health-cat--${r.category?.code ?? 'none'}`}>{categoryLabel(r.category?.code)}</span>
                      {r.source === 'import' && <span class="muted">imported</span>}
                      {r.note && <span class="muted health-list__note">{r.note}</span>}
                      <span class="health-list__actions">
                        <button type="button" class="btn btn--small" onClick={() => setEditing(r.id)} aria-label={`Edit the reading of ${formatDateTime(r.measured_at)}`}>
                          Edit
                        </button>
                        <button type="button" class="btn btn--small btn--danger" onClick={() => void remove(r)} aria-label={`Delete the reading of ${formatDateTime(r.measured_at)}`}>
                          Delete
                        </button>
                      </span>
                    </>
                  )}
                </li>
              ))}
            </ul>
            <Pager label="Reading pages" {...pages} />
          </>
        ))}
    </section>
  );
}

// ---- Import and export ----------------------------------------------------------------------

const ROW_STATUS: Record<string, string> = {
  ok: 'Ready to add',
  invalid: 'Has a problem',
  already_imported: 'Already added from an earlier file',
  repeated: 'Same as an earlier line',
};

function ImportExport({ onImported }: { onImported: () => void }) {
  const [csv, setCsv] = useState<string | null>(null);
  const [fileName, setFileName] = useState('');
  const [preview, setPreview] = useState<Awaited<ReturnType<typeof api.previewImport>> | null>(null);
  const [accepted, setAccepted] = useState<Set<number>>(new Set());
  const [result, setResult] = useState<string | null>(null);
  const form = useSubmit([]);

  const pick = (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    setPreview(null);
    setResult(null);
    if (!file) return;
    setFileName(file.name);
    void form.run(async () => {
      const text = await file.text();
      setCsv(text);
      const p = await api.previewImport(text);
      setPreview(p);
      setAccepted(new Set(p.rows.filter((r) => r.status === 'ok').map((r) => r.line)));
    });
  };
  const commit = () =>
    form.run(async () => {
      if (!csv) return;
      const r = await api.commitImport(csv, [...accepted].sort((a, b) => a - b));
      setResult(`Added ${r.added} reading${r.added === 1 ? '' : 's'}${r.already_imported ? `; ${r.already_imported} were already there` : ''}.`);
      setPreview(null);
      setCsv(null);
      onImported();
    });
  const toggle = (line: number, on: boolean) =>
    setAccepted((s) => {
      const n = new Set(s);
      if (on) n.add(line);
      else n.delete(line);
      return n;
    });

  return (
    <section aria-labelledby="health-files-title">
      <h2 class="section-title" id="health-files-title">
        Files
      </h2>
      <p>
        <a class="btn" href="/api/v1/health/export" download="health-readings.csv">
          Download all readings (CSV)
        </a>
      </p>
      <div class="field">
        <label for="health-import-file">Add readings from a file (CSV from a home monitor or a spreadsheet)</label>
        <p class="field__hint" id="health-import-hint">
          Columns: measured_at, kind, value, unit, systolic, diastolic, pulse, context, note. You see every line before anything is added.
        </p>
        <input id="health-import-file" type="file" accept=".csv,text/csv" aria-describedby="health-import-hint" onChange={pick} />
      </div>
      <FormAlert message={form.message} />
      {form.busy && <Loading label="Checking the file…" />}
      {result && (
        <p class="alert alert--success" role="status">
          {result}
        </p>
      )}
      {preview && (
        <form onSubmit={onSubmit(commit)}>
          <div class="table-wrap">
            <table class="table health-preview">
              <caption>
                {fileName}: {preview.counts.ok} of {preview.counts.rows} lines ready to add
              </caption>
              <thead>
                <tr>
                  <th scope="col">Add</th>
                  <th scope="col">Line</th>
                  <th scope="col">Reading</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((row) => (
                  <tr key={row.line} class={row.status === 'ok' ? '' : 'health-preview__bad'}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Add line ${row.line}`}
                        disabled={row.status !== 'ok'}
                        checked={accepted.has(row.line)}
                        onChange={(e) => toggle(row.line, (e.currentTarget as HTMLInputElement).checked)}
                      />
                    </td>
                    <td>{row.line}</td>
                    <td>
                      {row.reading ? (
                        <>
                          {KIND_LABEL[row.reading.kind]} {describeReading(row.reading)}, {formatDateTime(row.reading.measured_at)} — {categoryLabel(row.reading.category?.code)}
                        </>
                      ) : (
                        '—'
                      )}
                      {row.urgent && <strong class="health-preview__urgent"> Very high or very low: see the message below.</strong>}
                    </td>
                    <td>
                      {ROW_STATUS[row.status] ?? row.status}
                      {row.errors.length > 0 && (
                        <ul class="health-preview__errors">
                          {row.errors.map((e) => (
                            <li key={e.field + e.message}>
                              {e.field}: {e.message}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {preview.rows.some((r) => r.urgent) && <p class="alert alert--warning">{preview.rows.find((r) => r.urgent)!.urgent!.message}</p>}
          <div class="actions">
            <SubmitButton busy={form.busy}>
              Add {accepted.size} reading{accepted.size === 1 ? '' : 's'}
            </SubmitButton>
            <button type="button" class="btn" onClick={() => setPreview(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
