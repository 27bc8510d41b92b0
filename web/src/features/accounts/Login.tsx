import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { FormAlert, SubmitButton, TextField, onSubmit, useSubmit } from '../../ui/forms';
import { PageHeader } from '../../ui/ui';
import { Link, navigate, safeNext, useLocation } from '../../lib/router';
import { session, signedIn } from '../../lib/session';
import { useStore } from '../../lib/store';

export function Login() {
  const loc = useLocation();
  const s = useStore(session);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const f = useSubmit(['email', 'password']);
  const next = safeNext(loc.search.get('next'));
  const expired = (s.status === 'anonymous' && s.expired) || loc.search.has('next');
  const reset = loc.search.get('reset') === '1';

  const submit = () =>
    f.run(async () => {
      const r = await api.login({ email, password });
      signedIn(r.user, r.csrf_token);
      navigate(next, { replace: true });
    });

  return (
    <section class="narrow">
      <PageHeader title="Log in" />
      {reset && <p class="alert alert--success">Your password was changed. Log in with the new one.</p>}
      {expired && !reset && <p class="alert alert--info">Please log in to continue. You will come back to the page you were on.</p>}
      <form class="form" onSubmit={onSubmit(submit)} noValidate>
        <FormAlert message={f.message} />
        <TextField label="Email" name="email" type="email" autoComplete="username" required errors={f.errors} value={email} onValue={setEmail} />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          errors={f.errors}
          value={password}
          onValue={setPassword}
        />
        <SubmitButton busy={f.busy}>Log in</SubmitButton>
      </form>
      <p>
        <Link href="/forgot-password">Forgot your password?</Link>
      </p>
      <p>
        New here? <Link href="/signup">Create an account</Link>
      </p>
    </section>
  );
}
