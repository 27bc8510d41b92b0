// The admin feature's own API helpers: hand-written, untyped calls to the outbox routes (written
// before those routes were in docs/openapi.json; the generated types could replace them now).
import { rawCall, type Page } from '../../api/client';

/** An outbox row as GET /api/v1/admin/outbox answers it (not in the OpenAPI document yet). */
export interface OutboxItem {
  id: number;
  created_at: string;
  category: string;
  template: string;
  to_email: string;
  status: 'pending' | 'sending' | 'sent' | 'dead' | string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  message_id?: string;
  sent_at: string | null;
}
export const outbox = {
  /** Resolves true when the route exists and this admin may read it. */
  async available(): Promise<boolean> {
    try {
      await rawCall('GET', '/api/v1/admin/outbox?limit=1');
      return true;
    } catch {
      return false;
    }
  },
  list: (cursor: string | null, status: string, signal?: AbortSignal) => {
    const q = new URLSearchParams({ limit: '20' });
    if (cursor) q.set('cursor', cursor);
    if (status) q.set('status', status);
    return rawCall<Page<OutboxItem>>('GET', '/api/v1/admin/outbox?' + q.toString(), { signal });
  },
  /** A dead mail goes back to the queue (409 invalid-transition otherwise). */
  retry: (id: number) => rawCall<OutboxItem>('POST', `/api/v1/admin/outbox/${id}/retry`),
};
