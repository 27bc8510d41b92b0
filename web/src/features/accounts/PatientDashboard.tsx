import { useEffect, useState } from 'preact/hooks';
import { api, type Appointment, type User } from '../../api/client';
import { PageHeader } from '../../ui/ui';
import { formatDate, formatWhen } from '../../lib/format';
import { Link } from '../../lib/router';

/** The next three booked appointments, each linking to its page (nothing while loading or on error). */
function NextAppointments() {
  const [items, setItems] = useState<Appointment[] | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    api.appointments({ scope: 'upcoming', status: 'booked', limit: 3 }, ctl.signal).then(
      (p) => setItems(p.items),
      () => setItems([]),
    );
    return () => ctl.abort();
  }, []);
  if (!items) return null;
  return (
    <>
      <h2 class="section-title">Next appointments</h2>
      {items.length === 0 ? (
        <p>
          Nothing booked. <Link href="/doctors">Find a doctor</Link> to book a visit.
        </p>
      ) : (
        <ul class="next-appts">
          {items.map((a) => (
            <li key={a.id}>
              <Link href={`/appointments/${a.id}`}>{formatWhen(a.start)}</Link> — {a.doctor.name}
              {a.doctor.specialty ? `, ${a.doctor.specialty}` : ''}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function PatientDashboard({ user }: { user: User }) {
  const first = user.name.split(' ')[0] || user.name;
  return (
    <section>
      <PageHeader title={`Welcome, ${first}`}>
        <p class="lead">Your patient dashboard.</p>
      </PageHeader>
      <NextAppointments />
      <h2 class="section-title">Shortcuts</h2>
      <ul class="cards shortcuts">
        <li class="card card--link">
          <h3>
            <Link href="/doctors">Find a doctor</Link>
          </h3>
          <p>Search approved doctors by specialty or name, compare fees and book a free time.</p>
        </li>
        <li class="card card--link">
          <h3>
            <Link href="/appointments">My appointments</Link>
          </h3>
          <p>Upcoming and past visits: reschedule, cancel, add to your calendar.</p>
        </li>
        <li class="card card--link">
          <h3>
            <Link href="/predictions">Risk checks</Link>
          </h3>
          <p>Estimate your risk of heart disease, diabetes or stroke, see what drives it, and follow it over time.</p>
        </li>
        <li class="card card--link">
          <h3>
            <Link href="/skin">Skin check</Link>
          </h3>
          <p>Upload a photo of a mole or skin spot: which kind it looks like, and how soon to see a dermatologist.</p>
        </li>
        <li class="card card--link">
          <h3>
            <Link href="/profile">Your profile</Link>
          </h3>
          <p>Keep your phone number and personal details current; change your password.</p>
        </li>
      </ul>
      <h2 class="section-title">Your details</h2>
      <dl class="facts">
        <div>
          <dt>Email</dt>
          <dd>{user.email}</dd>
        </div>
        <div>
          <dt>Phone</dt>
          <dd>{user.phone ?? '—'}</dd>
        </div>
        <div>
          <dt>Date of birth</dt>
          <dd>{formatDate(user.patient?.date_of_birth)}</dd>
        </div>
        <div>
          <dt>Time zone (for mails)</dt>
          <dd>{user.patient?.time_zone ?? 'UTC'}</dd>
        </div>
      </dl>
    </section>
  );
}
