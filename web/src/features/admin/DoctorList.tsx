import { useState } from 'preact/hooks';
import { api, type AdminDoctor, type DoctorStatus } from '../../api/client';
import { Pager } from '../../ui/Pager';
import { Empty, ErrorBox, Loading } from '../../ui/ui';
import { useCursorPages } from '../../lib/paging';
import { DoctorReview } from './DoctorReview';

const EMPTY: Record<DoctorStatus, string> = {
  pending: 'No doctors are waiting for review.',
  approved: 'No approved doctors yet.',
  suspended: 'No suspended doctors.',
  rejected: 'No rejected applications.',
};

/** Doctors with one status, with paging; a doctor whose status changes stays visible until the next reload. */
export function DoctorList({ status, label }: { status: DoctorStatus; label: string }) {
  const pages = useCursorPages<AdminDoctor>((cursor, signal) => api.adminDoctors({ status, limit: 10, cursor: cursor ?? undefined }, signal), [status]);
  const [changed, setChanged] = useState<Record<number, AdminDoctor>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const onChanged = (d: AdminDoctor, message: string) => {
    setChanged((c) => ({ ...c, [d.id]: d }));
    setNotice(message);
  };
  return (
    <div>
      <div role="status" aria-live="polite">
        {notice && <p class="alert alert--success">{notice}</p>}
      </div>
      {pages.state.status === 'loading' && <Loading label="Loading doctors…" />}
      {pages.state.status === 'error' && <ErrorBox message={pages.state.message} onRetry={pages.reload} />}
      {pages.state.status === 'ok' &&
        (pages.state.page.items.length === 0 ? (
          <Empty>
            <p>{EMPTY[status]}</p>
          </Empty>
        ) : (
          <ul class="cards cards--list" aria-label={label}>
            {pages.state.page.items.map((d) => (
              <DoctorReview key={d.id} doctor={changed[d.id] ?? d} onChanged={onChanged} />
            ))}
          </ul>
        ))}
      <Pager label={`${label} pages`} {...pages} />
    </div>
  );
}
