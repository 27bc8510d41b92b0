import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, newIdempotencyKey, type Alternative, type PublicDoctor } from '../../api/client';
import { FormAlert, SubmitButton, TextArea, onSubmit, useSubmit } from '../../ui/forms';
import { Alternatives, WeekSlots, slotLabel } from '../../ui/slots';
import { StartChat } from '../../ui/StartChat';
import { ErrorBox, Loading, PageHeader } from '../../ui/ui';
import { formatMoney } from '../../lib/format';
import { Link, navigate, useLocation } from '../../lib/router';
import { session } from '../../lib/session';
import { useStore } from '../../lib/store';

interface Picked {
  doctorId: number;
  doctorName: string;
  start: string;
  localStart: string;
  zone: string;
}

/**
 * Pick a free time, give an optional reason, book. Each attempt carries an Idempotency-Key that
 * stays the same while the request does (a double click or a retry after a network error books
 * once) and changes with the slot or the reason. A 409 shows its alternatives as buttons.
 */
function Booking({ d }: { d: PublicDoctor }) {
  const s = useStore(session);
  const loc = useLocation();
  const [picked, setPicked] = useState<Picked | null>(null);
  const [reason, setReason] = useState('');
  const [conflict, setConflict] = useState<{ message: string; alternatives: Alternative[] } | null>(null);
  const [refresh, setRefresh] = useState(0);
  const attempt = useRef<{ sig: string; key: string } | null>(null);
  const f = useSubmit(['reason']);
  // Keyboard and screen-reader users land on the form after picking a time, not after the last slot.
  useEffect(() => {
    if (picked) document.getElementById('booking-title')?.focus();
  }, [picked?.start]);

  const patient = s.status === 'signed-in' && s.user.role === 'patient';

  const book = (p: Picked) =>
    f.run(async () => {
      const body = { doctor_id: p.doctorId, start: p.start, ...(reason.trim() ? { reason: reason.trim() } : {}) };
      const sig = JSON.stringify(body);
      if (attempt.current?.sig !== sig) attempt.current = { sig, key: newIdempotencyKey() };
      try {
        const a = await api.book(body, attempt.current.key);
        navigate(`/appointments/${a.id}?booked=1`);
      } catch (e) {
        if (e instanceof ApiError && e.status === 409) {
          setConflict({ message: e.message, alternatives: e.alternatives });
          setPicked(null);
          setRefresh((r) => r + 1);
          return;
        }
        throw e;
      }
    });

  const pickAlternative = (a: Alternative) => {
    const p = { doctorId: a.doctor_id, doctorName: a.doctor_name, start: a.start, localStart: a.local_start, zone: a.time_zone };
    setPicked(p);
    void book(p);
  };

  return (
    <>
      {s.status === 'anonymous' && (
        <p class="alert alert--info">
          <Link href={'/login?next=' + encodeURIComponent(loc.href)}>Log in</Link> or <Link href="/signup">create an account</Link> to book
          one of these times.
        </p>
      )}
      {s.status === 'signed-in' && !patient && <p class="alert alert--info">Only patients can book; these are the free times patients see.</p>}
      <WeekSlots
        doctorId={d.id} doctorName={d.name} refresh={refresh} selected={picked?.doctorId === d.id ? picked.start : null} disabled={!patient}
        onPick={(slot, zone) => {
          setConflict(null);
          f.setMessage(null);
          setPicked({ doctorId: d.id, doctorName: d.name, start: slot.start, localStart: slot.local_start, zone });
        }}
      />
      {conflict && (
        <div class="conflict">
          <div class="alert alert--warning" role="alert">
            <p>
              <strong>That time is no longer available.</strong> {conflict.message}
            </p>
          </div>
          <Alternatives alternatives={conflict.alternatives} busy={f.busy} onPick={pickAlternative} />
        </div>
      )}
      {patient && picked && (
        <form class="form booking" onSubmit={onSubmit(() => void book(picked))} noValidate aria-labelledby="booking-title">
          <h3 id="booking-title" tabIndex={-1}>Book {slotLabel(picked.start, picked.localStart, picked.zone)}</h3>
          <p class="muted">With {picked.doctorName}.</p>
          <FormAlert message={f.message} />
          <TextArea
            label="Reason for the visit (optional)" name="reason" rows={3} maxLength={500} hint="The doctor sees it; 3 to 500 characters."
            errors={f.errors} value={reason} onValue={setReason}
          />
          <div class="actions">
            <SubmitButton busy={f.busy}>Book this time</SubmitButton>
            <button type="button" class="btn" onClick={() => setPicked(null)}>
              Choose another time
            </button>
          </div>
        </form>
      )}
      {patient && !picked && f.message && <FormAlert message={f.message} />}
    </>
  );
}

function PatientChat({ doctorId }: { doctorId: number }) {
  const s = useStore(session);
  if (s.status !== 'signed-in' || s.user.role !== 'patient') return null;
  return <StartChat with={{ doctor_id: doctorId }} label="Start a chat" />;
}

export function DoctorDetail({ id }: { id: number }) {
  const [state, setState] = useState<{ status: 'loading' } | { status: 'error'; message: string } | { status: 'ok'; d: PublicDoctor }>({ status: 'loading' });
  useEffect(() => {
    const ctl = new AbortController();
    setState({ status: 'loading' });
    if (!Number.isInteger(id) || id <= 0) {
      setState({ status: 'error', message: 'There is no such doctor.' });
      return;
    }
    api.doctor(id, ctl.signal).then(
      (d) => setState({ status: 'ok', d }),
      (e: unknown) => {
        if ((e as Error).name === 'AbortError') return;
        setState({ status: 'error', message: e instanceof ApiError && e.status === 404 ? 'This doctor is not in the directory.' : 'Could not load this doctor.' });
      },
    );
    return () => ctl.abort();
  }, [id]);

  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error')
    return (
      <section class="narrow">
        <PageHeader title="Doctor" />
        <ErrorBox message={state.message} />
        <Link href="/doctors">Back to the directory</Link>
      </section>
    );
  const d = state.d;
  return (
    <section>
      <PageHeader title={d.name}>
        <p class="lead">
          <span class="tag">{d.specialty}</span>
        </p>
      </PageHeader>
      <dl class="facts">
        <div>
          <dt>Experience</dt>
          <dd>{d.years_experience} years</dd>
        </div>
        <div>
          <dt>Consultation fee</dt>
          <dd>{formatMoney(d.consultation_fee_cents, d.currency)}</dd>
        </div>
      </dl>
      {d.bio && <p>{d.bio}</p>}
      <PatientChat doctorId={d.id} />
      <h2 class="section-title">Book an appointment</h2>
      <Booking key={d.id} d={d} />
      <p>
        <Link href="/doctors">Back to the directory</Link>
      </p>
    </section>
  );
}
