// The week of a doctor's free slots (GET /doctors/{id}/slots for Monday–Sunday of the browser's
// zone) and the alternatives of a booking conflict. Both are pickers: the caller decides what a
// click does (book, reschedule).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type Alternative, type FreeSlots, type Slot } from '../api/client';
import { addDays, formatDayLong, formatDayShort, formatTime, userTimeZone, wallClock, weekStart, ymd } from '../lib/format';
import { Empty, ErrorBox, Loading } from './ui';

type State = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ok'; data: FreeSlots };

/** "Tuesday 12 January, 10:30" in the browser's zone, plus the doctor's wall clock when the zones differ. */
export function slotLabel(start: string, localStart: string, zone: string): string {
  const here = `${formatDayLong(new Date(start))}, ${formatTime(start)}`;
  return zone === userTimeZone ? here : `${here} (${wallClock(localStart)} ${zone})`;
}

export function WeekSlots({ doctorId, doctorName, selected, onPick, refresh = 0, disabled }: {
  doctorId: number;
  doctorName: string;
  selected?: string | null;
  onPick: (slot: Slot, zone: string) => void;
  /** Bump to load the week again (after a conflict, say). */
  refresh?: number;
  disabled?: boolean;
}) {
  const thisWeek = weekStart(new Date());
  const [week, setWeek] = useState(thisWeek);
  const [state, setState] = useState<State>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  const end = addDays(week, 7);

  useEffect(() => {
    const ctl = new AbortController();
    setState({ status: 'loading' });
    api.slots(doctorId, week.toISOString(), end.toISOString(), ctl.signal).then(
      (data) => setState({ status: 'ok', data }),
      (e: unknown) => {
        if ((e as Error).name === 'AbortError') return;
        setState({ status: 'error', message: e instanceof ApiError ? e.message : 'Could not load the free times.' });
      },
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [doctorId, week.getTime(), refresh, tick]);

  if (state.status === 'loading') return <Loading label="Loading free times…" />;
  if (state.status === 'error') return <ErrorBox message={state.message} onRetry={() => setTick((t) => t + 1)} />;
  const d = state.data;
  if (d.slot_minutes === null)
    return (
      <Empty>
        <p>{doctorName} has not published their hours yet, so there is nothing to book.</p>
      </Empty>
    );

  const days = Array.from({ length: 7 }, (_, i) => addDays(week, i));
  const byDay = new Map<string, Slot[]>();
  for (const s of d.slots) {
    const k = ymd(new Date(s.start));
    byDay.set(k, [...(byDay.get(k) ?? []), s]);
  }
  const canPrev = week.getTime() > thisWeek.getTime();
  const canNext = end.getTime() < Date.parse(d.bookable_until);
  const range = `${formatDayShort(week)} – ${formatDayShort(days[6]!)}`;

  return (
    <div class="week">
      <div class="week__nav">
        <button type="button" class="btn btn--small" disabled={!canPrev} onClick={() => setWeek(addDays(week, -7))}>
          ← Previous week
        </button>
        <p class="week__range" aria-live="polite">
          <strong>{range}</strong>
        </p>
        <button type="button" class="btn btn--small" disabled={!canNext} onClick={() => setWeek(addDays(week, 7))}>
          Next week →
        </button>
      </div>
      <p class="muted week__zone">
        Times are in your time zone ({userTimeZone}){d.time_zone !== userTimeZone ? `; ${doctorName} works in ${d.time_zone}` : ''}.{' '}
        {d.slot_minutes} minutes each.
      </p>
      {d.slots.length === 0 ? (
        <Empty>
          <p>No free times this week.</p>
          {canNext && (
            <button type="button" class="btn btn--small" onClick={() => setWeek(addDays(week, 7))}>
              Try the next week
            </button>
          )}
        </Empty>
      ) : (
        <ul class="week__days">
          {days.map((day) => {
            const list = byDay.get(ymd(day)) ?? [];
            return (
              <li key={ymd(day)} class="week__day">
                <h3 class="week__day-name">{formatDayShort(day)}</h3>
                {list.length === 0 ? (
                  <p class="muted week__none">No free times</p>
                ) : (
                  <ul class="week__slots" aria-label={`Free times on ${formatDayLong(day)}`}>
                    {list.map((s) => (
                      <li key={s.start}>
                        <button
                          type="button" class="slot" aria-pressed={selected === s.start ? 'true' : 'false'} disabled={disabled}
                          onClick={() => onPick(s, d.time_zone)}
                        >
                          <span class="visually-hidden">{formatDayLong(day)}, </span>
                          {formatTime(s.start)}
                        </button>
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** A 409's alternatives: the same doctor's nearest free times first, then colleagues'. */
export function Alternatives({ alternatives, onPick, busy, colleagues = true }: {
  alternatives: Alternative[];
  onPick: (a: Alternative) => void;
  busy: boolean;
  colleagues?: boolean;
}) {
  const same = alternatives.filter((a) => a.same_doctor);
  const others = colleagues ? alternatives.filter((a) => !a.same_doctor) : [];
  if (same.length === 0 && others.length === 0) return <p>No other free times are near this one; pick another time above.</p>;
  const item = (a: Alternative, withName: boolean) => (
    <li key={`${a.doctor_id}-${a.start}`}>
      <button type="button" class="btn btn--small alt" disabled={busy} onClick={() => onPick(a)}>
        {withName ? `${a.doctor_name}: ` : ''}
        {slotLabel(a.start, a.local_start, a.time_zone)}
      </button>
    </li>
  );
  return (
    <div class="alternatives">
      {same.length > 0 && (
        <>
          <h3>Other times with {same[0]!.doctor_name}</h3>
          <ul class="alternatives__list">{same.map((a) => item(a, false))}</ul>
        </>
      )}
      {others.length > 0 && (
        <>
          <h3>Colleagues in {others[0]!.specialty}</h3>
          <ul class="alternatives__list">{others.map((a) => item(a, true))}</ul>
        </>
      )}
    </div>
  );
}
