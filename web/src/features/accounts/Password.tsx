import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { FormAlert, SubmitButton, TextField, onSubmit, useSubmit } from '../../ui/forms';
import { PageHeader } from '../../ui/ui';
import { Link, navigate, useLocation } from '../../lib/router';

export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const f = useSubmit(['email']);
  const submit = () =>
    f.run(async () => {
      await api.forgotPassword({ email });
      setSent(true);
    });
  return (
    <section class="narrow">
      <PageHeader title="Reset your password" />
      {sent ? (
        <div class="alert alert--success" role="status">
          <p>If an account exists for {email}, we have sent it a link to choose a new password. The link works once and expires soon.</p>
        </div>
      ) : (
        <form class="form" onSubmit={onSubmit(submit)} noValidate>
          <p>Enter the email you signed up with and we will send you a link to choose a new password.</p>
          <FormAlert message={f.message} />
          <TextField label="Email" name="email" type="email" autoComplete="email" required errors={f.errors} value={email} onValue={setEmail} />
          <SubmitButton busy={f.busy}>Send reset link</SubmitButton>
        </form>
      )}
      <p>
        <Link href="/login">Back to log in</Link>
      </p>
    </section>
  );
}

export function ResetPassword() {
  const loc = useLocation();
  const token = loc.search.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const f = useSubmit(['password', 'confirm']);
  const submit = () =>
    f.run(async () => {
      if (password !== confirm) {
        f.setErrors({ confirm: 'The two passwords differ.' });
        f.setMessage('Please correct the highlighted fields.');
        return;
      }
      await api.resetPassword({ token, password });
      navigate('/login?reset=1', { replace: true });
    });
  if (!token) {
    return (
      <section class="narrow">
        <PageHeader title="Choose a new password" />
        <p class="alert alert--error">This link is incomplete. Open the link from the email again, or ask for a new one.</p>
        <p>
          <Link href="/forgot-password">Ask for a new link</Link>
        </p>
      </section>
    );
  }
  return (
    <section class="narrow">
      <PageHeader title="Choose a new password" />
      <form class="form" onSubmit={onSubmit(submit)} noValidate>
        <FormAlert message={f.message} />
        <TextField
          label="New password" name="password" type="password" autoComplete="new-password" required hint="10 to 128 characters."
          errors={f.errors} value={password} onValue={setPassword}
        />
        <TextField label="Repeat the new password" name="confirm" type="password" autoComplete="new-password" required errors={f.errors} value={confirm} onValue={setConfirm} />
        <SubmitButton busy={f.busy}>Save new password</SubmitButton>
      </form>
      <p>
        Link expired or already used? <Link href="/forgot-password">Ask for a new one</Link>.
      </p>
    </section>
  );
}
