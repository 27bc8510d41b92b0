import { outbox, type OutboxItem } from '../../api/client';
import { Pager } from '../../components/Pager';
import { Empty, ErrorBox, Loading, PageHeader, StatusBadge } from '../../components/ui';
import { formatDateTime } from '../../lib/format';
import { useCursorPages } from '../../lib/paging';
import { Link, useLocation } from '../../lib/router';

const STATUSES = ['', 'pending', 'sent', 'failed'];

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** The mail outbox (GET /api/v1/admin/outbox); linked from the menu only when the route answers 200. */
export function AdminOutbox() {
  const loc = useLocation();
  const status = loc.search.get('status') ?? '';
  const pages = useCursorPages<OutboxItem>((cursor, signal) => outbox.list(cursor, status, signal), [status]);
  return (
    <section>
      <PageHeader title="Outbox">
        <p class="lead">Mail the server has queued, newest first.</p>
      </PageHeader>
      <nav class="tabs" aria-label="Outbox status">
        <ul>
          {STATUSES.map((s) => (
            <li key={s || 'all'}>
              <Link href={s ? `/admin/outbox?status=${s}` : '/admin/outbox'} class={s === status ? 'tab tab--active' : 'tab'} aria-current={s === status ? 'page' : undefined}>
                {s || 'All'}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {pages.state.status === 'loading' && <Loading label="Loading the outbox…" />}
      {pages.state.status === 'error' && <ErrorBox message={pages.state.message} onRetry={pages.reload} />}
      {pages.state.status === 'ok' &&
        (pages.state.page.items.length === 0 ? (
          <Empty>
            <p>The outbox is empty.</p>
          </Empty>
        ) : (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Outbox messages">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Queued</th>
                  <th scope="col">To</th>
                  <th scope="col">Template</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Sent / error</th>
                </tr>
              </thead>
              <tbody>
                {pages.state.page.items.map((m) => (
                  <tr key={m.id}>
                    <td>{m.created_at ? <time dateTime={m.created_at}>{formatDateTime(m.created_at)}</time> : '—'}</td>
                    <td>{str(m.to_email) || '—'}</td>
                    <td>
                      <code>{str(m.template) || '—'}</code>
                    </td>
                    <td>{m.status ? <StatusBadge status={m.status} /> : '—'}</td>
                    <td>{str(m.attempts) || '0'}</td>
                    <td>{m.sent_at ? formatDateTime(m.sent_at) : str(m.last_error) || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager label="Outbox pages" {...pages} />
    </section>
  );
}
