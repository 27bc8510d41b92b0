import { outboxAvailable } from './outboxProbe';
import { PageHeader } from '../../ui/ui';
import { Link } from '../../lib/router';
import { useStore } from '../../lib/store';
import { DoctorList } from './DoctorList';

export function AdminDashboard() {
  const hasOutbox = useStore(outboxAvailable);
  return (
    <section>
      <PageHeader title="Administration">
        <p class="lead">Review doctors, and see what happened and when.</p>
      </PageHeader>
      <h2 class="visually-hidden">Sections</h2>
      <ul class="cards shortcuts">
        <li class="card card--link">
          <h3>
            <Link href="/admin/doctors">Doctors</Link>
          </h3>
          <p>All doctors by status: suspend or reinstate.</p>
        </li>
        <li class="card card--link">
          <h3>
            <Link href="/admin/audit">Audit log</Link>
          </h3>
          <p>Every sign-in, review and change, newest first.</p>
        </li>
        {hasOutbox && (
          <li class="card card--link">
            <h3>
              <Link href="/admin/outbox">Outbox</Link>
            </h3>
            <p>Mail waiting to be sent, sent, and dead (retry it).</p>
          </li>
        )}
      </ul>
      <h2 class="section-title" id="pending-title">
        Doctors awaiting approval
      </h2>
      <DoctorList status="pending" label="Doctors awaiting approval" />
    </section>
  );
}
