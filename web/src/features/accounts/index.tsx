// Accounts: the start page, signing up and in, passwords, the profile, notification settings and
// the patients' and doctors' dashboards.
import { ALL_ROLES, type Dashboard, type NavEntry, type Route } from '../../lib/routes';
import { DoctorDashboard } from './DoctorDashboard';
import { Landing } from './Landing';
import { Login } from './Login';
import { NotificationSettings } from './NotificationSettings';
import { ForgotPassword, ResetPassword } from './Password';
import { PatientDashboard } from './PatientDashboard';
import { Profile } from './Profile';
import { Signup } from './Signup';

export const routes: Route[] = [
  { pattern: '/', guard: 'public', render: () => <Landing /> },
  { pattern: '/login', guard: 'anonymous', render: () => <Login /> },
  { pattern: '/signup', guard: 'anonymous', render: () => <Signup /> },
  { pattern: '/forgot-password', guard: 'public', render: () => <ForgotPassword /> },
  { pattern: '/reset-password', guard: 'public', render: () => <ResetPassword /> },
  { pattern: '/profile', guard: ALL_ROLES, render: () => <Profile /> },
  { pattern: '/settings/notifications', guard: ALL_ROLES, render: () => <NotificationSettings /> },
];

export const navigation: NavEntry[] = [
  { href: '/dashboard', label: 'Dashboard', position: 10, shows: (u) => u !== null },
  { href: '/profile', label: 'Profile', position: 1000, shows: (u) => u !== null },
];

export const dashboards: Dashboard[] = [
  { role: 'patient', render: (user) => <PatientDashboard user={user} /> },
  { role: 'doctor', render: (user) => <DoctorDashboard user={user} /> },
];
