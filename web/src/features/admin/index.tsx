// Administration: reviewing doctors, the audit log and the mail outbox.
import type { User } from '../../api/client';
import type { Dashboard, NavEntry, Route } from '../../lib/routes';
import { AdminAudit } from './Audit';
import { AdminDashboard } from './Dashboard';
import { AdminDoctors } from './Doctors';
import { AdminOutbox } from './Outbox';
import { outboxAvailable } from './outboxProbe';

export const routes: Route[] = [
  { pattern: '/admin', guard: ['admin'], render: () => <AdminDashboard /> },
  { pattern: '/admin/doctors', guard: ['admin'], render: () => <AdminDoctors /> },
  { pattern: '/admin/audit', guard: ['admin'], render: () => <AdminAudit /> },
  { pattern: '/admin/outbox', guard: ['admin'], render: () => <AdminOutbox /> },
];

const isAdmin = (u: User | null) => u?.role === 'admin';

export const navigation: NavEntry[] = [
  { href: '/admin/doctors', label: 'Doctors', position: 80, shows: isAdmin },
  { href: '/admin/audit', label: 'Audit log', position: 90, shows: isAdmin },
  { href: '/admin/outbox', label: 'Outbox', position: 100, shows: isAdmin, available: outboxAvailable },
];

export const dashboards: Dashboard[] = [{ role: 'admin', render: () => <AdminDashboard /> }];
