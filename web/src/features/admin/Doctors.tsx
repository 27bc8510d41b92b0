import type { DoctorStatus } from '../../api/client';
import { PageHeader } from '../../ui/ui';
import { Link, useLocation } from '../../lib/router';
import { DoctorList } from './DoctorList';

const STATUSES: Array<[DoctorStatus, string]> = [
  ['pending', 'Pending'],
  ['approved', 'Approved'],
  ['suspended', 'Suspended'],
  ['rejected', 'Rejected'],
];

export function AdminDoctors() {
  const loc = useLocation();
  const raw = loc.search.get('status');
  const status: DoctorStatus = STATUSES.some(([s]) => s === raw) ? (raw as DoctorStatus) : 'approved';
  const label = STATUSES.find(([s]) => s === status)![1];
  return (
    <section>
      <PageHeader title="Doctors" />
      <nav class="tabs" aria-label="Doctor status">
        <ul>
          {STATUSES.map(([s, l]) => (
            <li key={s}>
              <Link href={`/admin/doctors?status=${s}`} class={s === status ? 'tab tab--active' : 'tab'} aria-current={s === status ? 'page' : undefined}>
                {l}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <h2 class="section-title">{label} doctors</h2>
      <DoctorList key={status} status={status} label={`${label} doctors`} />
    </section>
  );
}
