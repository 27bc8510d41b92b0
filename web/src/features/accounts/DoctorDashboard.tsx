import { useState } from 'preact/hooks';
import type { User } from '../../api/client';
import { PageHeader, StatusBadge } from '../../ui/ui';
import { formatDateTime, formatMoney } from '../../lib/format';
import { Link } from '../../lib/router';
import { refreshUser } from '../../lib/session';

function CheckAgain() {
  const [busy, setBusy] = useState(false);
  const [checked, setChecked] = useState<string | null>(null);
  const check = async () => {
    setBusy(true);
    try {
      const u = await refreshUser();
      if (u?.doctor?.status === 'pending') setChecked(`Still awaiting review (checked ${formatDateTime(new Date().toISOString())}).`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <button type="button" class="btn" onClick={() => void check()} disabled={busy} aria-busy={busy ? 'true' : undefined}>
        {busy ? 'Checking…' : 'Check again'}
      </button>
      <p role="status" aria-live="polite" class="muted">
        {checked}
      </p>
    </div>
  );
}

export function DoctorDashboard({ user }: { user: User }) {
  const d = user.doctor;
  if (!d) return <p>This account has no doctor profile.</p>;

  if (d.status === 'pending') {
    return (
      <section class="narrow">
        <PageHeader title="Awaiting approval" />
        <div class="status-panel status-panel--pending">
          <p class="lead">Thanks for signing up, {user.name}. Your account is awaiting approval by an administrator.</p>
          <p>
            We check your licence number (<strong>{d.licence_number}</strong>) before you appear in the doctor directory. You can keep
            your profile up to date in the meantime.
          </p>
          <CheckAgain />
        </div>
        <p>
          <Link href="/profile">Edit your profile</Link>
        </p>
      </section>
    );
  }
  if (d.status === 'rejected' || d.status === 'suspended') {
    const title = d.status === 'rejected' ? 'Application not approved' : 'Account suspended';
    return (
      <section class="narrow">
        <PageHeader title={title} />
        <div class="status-panel status-panel--blocked">
          <p class="lead">
            {d.status === 'rejected'
              ? 'An administrator reviewed your application and did not approve it.'
              : 'An administrator suspended your account; patients cannot find you in the directory.'}
          </p>
          <p>
            <strong>Reason:</strong> {d.status_reason || 'No reason was given.'}
          </p>
          <p>If you think this is a mistake, contact the clinic's administrators.</p>
        </div>
      </section>
    );
  }
  return (
    <section>
      <PageHeader title={`Welcome, ${user.name}`}>
        <p class="lead">
          Your doctor dashboard. <StatusBadge status={d.status} />
        </p>
      </PageHeader>
      <h2 class="section-title">Your practice</h2>
      <dl class="facts">
        <div>
          <dt>Specialty</dt>
          <dd>{d.specialty}</dd>
        </div>
        <div>
          <dt>Experience</dt>
          <dd>{d.years_experience} years</dd>
        </div>
        <div>
          <dt>Consultation fee</dt>
          <dd>{formatMoney(d.consultation_fee_cents, d.currency)}</dd>
        </div>
        <div>
          <dt>Licence</dt>
          <dd>{d.licence_number}</dd>
        </div>
      </dl>
      <h2 class="section-title">Shortcuts</h2>
      <ul class="cards shortcuts">
        <li class="card card--link">
          <h3>
            <Link href="/appointments">Agenda</Link>
          </h3>
          <p>Today's and upcoming appointments; mark outcomes, cancel with a reason.</p>
        </li>
        <li class="card card--link">
          <h3>
            <Link href="/availability">Your hours</Link>
          </h3>
          <p>Weekly hours, slot length, time zone and days off.</p>
        </li>
        <li class="card card--link">
          <h3>
            <Link href={`/doctors/${user.id}`}>Your directory listing</Link>
          </h3>
          <p>See what patients see when they find you.</p>
        </li>
        <li class="card card--link">
          <h3>
            <Link href="/profile">Your profile</Link>
          </h3>
          <p>Update your bio, experience and fee.</p>
        </li>
      </ul>
    </section>
  );
}
