import { useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import { outbox, type OutboxItem } from './api';
import { Pager } from '../../ui/Pager';
import { Empty, ErrorBox, Loading, PageHeader, StatusBadge } from '../../ui/ui';
import { formatDateTime } from '../../lib/format';
import { useCursorPages } from '../../lib/paging';
import { Link, useLocation } from '../../lib/router';

const STATUSES = ['', 'pending', 'sending', 'sent', 'dead'];

function Retry({ item, onDone }: { item: OutboxItem; onDone: (m: OutboxItem | null, message: string) => void }) {
  const [busy, setBusy] = useState(false);
  const retry = async () => {
    setBusy(true);
    try {
      const m = await outbox.retry(item.id);
      onDone(m, `Mail ${item.id} to ${item.to_email} is queued again.`);
    } catch (e) {
      onDone(null, e instanceof ApiError ? e.message : 'Could not retry this mail.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" class="btn btn--small" disabled={busy} onClick={() => void retry()}>
      Retry <span class="visually-hidden">mail {item.id}</span>
    </button>
  );
}

/** The mail outbox (GET /api/v1/admin/outbox); linked from the menu only when the route answers 200. */
export function AdminOutbox() {
  const loc = useLocation();
  const raw = loc.search.get('status') ?? '';
  const status = STATUSES.includes(raw) ? raw : '';
  const pages = useCursorPages<OutboxItem>((cursor, signal) => outbox.list(cursor, status, signal), [status]);
  const [changed, setChanged] = useState<Record<number, OutboxItem>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const done = (m: OutboxItem | null, message: string) => {
    if (m) setChanged((c) => ({ ...c, [m.id]: m }));
    setNotice(message);
  };
  return (
    <section>
      <PageHeader title="Outbox">
        <p class="lead">Mail the server has queued, newest first. Dead mail (out of attempts) can be retried.</p>
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
      <div role="status" aria-live="polite">
        {notice && <p class="alert alert--info">{notice}</p>}
      </div>
      {pages.state.status === 'loading' && <Loading label="Loading the outbox…" />}
      {pages.state.status === 'error' && <ErrorBox message={pages.state.message} onRetry={pages.reload} />}
      {pages.state.status === 'ok' &&
        (pages.state.page.items.length === 0 ? (
          <Empty>
            <p>No mail{status ? ` with status ${status}` : ''}.</p>
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
                  <th scope="col">Sent / next try / error</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {pages.state.page.items.map((orig) => {
                  const m = changed[orig.id] ?? orig;
                  return (
                    <tr key={m.id}>
                      <td>
                        <time dateTime={m.created_at}>{formatDateTime(m.created_at)}</time>
                      </td>
                      <td>{m.to_email}</td>
                      <td>
                        <code>{m.template}</code>
                      </td>
                      <td>
                        <StatusBadge status={m.status} />
                      </td>
                      <td>{m.attempts}</td>
                      <td>
                        {m.status === 'sent' && m.sent_at ? (
                          <>sent {formatDateTime(m.sent_at)}</>
                        ) : (
                          <>
                            {m.status === 'pending' && m.next_attempt_at && <>next try {formatDateTime(m.next_attempt_at)}</>}
                            {m.last_error && <div class="muted">{m.last_error}</div>}
                          </>
                        )}
                      </td>
                      <td>{m.status === 'dead' && <Retry item={m} onDone={done} />}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ))}
      <Pager label="Outbox pages" {...pages} />
    </section>
  );
}
