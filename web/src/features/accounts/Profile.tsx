import { useState } from 'preact/hooks';
import { api, type Schemas, type User } from '../../api/client';
import { FormAlert, SelectField, SubmitButton, TextArea, TextField, onSubmit, useSubmit } from '../../ui/forms';
import { PageHeader } from '../../ui/ui';
import { formatDateTime, formatMoney, timeZones } from '../../lib/format';
import { Link } from '../../lib/router';
import { session, signedIn } from '../../lib/session';
import { useStore } from '../../lib/store';
import { toCents } from './Signup';

const SEXES: Array<[string, string]> = [
  ['female', 'Female'],
  ['male', 'Male'],
  ['intersex', 'Intersex'],
  ['unknown', 'Prefer not to say'],
];

function initial(u: User) {
  return {
    name: u.name,
    phone: u.phone ?? '',
    date_of_birth: u.patient?.date_of_birth ?? '',
    sex: u.patient?.sex ?? 'unknown',
    time_zone: u.patient?.time_zone ?? 'UTC',
    bio: u.doctor?.bio ?? '',
    years_experience: u.doctor ? String(u.doctor.years_experience) : '',
    fee: u.doctor ? (u.doctor.consultation_fee_cents / 100).toFixed(2) : '',
  };
}

function ProfileForm({ user }: { user: User }) {
  const [v, setV] = useState(() => initial(user));
  const [saved, setSaved] = useState(false);
  const set = (k: keyof typeof v) => (val: string) => {
    setSaved(false);
    setV((o) => ({ ...o, [k]: val }));
  };
  const f = useSubmit(['name', 'phone', 'date_of_birth', 'sex', 'time_zone', 'bio', 'years_experience', 'consultation_fee_cents']);
  const start = initial(user);

  const submit = () =>
    f.run(async () => {
      // Send only what changed: PATCH semantics, and fewer chances to trip a rule.
      const body: Schemas['UpdateMeRequest'] = {};
      if (v.name !== start.name) body.name = v.name;
      if (v.phone !== start.phone) body.phone = v.phone;
      if (user.role === 'patient') {
        if (v.date_of_birth !== start.date_of_birth) body.date_of_birth = v.date_of_birth;
        if (v.sex !== start.sex) body.sex = v.sex as NonNullable<Schemas['UpdateMeRequest']['sex']>;
        if (v.time_zone !== start.time_zone) body.time_zone = v.time_zone;
      }
      if (user.role === 'doctor') {
        if (v.bio !== start.bio) body.bio = v.bio;
        if (v.years_experience !== start.years_experience) body.years_experience = Number(v.years_experience);
        if (v.fee !== start.fee) {
          const cents = toCents(v.fee);
          if (cents === null) {
            f.setErrors({ consultation_fee_cents: 'Enter an amount such as 45 or 45.50.' });
            f.setMessage('Please correct the highlighted fields.');
            return;
          }
          body.consultation_fee_cents = cents;
        }
      }
      if (Object.keys(body).length === 0) {
        setSaved(true);
        return;
      }
      const r = await api.updateMe(body);
      signedIn(r.user);
      setV(initial(r.user));
      setSaved(true);
    });

  return (
    <form class="form" onSubmit={onSubmit(submit)} noValidate aria-labelledby="profile-details">
      <h2 id="profile-details">Your details</h2>
      <FormAlert message={f.message} />
      <div role="status" aria-live="polite">
        {saved && <p class="alert alert--success">Saved.</p>}
      </div>
      <TextField label="Full name" name="name" autoComplete="name" errors={f.errors} value={v.name} onValue={set('name')} />
      <TextField label="Phone" name="phone" type="tel" autoComplete="tel" errors={f.errors} value={v.phone} onValue={set('phone')} />
      {user.role === 'patient' && (
        <>
          <TextField label="Date of birth" name="date_of_birth" type="date" errors={f.errors} value={v.date_of_birth} onValue={set('date_of_birth')} />
          <SelectField label="Sex" name="sex" errors={f.errors} value={v.sex} onValue={set('sex')} options={SEXES} />
          <SelectField
            label="Time zone" name="time_zone" hint="Appointment mails show times in this zone." errors={f.errors} value={v.time_zone}
            onValue={set('time_zone')} options={timeZones(v.time_zone).map((z) => [z, z])}
          />
        </>
      )}
      {user.role === 'doctor' && (
        <>
          <TextField
            label="Years of experience" name="years_experience" type="number" inputMode="numeric" min="0" max="70"
            errors={f.errors} value={v.years_experience} onValue={set('years_experience')}
          />
          <TextField
            label={`Consultation fee (${user.doctor?.currency ?? ''})`} name="consultation_fee_cents" inputMode="decimal"
            errors={f.errors} value={v.fee} onValue={set('fee')}
          />
          <TextArea label="About you" name="bio" rows={5} maxLength={2000} errors={f.errors} value={v.bio} onValue={set('bio')} />
        </>
      )}
      <SubmitButton busy={f.busy}>Save changes</SubmitButton>
    </form>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const f = useSubmit(['current_password', 'new_password']);
  const submit = () =>
    f.run(async () => {
      setDone(false);
      const r = await api.changePassword({ current_password: current, new_password: next });
      signedIn(r.user, r.csrf_token);
      setCurrent('');
      setNext('');
      setDone(true);
    });
  return (
    <form class="form" onSubmit={onSubmit(submit)} noValidate aria-labelledby="pw-title">
      <h2 id="pw-title">Change password</h2>
      <p class="muted">Changing it signs you out everywhere else.</p>
      <FormAlert message={f.message} />
      <div role="status" aria-live="polite">
        {done && <p class="alert alert--success">Password changed.</p>}
      </div>
      <TextField
        label="Current password" name="current_password" type="password" autoComplete="current-password"
        errors={f.errors} value={current} onValue={setCurrent}
      />
      <TextField
        label="New password" name="new_password" type="password" autoComplete="new-password" hint="10 to 128 characters."
        errors={f.errors} value={next} onValue={setNext}
      />
      <SubmitButton busy={f.busy}>Change password</SubmitButton>
    </form>
  );
}

export function Profile() {
  const s = useStore(session);
  if (s.status !== 'signed-in') return null;
  const u = s.user;
  return (
    <section class="narrow">
      <PageHeader title="Your profile" />
      <p>
        <Link href="/settings/notifications">Email alerts</Link>
      </p>
      <dl class="facts">
        <div>
          <dt>Email</dt>
          <dd>{u.email}</dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>{u.role}</dd>
        </div>
        <div>
          <dt>Member since</dt>
          <dd>
            <time dateTime={u.created_at}>{formatDateTime(u.created_at)}</time>
          </dd>
        </div>
        {u.doctor && (
          <>
            <div>
              <dt>Specialty</dt>
              <dd>{u.doctor.specialty}</dd>
            </div>
            <div>
              <dt>Licence</dt>
              <dd>{u.doctor.licence_number}</dd>
            </div>
            <div>
              <dt>Fee</dt>
              <dd>{formatMoney(u.doctor.consultation_fee_cents, u.doctor.currency)}</dd>
            </div>
          </>
        )}
      </dl>
      <ProfileForm key={u.id} user={u} />
      <PasswordForm />
    </section>
  );
}
