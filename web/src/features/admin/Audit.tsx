import { useEffect, useState } from 'preact/hooks';
import { api, type AuditEntry } from '../../api/client';
import { Pager } from '../../ui/Pager';
import { Empty, ErrorBox, Loading, PageHeader } from '../../ui/ui';
import { formatDateTime, userTimeZone } from '../../lib/format';
import { useCursorPages } from '../../lib/paging';
import { Link, navigate, useLocation } from '../../lib/router';

function Details({ details }: { details: AuditEntry['details'] }) {
  if (!details || Object.keys(details).length === 0) return <span class="muted">—</span>;
  return (
    <ul class="kv">
      {Object.entries(details).map(([k, v]) => (
        <li key={k}>
          <span class="kv__k">{k}</span> <span class="kv__v">{typeof v === 'string' ? v : JSON.stringify(v)}</span>
        </li>
      ))}
    </ul>
  );
}

const posInt = (s: string | null) => (s && /^\d+$/.test(s) ? Number(s) : undefined);

export function AdminAudit() {
  const loc = useLocation();
  const action = loc.search.get('action') ?? '';
  const actor = loc.search.get('actor_id') ?? '';
  const subject = loc.search.get('subject_id') ?? '';
  const [form, setForm] = useState({ action, actor, subject });
  useEffect(() => setForm({ action, actor, subject }), [action, actor, subject]);

  const pages = useCursorPages<AuditEntry>(
    (cursor, signal) =>
      api.audit({ action: action || undefined, actor_id: posInt(actor), subject_id: posInt(subject), limit: 25, cursor: cursor ?? undefined }, signal),
    [action, actor, subject],
  );

  const apply = (e: Event) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (form.action.trim()) p.set('action', form.action.trim());
    if (form.actor.trim()) p.set('actor_id', form.actor.trim());
    if (form.subject.trim()) p.set('subject_id', form.subject.trim());
    const s = p.toString();
    navigate('/admin/audit' + (s ? '?' + s : ''));
  };
  const input = (k: keyof typeof form) => (e: Event) => setForm((f) => ({ ...f, [k]: (e.currentTarget as HTMLInputElement).value }));

  return (
    <section>
      <PageHeader title="Audit log">
        <p class="lead">Newest first. Times in {userTimeZone}.</p>
      </PageHeader>
      <form class="filters" role="search" aria-label="Audit log" onSubmit={apply}>
        <div class="field">
          <label for="audit-action">Action</label>
          <input id="audit-action" name="action" value={form.action} onInput={input('action')} placeholder="e.g. doctor.approve" />
        </div>
        <div class="field">
          <label for="audit-actor">Actor id</label>
          <input id="audit-actor" name="actor_id" inputMode="numeric" pattern="[0-9]*" value={form.actor} onInput={input('actor')} />
        </div>
        <div class="field">
          <label for="audit-subject">Subject id</label>
          <input id="audit-subject" name="subject_id" inputMode="numeric" pattern="[0-9]*" value={form.subject} onInput={input('subject')} />
        </div>
        <button type="submit" class="btn btn--primary">
          Filter
        </button>
      </form>
      {pages.state.status === 'loading' && <Loading label="Loading the audit log…" />}
      {pages.state.status === 'error' && <ErrorBox message={pages.state.message} onRetry={pages.reload} />}
      {pages.state.status === 'ok' &&
        (pages.state.page.items.length === 0 ? (
          <Empty>
            <p>No audit entries{action || actor || subject ? ' match these filters' : ' yet'}.</p>
          </Empty>
        ) : (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Audit entries">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Subject</th>
                  <th scope="col">IP</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {pages.state.page.items.map((e) => (
                  <tr key={e.id}>
                    <td>
                      <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                    </td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>{e.actor_id == null ? '—' : <Link href={`/admin/audit?actor_id=${e.actor_id}`}>{e.actor_id}<span class="visually-hidden"> (entries by this user)</span></Link>}</td>
                    <td>{e.subject_id == null ? '—' : <Link href={`/admin/audit?subject_id=${e.subject_id}`}>{e.subject_id}<span class="visually-hidden"> (entries about this user)</span></Link>}</td>
                    <td>{e.ip ?? '—'}</td>
                    <td>
                      <Details details={e.details} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager label="Audit pages" {...pages} />
    </section>
  );
}
