import { useEffect, useState } from 'preact/hooks';
import { api, type PublicDoctor } from '../../api/client';
import { Pager } from '../../ui/Pager';
import { Empty, ErrorBox, Loading, PageHeader } from '../../ui/ui';
import { formatMoney } from '../../lib/format';
import { useCursorPages } from '../../lib/paging';
import { Link, navigate, useLocation } from '../../lib/router';

export function DoctorCard({ d }: { d: PublicDoctor }) {
  return (
    <li class="card doctor">
      <h3>
        <Link href={`/doctors/${d.id}`}>{d.name}</Link>
      </h3>
      <p class="doctor__meta">
        <span class="tag">{d.specialty}</span> {d.years_experience} years' experience · {formatMoney(d.consultation_fee_cents, d.currency)} per
        consultation
      </p>
      {d.bio && <p class="doctor__bio">{d.bio}</p>}
      <p>
        <Link href={`/doctors/${d.id}`} class="btn btn--small">
          See free times<span class="visually-hidden"> of {d.name}</span>
        </Link>
      </p>
    </li>
  );
}

export function Directory() {
  const loc = useLocation();
  const specialty = loc.search.get('specialty') ?? '';
  const q = loc.search.get('q') ?? '';
  const [qInput, setQInput] = useState(q);
  const [specInput, setSpecInput] = useState(specialty);
  useEffect(() => {
    setQInput(q);
    setSpecInput(specialty);
  }, [q, specialty]);

  const pages = useCursorPages<PublicDoctor>((cursor, signal) => api.doctors({ specialty: specialty || undefined, q: q || undefined, limit: 10, cursor: cursor ?? undefined }, signal), [specialty, q]);

  const search = (e: Event) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (qInput.trim()) p.set('q', qInput.trim());
    if (specInput.trim()) p.set('specialty', specInput.trim());
    const s = p.toString();
    navigate('/doctors' + (s ? '?' + s : ''));
  };

  return (
    <section>
      <PageHeader title="Find a doctor">
        <p class="lead">Approved doctors, by name: compare experience and fees, then book a free time.</p>
      </PageHeader>
      <form class="filters" role="search" aria-label="Doctors" onSubmit={search}>
        <div class="field">
          <label for="dir-q">Name</label>
          <input id="dir-q" name="q" type="search" value={qInput} onInput={(e) => setQInput((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="dir-specialty">Specialty</label>
          <input
            id="dir-specialty" name="specialty" list="specialties" value={specInput}
            onInput={(e) => setSpecInput((e.currentTarget as HTMLInputElement).value)}
          />
          <datalist id="specialties">
            {['Cardiology', 'Dermatology', 'Family Medicine', 'General Practice', 'Neurology', 'Paediatrics', 'Psychiatry'].map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </div>
        <button type="submit" class="btn btn--primary">
          Search
        </button>
      </form>
      {pages.state.status === 'loading' && <Loading label="Loading doctors…" />}
      {pages.state.status === 'error' && <ErrorBox message={pages.state.message} onRetry={pages.reload} />}
      {pages.state.status === 'ok' &&
        (pages.state.page.items.length === 0 ? (
          <Empty>
            <p>No doctors match {q || specialty ? 'this search' : 'yet'}.</p>
            {(q || specialty) && <Link href="/doctors">Show all doctors</Link>}
          </Empty>
        ) : (
          <>
          <h2 class="visually-hidden">Results</h2>
          <ul class="cards cards--list" aria-label="Doctors">
            {pages.state.page.items.map((d) => (
              <DoctorCard key={d.id} d={d} />
            ))}
          </ul>
          </>
        ))}
      <Pager label="Doctor pages" {...pages} />
    </section>
  );
}
