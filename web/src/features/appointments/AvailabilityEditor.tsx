// The doctor's hours: zone, slot length, weekly intervals per weekday, and dated exceptions.
// Saving never drops bookings; the API lists those the new hours leave outside (`outside_hours`),
// shown here as a warning list to keep or cancel from the agenda.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type Appointment, type Availability, type AvailabilityException } from '../../api/client';
import { Field, FormAlert, SelectField, SubmitButton, TextField, onSubmit, useSubmit, type Errors } from '../../ui/forms';
import { ErrorBox, Loading, PageHeader } from '../../ui/ui';
import { formatDate, formatWhen, timeZones, userTimeZone } from '../../lib/format';
import { Link } from '../../lib/router';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const LENGTHS: Array<[string, string]> = Array.from({ length: 11 }, (_, i) => String(10 + 5 * i)).map((m) => [m, `${m} minutes`]);

interface Row {
  key: number;
  weekday: number;
  start: string;
  end: string;
}
let rowKey = 0;

/** `<input type="time">` cannot hold 24:00: an end of 00:00 means midnight at the end of the day. */
const endOut = (e: string) => (e === '00:00' ? '24:00' : e);
const endIn = (e: string) => (e === '24:00' ? '00:00' : e);

function OutsideHours({ items }: { items: Appointment[] }) {
  if (items.length === 0) return null;
  return (
    <div class="alert alert--warning outside-hours" role="alert">
      <p>
        <strong>
          {items.length === 1 ? 'One booked appointment is' : `${items.length} booked appointments are`} now outside your hours.
        </strong>{' '}
        They are kept; open each to keep it or cancel it with a reason.
      </p>
      <ul>
        {items.map((a) => (
          <li key={a.id}>
            <Link href={`/appointments/${a.id}`}>
              {formatWhen(a.start)} — {a.patient.name}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

function HoursForm({ initial, onSaved }: { initial: Availability; onSaved: (a: Availability) => void }) {
  const [zone, setZone] = useState(initial.published ? initial.time_zone : userTimeZone);
  const [minutes, setMinutes] = useState(String(initial.slot_minutes ?? 30));
  const [rows, setRows] = useState<Row[]>(() => initial.weekly.map((w) => ({ key: ++rowKey, weekday: w.weekday, start: w.start, end: endIn(w.end) })));
  const [saved, setSaved] = useState(false);
  const [outside, setOutside] = useState<Appointment[]>([]);
  // The order the intervals are sent in, so `weekly[i]` field errors land on the right inputs.
  const ordered = [...rows].sort((a, b) => a.weekday - b.weekday);
  const names = ordered.flatMap((_, i) => [`weekly[${i}]`, `weekly[${i}].start`, `weekly[${i}].end`, `weekly[${i}].weekday`]);
  const f = useSubmit(['time_zone', 'slot_minutes', 'weekly', ...names]);
  const zones = timeZones(zone);

  const update = (key: number, k: 'start' | 'end', v: string) => {
    setSaved(false);
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, [k]: v } : r)));
  };
  const add = (weekday: number) => {
    setSaved(false);
    const last = ordered.filter((r) => r.weekday === weekday).pop();
    setRows((rs) => [...rs, { key: ++rowKey, weekday, start: last ? last.end : '09:00', end: last ? '' : '17:00' }]);
  };
  const remove = (key: number) => {
    setSaved(false);
    setRows((rs) => rs.filter((r) => r.key !== key));
  };

  const submit = () =>
    f.run(async () => {
      setSaved(false);
      const r = await api.setAvailability({
        time_zone: zone,
        slot_minutes: Number(minutes),
        weekly: ordered.map((x) => ({ weekday: x.weekday, start: x.start, end: endOut(x.end) })),
      });
      setOutside(r.outside_hours ?? []);
      setSaved(true);
      onSaved(r);
    });

  // A field error about a whole interval (e.g. overlapping) is shown under its end time.
  const errs: Errors = { ...f.errors };
  ordered.forEach((_, i) => {
    const whole = f.errors[`weekly[${i}]`];
    if (whole) errs[`weekly[${i}].end`] = [errs[`weekly[${i}].end`], whole].filter(Boolean).join(' ');
  });

  return (
    <form class="form hours" onSubmit={onSubmit(submit)} noValidate aria-labelledby="hours-title">
      <h2 id="hours-title">Weekly hours</h2>
      <FormAlert message={f.message} />
      <div role="status" aria-live="polite">
        {saved && <p class="alert alert--success">Hours saved.</p>}
      </div>
      <OutsideHours items={outside} />
      <div class="hours__settings">
        <Field label="Time zone" name="time_zone" errors={f.errors} hint="Your hours are in this zone; patients see them in theirs.">
          {(a) => (
            <select {...a} value={zone} onChange={(e) => { setSaved(false); setZone((e.currentTarget as HTMLSelectElement).value); }}>
              {zones.map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </select>
          )}
        </Field>
        <SelectField label="Slot length" name="slot_minutes" errors={f.errors} value={minutes} onValue={(v) => { setSaved(false); setMinutes(v); }} options={LENGTHS} />
      </div>
      {WEEKDAYS.map((day, d) => {
        const weekday = d + 1;
        const mine = ordered.map((r, i) => ({ r, i })).filter(({ r }) => r.weekday === weekday);
        return (
          <fieldset key={day} class="hours__day">
            <legend>{day}</legend>
            {mine.length === 0 && <p class="muted">Not working.</p>}
            {mine.map(({ r, i }, n) => (
              <div key={r.key} class="hours__row">
                <TextField
                  label={`${day} from${mine.length > 1 ? ` (${n + 1})` : ''}`} name={`weekly[${i}].start`} type="time" required errors={errs} value={r.start}
                  onValue={(v) => update(r.key, 'start', v)}
                />
                <TextField
                  label={`${day} until${mine.length > 1 ? ` (${n + 1})` : ''}`} name={`weekly[${i}].end`} type="time" required errors={errs} value={r.end}
                  onValue={(v) => update(r.key, 'end', v)}
                />
                <button type="button" class="btn btn--small btn--ghost hours__remove" onClick={() => remove(r.key)}>
                  Remove<span class="visually-hidden"> {day} {r.start}–{r.end}</span>
                </button>
              </div>
            ))}
            <button type="button" class="btn btn--small" onClick={() => add(weekday)}>
              Add hours<span class="visually-hidden"> on {day}</span>
            </button>
          </fieldset>
        );
      })}
      <p class="muted">An end of 00:00 means midnight at the end of the day.</p>
      <SubmitButton busy={f.busy}>Save hours</SubmitButton>
    </form>
  );
}

function Exceptions({ items, onChange }: { items: AvailabilityException[]; onChange: (items: AvailabilityException[]) => void }) {
  const [v, setV] = useState({ date: '', kind: 'off', start: '', end: '', note: '' });
  const [outside, setOutside] = useState<Appointment[]>([]);
  const [removeError, setRemoveError] = useState<string | null>(null);
  const set = (k: keyof typeof v) => (val: string) => setV((o) => ({ ...o, [k]: val }));
  const f = useSubmit(['date', 'kind', 'start', 'end', 'note']);
  const submit = () =>
    f.run(async () => {
      const r = await api.addException({
        date: v.date,
        kind: v.kind as 'off' | 'extra',
        ...(v.start || v.end ? { start: v.start || null, end: v.end ? endOut(v.end) : null } : {}),
        ...(v.note.trim() ? { note: v.note.trim() } : {}),
      });
      setOutside(r.outside_hours);
      onChange([...items, r.exception].sort((a, b) => a.date.localeCompare(b.date) || (a.start ?? '').localeCompare(b.start ?? '')));
      setV({ date: '', kind: 'off', start: '', end: '', note: '' });
    });
  const remove = async (x: AvailabilityException) => {
    setRemoveError(null);
    try {
      await api.removeException(x.id);
      onChange(items.filter((i) => i.id !== x.id));
    } catch (e) {
      setRemoveError(e instanceof ApiError ? e.message : 'Could not remove it.');
    }
  };
  const describe = (x: AvailabilityException) =>
    `${formatDate(x.date)}: ${x.kind === 'off' ? 'off' : 'extra hours'}${x.start ? ` ${x.start}–${x.end}` : x.kind === 'off' ? ' all day' : ''}`;
  return (
    <section aria-labelledby="exc-title">
      <h2 id="exc-title" class="section-title">
        Exceptions
      </h2>
      <p class="muted">Days off, part of a day off, or extra hours on a date (in your time zone).</p>
      {removeError && <ErrorBox message={removeError} />}
      {items.length === 0 ? (
        <p>No exceptions.</p>
      ) : (
        <ul class="exceptions">
          {items.map((x) => (
            <li key={x.id} class="exceptions__item">
              <span>
                {describe(x)}
                {x.note && <span class="muted"> — {x.note}</span>}
              </span>
              <button type="button" class="btn btn--small btn--ghost" onClick={() => void remove(x)}>
                Remove<span class="visually-hidden"> {describe(x)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <form class="form" onSubmit={onSubmit(submit)} noValidate aria-labelledby="exc-add">
        <h3 id="exc-add">Add an exception</h3>
        <FormAlert message={f.message} />
        <OutsideHours items={outside} />
        <div class="hours__settings">
          <TextField label="Date" name="date" type="date" required errors={f.errors} value={v.date} onValue={set('date')} />
          <SelectField label="Kind" name="kind" errors={f.errors} value={v.kind} onValue={set('kind')} options={[['off', 'Time off'], ['extra', 'Extra hours']]} />
          <TextField label="From" name="start" type="time" hint="Leave both empty for a whole day off." errors={f.errors} value={v.start} onValue={set('start')} />
          <TextField label="Until" name="end" type="time" errors={f.errors} value={v.end} onValue={set('end')} />
        </div>
        <TextField label="Note (optional)" name="note" maxLength={200} errors={f.errors} value={v.note} onValue={set('note')} />
        <SubmitButton busy={f.busy}>Add exception</SubmitButton>
      </form>
    </section>
  );
}

export function AvailabilityEditor() {
  const [state, setState] = useState<{ status: 'loading' } | { status: 'error'; message: string } | { status: 'ok'; a: Availability }>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    api.availability(ctl.signal).then(
      (a) => setState({ status: 'ok', a }),
      (e: unknown) => {
        if ((e as Error).name === 'AbortError') return;
        setState({
          status: 'error',
          message: e instanceof ApiError && e.slug === 'doctor-not-approved' ? 'You can publish hours once an administrator approved your account.' : 'Could not load your hours.',
        });
      },
    );
    return () => ctl.abort();
  }, [tick]);
  return (
    <section class="narrow narrow--wide">
      <PageHeader title="Your hours">
        <p class="lead">
          When patients can book you. <Link href="/appointments">Open the agenda</Link>
        </p>
      </PageHeader>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorBox message={state.message} onRetry={() => setTick((t) => t + 1)} />}
      {state.status === 'ok' && (
        <>
          {!state.a.published && <p class="alert alert--info">You have not published hours yet: patients cannot book you until you save them.</p>}
          <HoursForm initial={state.a} onSaved={(a) => setState({ status: 'ok', a: { ...a, exceptions: state.a.exceptions } })} />
          <Exceptions items={state.a.exceptions} onChange={(exceptions) => setState({ status: 'ok', a: { ...state.a, exceptions } })} />
        </>
      )}
    </section>
  );
}
