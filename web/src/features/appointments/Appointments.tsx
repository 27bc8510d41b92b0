// Appointments: a patient's "My appointments" (upcoming / past), a doctor's agenda (today,
// upcoming, awaiting an outcome), and the detail page mails link to (/appointments/{id}). One card
// component carries the actions the API allows (can_cancel, can_reschedule, can_mark_outcome).
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type Alternative, type Appointment, type Role, type Slot } from '../../api/client';
import { FormAlert, SubmitButton, TextArea, onSubmit, useSubmit } from '../../ui/forms';
import { Pager } from '../../ui/Pager';
import { StartChat } from '../../ui/StartChat';
import { Alternatives, WeekSlots, slotLabel } from '../../ui/slots';
import { Empty, ErrorBox, Loading, PageHeader, StatusBadge } from '../../ui/ui';
import { addDays, formatDateTime, formatTime, formatWhen, userTimeZone, wallClock } from '../../lib/format';
import { patientHealthHref } from '../../lib/links';
import { useCursorPages } from '../../lib/paging';
import { Link, useLocation } from '../../lib/router';
import { session } from '../../lib/session';
import { useStore } from '../../lib/store';

const STATUS_LABEL: Record<Appointment['status'], string> = {
  booked: 'booked',
  completed: 'completed',
  no_show: 'no-show',
  cancelled: 'cancelled',
};

function CancelForm({ a, role, onDone, onClose }: { a: Appointment; role: Role; onDone: (a: Appointment) => void; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const f = useSubmit(['reason']);
  const doctor = role === 'doctor';
  const submit = () =>
    f.run(async () => {
      onDone(await api.cancelAppointment(a.id, reason));
    });
  return (
    <form class="form form--inline-panel" onSubmit={onSubmit(submit)} noValidate aria-label="Cancel this appointment">
      <FormAlert message={f.message} />
      <TextArea
        label={doctor ? 'Reason for cancelling' : 'Reason for cancelling (optional)'} name="reason" rows={2} maxLength={500} required={doctor}
        hint={doctor ? 'Required; the patient sees it (3 to 500 characters).' : 'The doctor sees it.'} errors={f.errors} value={reason}
        onValue={setReason} autoFocus
      />
      <div class="actions">
        <SubmitButton busy={f.busy} class="btn btn--danger">
          Cancel appointment
        </SubmitButton>
        <button type="button" class="btn" onClick={onClose}>
          Keep it
        </button>
      </div>
    </form>
  );
}

function RescheduleForm({ a, onDone, onClose }: { a: Appointment; onDone: (a: Appointment) => void; onClose: () => void }) {
  const [picked, setPicked] = useState<{ start: string; localStart: string; zone: string } | null>(null);
  const [alternatives, setAlternatives] = useState<Alternative[] | null>(null);
  const [refresh, setRefresh] = useState(0);
  const f = useSubmit([]);
  const confirmRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (picked) confirmRef.current?.querySelector<HTMLButtonElement>('button[type=submit]')?.focus();
  }, [picked?.start]);
  const move = (start: string) =>
    f.run(async () => {
      try {
        onDone(await api.reschedule(a.id, start));
      } catch (e) {
        if (e instanceof ApiError && e.status === 409 && e.alternatives.length) {
          setAlternatives(e.alternatives);
          setPicked(null);
          setRefresh((r) => r + 1);
        }
        throw e;
      }
    });
  return (
    <div class="form form--inline-panel reschedule">
      <h3>Move to another time</h3>
      <WeekSlots
        doctorId={a.doctor.id} doctorName={a.doctor.name} refresh={refresh} selected={picked?.start ?? null}
        onPick={(s: Slot, zone) => {
          setAlternatives(null);
          f.setMessage(null);
          setPicked({ start: s.start, localStart: s.local_start, zone });
        }}
      />
      <FormAlert message={f.message} />
      {alternatives && <Alternatives alternatives={alternatives} busy={f.busy} colleagues={false} onPick={(alt) => void move(alt.start)} />}
      <form ref={confirmRef} class="actions" onSubmit={onSubmit(() => picked && void move(picked.start))} aria-label="Confirm the new time">
        {picked && (
          <SubmitButton busy={f.busy}>Move to {slotLabel(picked.start, picked.localStart, picked.zone)}</SubmitButton>
        )}
        <button type="button" class="btn" onClick={onClose}>
          Keep the current time
        </button>
      </form>
    </div>
  );
}

/** One appointment with what the viewer may do to it. `detail` shows everything (the detail page). */
export function AppointmentCard({ a, role, onChange, detail = false }: { a: Appointment; role: Role; onChange: (a: Appointment) => void; detail?: boolean }) {
  const [open, setOpen] = useState<'cancel' | 'move' | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const f = useSubmit([]);
  const doctor = role === 'doctor';
  const other = doctor ? a.patient.name : a.doctor.name;
  const done = (msg: string) => (n: Appointment) => {
    setOpen(null);
    setNote(msg);
    onChange(n);
  };
  const outcome = (kind: 'complete' | 'no-show') =>
    f.run(async () => {
      const n = kind === 'complete' ? await api.complete(a.id) : await api.noShow(a.id);
      done(kind === 'complete' ? 'Marked as completed.' : 'Marked as a no-show.')(n);
    });
  const Title = detail ? 'h2' : 'h3';
  const titleId = `appt-${a.id}`;
  return (
    <li class={`card appt appt--${a.status}`} aria-labelledby={titleId}>
      <div class="appt__head">
        <Title id={titleId} class="appt__when">
          {detail ? (
            formatWhen(a.start)
          ) : (
            <Link href={`/appointments/${a.id}`}>{formatWhen(a.start)}</Link>
          )}
        </Title>
        <StatusBadge status={STATUS_LABEL[a.status]} />
      </div>
      <p class="appt__who">
        {doctor ? `Patient: ${other}` : `${other} · ${a.doctor.specialty ?? ''}`} · until {formatTime(a.end)}
        {a.time_zone !== userTimeZone && (
          <span class="muted">
            {' '}
            ({wallClock(a.local_start)} {a.time_zone})
          </span>
        )}
      </p>
      {a.reason && (
        <p class="appt__reason">
          <span class="muted">Reason:</span> {a.reason}
        </p>
      )}
      {a.status === 'cancelled' && (
        <p class="appt__reason">
          Cancelled by the {a.cancelled_by ?? 'clinic'}
          {a.cancelled_at ? ` on ${formatDateTime(a.cancelled_at)}` : ''}
          {a.cancel_reason ? `: ${a.cancel_reason}` : '.'}
        </p>
      )}
      {detail && a.reschedule_count > 0 && <p class="muted">Moved {a.reschedule_count === 1 ? 'once' : `${a.reschedule_count} times`}.</p>}
      <div role="status" aria-live="polite">
        {note && <p class="alert alert--success">{note}</p>}
      </div>
      <FormAlert message={f.message} />
      <div class="actions appt__actions">
        {a.status === 'booked' && (
          <a class="btn btn--small" href={a.ics_url} download>
            Add to calendar (.ics)
          </a>
        )}
        {a.can_reschedule && !doctor && (
          <button type="button" class="btn btn--small" aria-expanded={open === 'move' ? 'true' : 'false'} onClick={() => setOpen(open === 'move' ? null : 'move')}>
            Reschedule
          </button>
        )}
        {a.can_cancel && (
          <button
            type="button" class="btn btn--small btn--danger-outline" aria-expanded={open === 'cancel' ? 'true' : 'false'}
            onClick={() => setOpen(open === 'cancel' ? null : 'cancel')}
          >
            Cancel…
          </button>
        )}
        {a.can_mark_outcome && (
          <>
            <button type="button" class="btn btn--small btn--primary" disabled={f.busy} onClick={() => void outcome('complete')}>
              Mark completed
            </button>
            <button type="button" class="btn btn--small" disabled={f.busy} onClick={() => void outcome('no-show')}>
              Mark no-show
            </button>
          </>
        )}
      </div>
      {open === 'cancel' && <CancelForm a={a} role={role} onDone={done('Appointment cancelled.')} onClose={() => setOpen(null)} />}
      {open === 'move' && <RescheduleForm a={a} onDone={done('Appointment moved.')} onClose={() => setOpen(null)} />}
    </li>
  );
}

type Query = Parameters<typeof api.appointments>[0];

/** A paged list of appointments; cards update in place after an action. */
function AppointmentList({ query, role, label, empty }: { query: Query; role: Role; label: string; empty: string }) {
  const pages = useCursorPages<Appointment>((cursor, signal) => api.appointments({ ...query, limit: 20, cursor: cursor ?? undefined }, signal), [query]);
  const [changed, setChanged] = useState<Record<number, Appointment>>({});
  if (pages.state.status === 'loading') return <Loading label="Loading appointments…" />;
  if (pages.state.status === 'error') return <ErrorBox message={pages.state.message} onRetry={pages.reload} />;
  const items = pages.state.page.items;
  return (
    <>
      {items.length === 0 ? (
        <Empty>
          <p>{empty}</p>
        </Empty>
      ) : (
        <ul class="cards cards--list" aria-label={label}>
          {items.map((a) => (
            <AppointmentCard key={a.id} a={changed[a.id] ?? a} role={role} onChange={(n) => setChanged((c) => ({ ...c, [n.id]: n }))} />
          ))}
        </ul>
      )}
      <Pager label={`${label} pages`} {...pages} />
    </>
  );
}

function MyAppointments() {
  const loc = useLocation();
  const past = loc.search.get('scope') === 'past';
  const tabs: Array<[string, string, boolean]> = [
    ['/appointments', 'Upcoming', !past],
    ['/appointments?scope=past', 'Past', past],
  ];
  return (
    <section>
      <PageHeader title="My appointments">
        <p class="lead">
          Times in your time zone ({userTimeZone}). <Link href="/doctors">Book a new appointment</Link>
        </p>
      </PageHeader>
      <nav class="tabs" aria-label="Which appointments">
        <ul>
          {tabs.map(([href, label, active]) => (
            <li key={href}>
              <Link href={href} class={active ? 'tab tab--active' : 'tab'} aria-current={active ? 'page' : undefined}>
                {label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <h2 class="section-title">{past ? 'Past appointments' : 'Upcoming appointments'}</h2>
      <AppointmentList
        key={past ? 'past' : 'upcoming'} role="patient" query={{ scope: past ? 'past' : 'upcoming' }} label={past ? 'Past appointments' : 'Upcoming appointments'}
        empty={past ? 'No past appointments.' : 'No upcoming appointments. Find a doctor to book one.'}
      />
    </section>
  );
}

/** Today's appointments: those still to come and those already over (to mark their outcome). */
function Today({ from, to }: { from: string; to: string }) {
  const [state, setState] = useState<{ status: 'loading' } | { status: 'error'; message: string } | { status: 'ok'; items: Appointment[] }>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    Promise.all([
      api.appointments({ scope: 'past', from, to, limit: 100 }, ctl.signal),
      api.appointments({ scope: 'upcoming', from, to, limit: 100 }, ctl.signal),
    ]).then(
      ([p, u]) => setState({ status: 'ok', items: [...p.items.reverse(), ...u.items] }),
      (e: unknown) => {
        if ((e as Error).name === 'AbortError') return;
        setState({ status: 'error', message: e instanceof ApiError ? e.message : 'Could not load today.' });
      },
    );
    return () => ctl.abort();
  }, [from, to, tick]);
  if (state.status === 'loading') return <Loading label="Loading today…" />;
  if (state.status === 'error') return <ErrorBox message={state.message} onRetry={() => setTick((t) => t + 1)} />;
  if (state.items.length === 0)
    return (
      <Empty>
        <p>Nothing booked today.</p>
      </Empty>
    );
  return (
    <ul class="cards cards--list" aria-label="Today">
      {state.items.map((a) => (
        <AppointmentCard key={a.id} a={a} role="doctor" onChange={(n) => setState({ status: 'ok', items: state.items.map((x) => (x.id === n.id ? n : x)) })} />
      ))}
    </ul>
  );
}

function Agenda() {
  const [today] = useState(() => new Date(new Date().setHours(0, 0, 0, 0)));
  const from = today.toISOString();
  const tomorrow = addDays(today, 1).toISOString();
  const [upcoming] = useState<Query>(() => ({ scope: 'upcoming', from: tomorrow }));
  const [awaiting] = useState<Query>(() => ({ scope: 'past', status: 'booked', to: from }));
  return (
    <section>
      <PageHeader title="Agenda">
        <p class="lead">
          Your appointments, in your browser's time zone ({userTimeZone}). <Link href="/availability">Edit your hours</Link>
        </p>
      </PageHeader>
      <h2 class="section-title">Today</h2>
      <Today from={from} to={tomorrow} />
      <h2 class="section-title">Upcoming</h2>
      <AppointmentList query={upcoming} role="doctor" label="Upcoming appointments" empty="No upcoming appointments." />
      <h2 class="section-title">Earlier, awaiting an outcome</h2>
      <AppointmentList query={awaiting} role="doctor" label="Awaiting an outcome" empty="Every earlier appointment has an outcome." />
    </section>
  );
}

export function AppointmentsPage() {
  const s = useStore(session);
  if (s.status !== 'signed-in') return null;
  return s.user.role === 'doctor' ? <Agenda /> : <MyAppointments />;
}

export function AppointmentDetail({ id }: { id: number }) {
  const s = useStore(session);
  const loc = useLocation();
  const [state, setState] = useState<{ status: 'loading' } | { status: 'error'; message: string } | { status: 'ok'; a: Appointment }>({ status: 'loading' });
  useEffect(() => {
    const ctl = new AbortController();
    setState({ status: 'loading' });
    if (!Number.isInteger(id) || id <= 0) {
      setState({ status: 'error', message: 'There is no such appointment.' });
      return;
    }
    api.appointment(id, ctl.signal).then(
      (a) => setState({ status: 'ok', a }),
      (e: unknown) => {
        if ((e as Error).name === 'AbortError') return;
        setState({ status: 'error', message: e instanceof ApiError && e.status === 404 ? 'This appointment is not one of yours.' : 'Could not load this appointment.' });
      },
    );
    return () => ctl.abort();
  }, [id]);
  if (s.status !== 'signed-in') return null;
  const back = (
    <p>
      <Link href="/appointments">{s.user.role === 'doctor' ? 'Back to the agenda' : 'Back to my appointments'}</Link>
    </p>
  );
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error')
    return (
      <section class="narrow">
        <PageHeader title="Appointment" />
        <ErrorBox message={state.message} />
        {back}
      </section>
    );
  const a = state.a;
  const title = s.user.role === 'doctor' ? `Appointment with ${a.patient.name}` : `Appointment with ${a.doctor.name}`;
  return (
    <section>
      <PageHeader title={title} />
      {loc.search.get('booked') === '1' && a.status === 'booked' && (
        <p class="alert alert--success" role="status">
          Booked. A confirmation is on its way to your email, with reminders a day and an hour before.
        </p>
      )}
      <ul class="cards cards--list" aria-label="Appointment">
        <AppointmentCard a={a} role={s.user.role} detail onChange={(n) => setState({ status: 'ok', a: n })} />
      </ul>
      {a.status !== 'cancelled' &&
        (s.user.role === 'doctor' ? (
          <>
            <StartChat with={{ patient_id: a.patient.id }} label={`Message ${a.patient.name}`} />
            <p>
              <Link href={patientHealthHref(a.patient.id)} class="btn">
                Health record of {a.patient.name}
              </Link>
            </p>
          </>
        ) : (
          <StartChat with={{ doctor_id: a.doctor.id }} label={`Message ${a.doctor.name}`} />
        ))}
      {back}
    </section>
  );
}
