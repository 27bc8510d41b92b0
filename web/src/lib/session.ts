// Who is signed in. Loaded once from GET /me at start; updated by login, sign-up, profile edits
// and logout; cleared when any request answers 401 (the client calls expire()).
import { api, setCsrfToken, setUnauthenticatedHandler, type User } from '../api/client';
import { location, navigate } from './router';
import { store } from './store';

export type SessionState = { status: 'loading' } | { status: 'anonymous'; expired?: boolean } | { status: 'signed-in'; user: User };

export const session = store<SessionState>({ status: 'loading' });

export function signedIn(user: User, csrf?: string): void {
  if (csrf) setCsrfToken(csrf);
  session.set({ status: 'signed-in', user });
}

export function currentUser(): User | null {
  const s = session.get();
  return s.status === 'signed-in' ? s.user : null;
}

export async function loadSession(): Promise<void> {
  try {
    const r = await api.me();
    signedIn(r.user, r.csrf_token);
  } catch {
    setCsrfToken(null);
    session.set({ status: 'anonymous' });
  }
}

export async function refreshUser(): Promise<User | null> {
  const r = await api.me();
  signedIn(r.user, r.csrf_token);
  return r.user;
}

export async function logout(): Promise<void> {
  try {
    await api.logout();
  } finally {
    setCsrfToken(null);
    session.set({ status: 'anonymous' });
    navigate('/login', { replace: true });
  }
}

/** The session ended under us: go to login, and come back here afterwards. */
function expire(): void {
  const wasSignedIn = session.get().status === 'signed-in';
  session.set({ status: 'anonymous', expired: wasSignedIn });
  const here = location.get();
  if (here.path === '/login') return;
  navigate('/login?next=' + encodeURIComponent(here.href), { replace: true });
}

setUnauthenticatedHandler(expire);

export function homeFor(user: User): string {
  return user.role === 'admin' ? '/admin' : '/dashboard';
}
