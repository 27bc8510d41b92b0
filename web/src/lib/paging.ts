// Cursor pagination (`?cursor=` → `{items, next_cursor}`) with Previous/Next: the cursors of the
// pages already seen are kept on a stack, so going back needs no backwards cursor from the API.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Page } from '../api/client';

/** `httpStatus` is the error answer's status (0 when the server could not be reached; absent for other failures). */
export type PageState<T> =
  | { status: 'loading' }
  | { status: 'error'; message: string; httpStatus?: number }
  | { status: 'ok'; page: Page<T> };

export function useCursorPages<T>(load: (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>, deps: unknown[]) {
  const [stack, setStack] = useState<Array<string | null>>([null]);
  const [state, setState] = useState<PageState<T>>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  const depKey = JSON.stringify(deps);

  // New filters: back to the first page.
  useEffect(() => setStack([null]), [depKey]);

  const cursor = stack[stack.length - 1] ?? null;
  useEffect(() => {
    const ctl = new AbortController();
    setState({ status: 'loading' });
    load(cursor, ctl.signal).then(
      (page) => setState({ status: 'ok', page }),
      (e: unknown) => {
        if ((e as Error).name === 'AbortError') return;
        // A 401 is handled globally (redirect to login); show other errors here.
        if (e instanceof ApiError) setState({ status: 'error', message: e.message, httpStatus: e.status });
        else setState({ status: 'error', message: 'Could not load this list.' });
      },
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cursor, depKey, tick, stack.length]);

  const nextCursor = state.status === 'ok' ? state.page.next_cursor : null;
  return {
    state,
    pageNumber: stack.length,
    hasPrev: stack.length > 1,
    hasNext: !!nextCursor,
    next: () => nextCursor && setStack((s) => [...s, nextCursor]),
    prev: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reload: () => setTick((t) => t + 1),
  };
}
