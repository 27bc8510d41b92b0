import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type PublicDoctor } from '../api/client';
import { ErrorBox, Loading, PageHeader } from '../components/ui';
import { formatMoney } from '../lib/format';
import { Link } from '../lib/router';

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
    <section class="narrow">
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
      <p>
        <Link href="/doctors">Back to the directory</Link>
      </p>
    </section>
  );
}
