import { store } from './store';

/** Whether GET /api/v1/admin/outbox answers 200 for this admin (the route arrives with mail delivery). */
export const outboxAvailable = store<boolean>(false);
