import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Role } from './api/client';
import { outbox } from './api/client';
import { Loading, PageHeader } from './components/ui';
import { Link, match, navigate, safeNext, useLocation } from './lib/router';
import { logout, session } from './lib/session';
import { useStore } from './lib/store';
import { outboxAvailable } from './lib/features';
import { userTimeZone } from './lib/format';
import { AdminAudit } from './pages/admin/Audit';
import { AdminDashboard } from './pages/admin/Dashboard';
import { AdminDoctors } from './pages/admin/Doctors';
import { AdminOutbox } from './pages/admin/Outbox';
import { AppointmentDetail, AppointmentsPage } from './pages/Appointments';
import { AvailabilityEditor } from './pages/AvailabilityEditor';
import { ChatRoute } from './pages/ChatRoute';
import { DoctorDetail } from './pages/DoctorDetail';
import { DoctorDashboard } from './pages/DoctorDashboard';
import { Directory } from './pages/Directory';
import { ForgotPassword, ResetPassword } from './pages/Password';
import { Landing } from './pages/Landing';
import { Login } from './pages/Login';
import { PatientDashboard } from './pages/PatientDashboard';
import { PatientHealth } from './pages/PatientHealth';
import { PredictionPage, PredictionsHome } from './pages/Predictions';
import { NotificationSettings } from './pages/NotificationSettings';
import { Profile } from './pages/Profile';
import { Signup } from './pages/Signup';
import { SkinRoute } from './pages/SkinRoute';


type Guard = 'public' | 'anonymous' | Role[] | 'signed-in';
interface Route {
  pattern: string;
  guard: Guard;
  render: (params: Record<string, string>) => ComponentChildren;
}

const ALL: Role[] = ['patient', 'doctor', 'admin'];
const routes: Route[] = [
  { pattern: '/', guard: 'public', render: () => <Landing /> },
  { pattern: '/login', guard: 'anonymous', render: () => <Login /> },
  { pattern: '/signup', guard: 'anonymous', render: () => <Signup /> },
  { pattern: '/forgot-password', guard: 'public', render: () => <ForgotPassword /> },
  { pattern: '/reset-password', guard: 'public', render: () => <ResetPassword /> },
  { pattern: '/doctors', guard: 'public', render: () => <Directory /> },
  { pattern: '/doctors/:id', guard: 'public', render: (p) => <DoctorDetail id={Number(p.id)} /> },
  { pattern: '/dashboard', guard: ALL, render: () => <Dashboard /> },
  { pattern: '/profile', guard: ALL, render: () => <Profile /> },
  { pattern: '/settings/notifications', guard: ALL, render: () => <NotificationSettings /> },
  { pattern: '/predictions', guard: ['patient'], render: () => <PredictionsHome /> },
  { pattern: '/predictions/:model', guard: ['patient'], render: (p) => <PredictionPage name={p.model ?? ''} /> },
  { pattern: '/skin', guard: ['patient'], render: () => <SkinRoute /> },
  { pattern: '/skin/:id', guard: ['patient', 'doctor'], render: (p) => <SkinRoute id={Number(p.id)} /> },
  { pattern: '/appointments', guard: ['patient', 'doctor'], render: () => <AppointmentsPage /> },
  { pattern: '/appointments/:id', guard: ['patient', 'doctor'], render: (p) => <AppointmentDetail id={Number(p.id)} /> },
  { pattern: '/availability', guard: ['doctor'], render: () => <AvailabilityEditor /> },
  { pattern: '/patients/:id', guard: ['doctor'], render: (p) => <PatientHealth id={Number(p.id)} /> },
  { pattern: '/chat', guard: ['patient', 'doctor'], render: () => <ChatRoute /> },
  { pattern: '/chat/:id', guard: ['patient', 'doctor'], render: (p) => <ChatRoute id={Number(p.id)} /> },
  { pattern: '/admin', guard: ['admin'], render: () => <AdminDashboard /> },
  { pattern: '/admin/doctors', guard: ['admin'], render: () => <AdminDoctors /> },
  { pattern: '/admin/audit', guard: ['admin'], render: () => <AdminAudit /> },
  { pattern: '/admin/outbox', guard: ['admin'], render: () => <AdminOutbox /> },
];

function Dashboard() {
  const s = useStore(session);
  if (s.status !== 'signed-in') return null;
  if (s.user.role === 'admin') return <AdminDashboard />;
  if (s.user.role === 'doctor') return <DoctorDashboard user={s.user} />;
  return <PatientDashboard user={s.user} />;
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

function Nav() {
  const s = useStore(session);
  const hasOutbox = useStore(outboxAvailable);
  const loc = useLocation();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [loc.href]);

  const role = s.status === 'signed-in' ? s.user.role : null;
  const links: Array<[string, string]> = [];
  if (!role) links.push(['/doctors', 'Find a doctor']);
  if (role) links.push(['/dashboard', 'Dashboard']);
  if (role === 'patient') links.push(['/doctors', 'Find a doctor'], ['/appointments', 'My appointments'], ['/chat', 'Messages'], ['/predictions', 'Risk checks'], ['/skin', 'Skin check']);
  if (role === 'doctor' && s.status === 'signed-in' && s.user.doctor?.status === 'approved') links.push(['/appointments', 'Agenda'], ['/chat', 'Messages'], ['/availability', 'Hours']);
  if (role === 'admin') {
    links.push(['/admin/doctors', 'Doctors'], ['/admin/audit', 'Audit log']);
    if (hasOutbox) links.push(['/admin/outbox', 'Outbox']);
  }
  if (role) links.push(['/profile', 'Profile']);

  return (
    <nav class="nav" aria-label="Main">
      <button type="button" class="nav__toggle btn btn--small" aria-expanded={open ? 'true' : 'false'} aria-controls="nav-menu" onClick={() => setOpen(!open)}>
        Menu
      </button>
      <ul id="nav-menu" class={open ? 'nav__list nav__list--open' : 'nav__list'}>
        {links.map(([href, label]) => (
          <li key={href}>
            <Link href={href}>{label}</Link>
          </li>
        ))}
        {role ? (
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
  useEffect(() => {
    if (user?.role === 'admin') void outbox.available().then((ok) => outboxAvailable.set(ok));
    else outboxAvailable.set(false);
  }, [user?.id, user?.role]);

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
