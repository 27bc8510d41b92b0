// Whether this admin may read the mail outbox: the menu and the admin dashboard show it only then.
// The route arrives with mail delivery, so it is probed (GET /api/v1/admin/outbox) each time an
// admin signs in, and reset for anyone else.
import { session } from '../../lib/session';
import { store } from '../../lib/store';
import { outbox } from './api';

/** Whether GET /api/v1/admin/outbox answers 200 for this admin (the route arrives with mail delivery). */
export const outboxAvailable = store<boolean>(false);

let probedFor: string | null = null;
session.subscribe((s) => {
  const user = s.status === 'signed-in' ? s.user : null;
  const who = user ? `${user.id}:${user.role}` : '';
  if (who === probedFor) return;
  probedFor = who;
  if (user?.role === 'admin') void outbox.available().then((ok) => outboxAvailable.set(ok));
  else outboxAvailable.set(false);
});
