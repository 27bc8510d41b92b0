// The shell: the layout (skip link, header with the menu, main, footer), the guards and the
// redirects. The pages, menu entries and role dashboards come from the features
// (src/features/<name>/index.tsx); this file only concatenates them.
import { useEffect, useState } from 'preact/hooks';
import * as accounts from './features/accounts';
import * as admin from './features/admin';
import * as appointments from './features/appointments';
import * as care from './features/care';
import * as chat from './features/chat';
import * as health from './features/health';
import * as predictions from './features/predictions';
import * as skin from './features/skin';
import { userTimeZone } from './lib/format';
import { Link, match, navigate, safeNext, useLocation } from './lib/router';
import { ALL_ROLES, type Feature, type NavEntry, type Route } from './lib/routes';
import { logout, session } from './lib/session';
import { store, useStore } from './lib/store';
import { Loading, PageHeader } from './ui/ui';

const features: Feature[] = [accounts, care, appointments, chat, health, predictions, skin, admin];

const dashboards = features.flatMap((f) => f.dashboards ?? []);
const routes: Route[] = [
  ...features.flatMap((f) => f.routes),
  { pattern: '/dashboard', guard: ALL_ROLES, render: () => <Dashboard /> },
];
const navigation: NavEntry[] = features.flatMap((f) => f.navigation).sort((a, b) => a.position - b.position);

/** The signed-in user's home: the dashboard their role's feature provides. */
function Dashboard() {
  const s = useStore(session);
  if (s.status !== 'signed-in') return null;
  const dashboard = dashboards.find((d) => d.role === s.user.role);
  return dashboard ? <>{dashboard.render(s.user)}</> : null;
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return <Loading label="Redirecting…" />;
}

function Forbidden() {
  return (
    <section class="narrow">
      <PageHeader title="Not allowed" />
      <p class="lead">Your account does not have access to this page.</p>
      <p>
        <Link href="/dashboard" class="btn btn--primary">
          Go to your dashboard
        </Link>
      </p>
    </section>
  );
}

function NotFound() {
  return (
    <section class="narrow">
      <PageHeader title="Page not found" />
      <p class="lead">There is no page at this address.</p>
      <p>
        <Link href="/">Back to the start page</Link>
      </p>
    </section>
  );
}

function Routed() {
  const loc = useLocation();
  const s = useStore(session);
  for (const r of routes) {
    const params = match(r.pattern, loc.path);
    if (!params) continue;
    if (r.guard === 'public') return <>{r.render(params)}</>;
    if (s.status === 'loading') return <Loading />;
    if (r.guard === 'anonymous') {
      if (s.status === 'signed-in') return <Redirect to={safeNext(loc.search.get('next'))} />;
      return <>{r.render(params)}</>;
    }
    if (s.status !== 'signed-in') return <Redirect to={'/login?next=' + encodeURIComponent(loc.href)} />;
    if (Array.isArray(r.guard) && !r.guard.includes(s.user.role)) return <Forbidden />;
    return <>{r.render(params)}</>;
  }
  return <NotFound />;
}

const ALWAYS = store(true);

/** A menu entry; one with an `available` store appears only while it holds true. */
function NavItem({ entry }: { entry: NavEntry }) {
  const available = useStore(entry.available ?? ALWAYS);
  if (!available) return null;
  return (
    <li>
      <Link href={entry.href}>{entry.label}</Link>
    </li>
  );
}

function Nav() {
  const s = useStore(session);
  const loc = useLocation();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [loc.href]);

  const user = s.status === 'signed-in' ? s.user : null;
  const entries = navigation.filter((e) => e.shows(user));

  return (
    <nav class="nav" aria-label="Main">
      <button type="button" class="nav__toggle btn btn--small" aria-expanded={open ? 'true' : 'false'} aria-controls="nav-menu" onClick={() => setOpen(!open)}>
        Menu
      </button>
      <ul id="nav-menu" class={open ? 'nav__list nav__list--open' : 'nav__list'}>
        {entries.map((e) => (
          <NavItem key={e.href} entry={e} />
        ))}
        {user ? (
          <li>
            <button type="button" class="btn btn--small btn--ghost" onClick={() => void logout()}>
              Log out
            </button>
          </li>
        ) : (
          s.status === 'anonymous' && (
            <>
              <li>
                <Link href="/login">Log in</Link>
              </li>
              <li>
                <Link href="/signup" class="btn btn--small btn--primary">
                  Sign up
                </Link>
              </li>
            </>
          )
        )}
      </ul>
    </nav>
  );
}

export function App() {
  const s = useStore(session);
  const user = s.status === 'signed-in' ? s.user : null;

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to main content
      </a>
      <header class="site-header">
        <div class="site-header__inner">
          <Link href={user ? '/dashboard' : '/'} class="brand">
            <span class="brand__mark" aria-hidden="true">
              +
            </span>
            medcore
          </Link>
          <Nav />
        </div>
        {user && (
          <p class="site-header__who">
            Signed in as <strong>{user.name}</strong> ({user.role})
          </p>
        )}
      </header>
      <main id="main" class="site-main" tabIndex={-1}>
        <Routed />
      </main>
      <footer class="site-footer">
        <p>medcore — open-source healthcare platform. Times are shown in your time zone ({userTimeZone}).</p>
      </footer>
    </>
  );
}
