import { useState } from 'preact/hooks';
import { api, type Schemas } from '../../api/client';
import { FormAlert, SelectField, SubmitButton, TextArea, TextField, onSubmit, useSubmit } from '../../ui/forms';
import { PageHeader } from '../../ui/ui';
import { userTimeZone } from '../../lib/format';
import { Link, navigate, useLocation } from '../../lib/router';
import { signedIn } from '../../lib/session';

type SignupRole = 'patient' | 'doctor';
const SEXES: Array<[string, string]> = [
  ['', 'Choose…'],
  ['female', 'Female'],
  ['male', 'Male'],
  ['intersex', 'Intersex'],
  ['unknown', 'Prefer not to say'],
];

const FIELDS = ['role', 'name', 'email', 'password', 'phone', 'date_of_birth', 'sex', 'specialty', 'licence_number', 'years_experience', 'bio', 'consultation_fee_cents'];

/** "45", "45.5", "45,50" → 4550 cents; null when it is not a plain amount. */
export function toCents(s: string): number | null {
  const t = s.trim().replace(',', '.');
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(t)) return null;
  return Math.round(Number(t) * 100);
}

export function Signup() {
  const loc = useLocation();
  const [role, setRole] = useState<SignupRole>(loc.search.get('role') === 'doctor' ? 'doctor' : 'patient');
  const [v, setV] = useState({
    name: '', email: '', password: '', phone: '', date_of_birth: '', sex: '',
    specialty: '', licence_number: '', years_experience: '', bio: '', fee: '',
  });
  const set = (k: keyof typeof v) => (val: string) => setV((o) => ({ ...o, [k]: val }));
  const f = useSubmit(FIELDS);

  const submit = () =>
    f.run(async () => {
      let body: Schemas['SignupRequest'];
      if (role === 'patient') {
        body = {
          role: 'patient', name: v.name, email: v.email, password: v.password, phone: v.phone,
          date_of_birth: v.date_of_birth, sex: v.sex as Schemas['SignupPatientRequest']['sex'],
          // Mails about appointments show times in this zone; it can be changed in the profile.
          time_zone: userTimeZone,
        };
      } else {
        const cents = v.fee.trim() === '' ? null : toCents(v.fee);
        if (v.fee.trim() !== '' && cents === null) {
          f.setErrors({ consultation_fee_cents: 'Enter an amount such as 45 or 45.50.' });
          f.setMessage('Please correct the highlighted fields.');
          return;
        }
        const years = v.years_experience.trim() === '' ? Number.NaN : Number(v.years_experience);
        body = {
          role: 'doctor', name: v.name, email: v.email, password: v.password, phone: v.phone,
          specialty: v.specialty, licence_number: v.licence_number,
          // Missing numbers are sent as null so that the server names the field in its 422.
          years_experience: (Number.isInteger(years) ? years : null) as number,
          consultation_fee_cents: cents as number,
          ...(v.bio.trim() ? { bio: v.bio } : {}),
        };
      }
      const r = await api.signup(body);
      signedIn(r.user, r.csrf_token);
      navigate('/dashboard', { replace: true });
    });

  return (
    <section class="narrow">
      <PageHeader title="Create your account" />
      <form class="form" onSubmit={onSubmit(submit)} noValidate>
        <FormAlert message={f.message} />
        <fieldset class="choice">
          <legend>I am a…</legend>
          <label class="choice__option">
            <input type="radio" name="role" value="patient" checked={role === 'patient'} onChange={() => setRole('patient')} />
            <span>Patient</span>
          </label>
          <label class="choice__option">
            <input type="radio" name="role" value="doctor" checked={role === 'doctor'} onChange={() => setRole('doctor')} />
            <span>Doctor</span>
          </label>
        </fieldset>
        {role === 'doctor' && (
          <p class="alert alert--info">Doctor accounts are reviewed by an administrator before they appear in the directory.</p>
        )}
        <TextField label="Full name" name="name" autoComplete="name" required errors={f.errors} value={v.name} onValue={set('name')} />
        <TextField label="Email" name="email" type="email" autoComplete="email" required errors={f.errors} value={v.email} onValue={set('email')} />
        <TextField
          label="Password" name="password" type="password" autoComplete="new-password" required hint="10 to 128 characters."
          errors={f.errors} value={v.password} onValue={set('password')}
        />
        <TextField
          label="Phone" name="phone" type="tel" autoComplete="tel" required hint="Digits, spaces and + - ( ), e.g. +351 912 345 678."
          errors={f.errors} value={v.phone} onValue={set('phone')}
        />
        {role === 'patient' ? (
          <>
            <TextField label="Date of birth" name="date_of_birth" type="date" autoComplete="bday" required errors={f.errors} value={v.date_of_birth} onValue={set('date_of_birth')} />
            <SelectField label="Sex" name="sex" required errors={f.errors} value={v.sex} onValue={set('sex')} options={SEXES} />
          </>
        ) : (
          <>
            <TextField label="Specialty" name="specialty" required hint="For example Cardiology." errors={f.errors} value={v.specialty} onValue={set('specialty')} />
            <TextField
              label="Licence number" name="licence_number" required hint="Letters, digits, - / . (3 to 40)."
              errors={f.errors} value={v.licence_number} onValue={set('licence_number')}
            />
            <TextField
              label="Years of experience" name="years_experience" type="number" inputMode="numeric" min="0" max="70" required
              errors={f.errors} value={v.years_experience} onValue={set('years_experience')}
            />
            <TextField
              label="Consultation fee" name="consultation_fee_cents" inputMode="decimal" required hint="The amount per consultation, e.g. 45.00."
              errors={f.errors} value={v.fee} onValue={set('fee')}
            />
            <TextArea label="About you (optional)" name="bio" rows={4} maxLength={2000} errors={f.errors} value={v.bio} onValue={set('bio')} />
          </>
        )}
        <SubmitButton busy={f.busy}>Create account</SubmitButton>
      </form>
      <p>
        Already have an account? <Link href="/login">Log in</Link>
      </p>
    </section>
  );
}
