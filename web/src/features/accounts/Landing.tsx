import { Link } from '../../lib/router';
import { session } from '../../lib/session';
import { useStore } from '../../lib/store';
import { PageHeader } from '../../ui/ui';

export function Landing() {
  const s = useStore(session);
  return (
    <>
      <section class="hero">
        <PageHeader title="Care that fits your day" />
        <p class="lead">
          medcore connects patients with approved doctors. Find a specialist, keep your details in one place, and let doctors focus on
          care.
        </p>
        <div class="actions">
          {s.status === 'signed-in' ? (
            <Link href="/dashboard" class="btn btn--primary">
              Go to your dashboard
            </Link>
          ) : (
            <>
              <Link href="/signup" class="btn btn--primary">
                Create an account
              </Link>
              <Link href="/login" class="btn">
                Log in
              </Link>
            </>
          )}
          <Link href="/doctors" class="btn btn--ghost">
            Browse doctors
          </Link>
        </div>
      </section>
      <section class="features" aria-labelledby="features-title">
        <h2 id="features-title">What you can do</h2>
        <ul class="cards">
          <li class="card">
            <h3>Patients</h3>
            <p>Sign up in a minute, search the directory of approved doctors by specialty or name, and keep your profile current.</p>
          </li>
          <li class="card">
            <h3>Doctors</h3>
            <p>Apply with your licence number. Once an administrator approves you, patients can find you in the directory.</p>
          </li>
          <li class="card">
            <h3>Private by default</h3>
            <p>Your data stays on this server. Every review of a doctor and every access to health data is written to an audit log.</p>
          </li>
        </ul>
      </section>
    </>
  );
}
