// Health: the patient's readings, charts, import/export and advice (/health).
import type { NavEntry, Route } from '../../lib/routes';
import { HealthPage } from './Health';

export const routes: Route[] = [{ pattern: '/health', guard: ['patient'], render: () => <HealthPage /> }];

export const navigation: NavEntry[] = [{ href: '/health', label: 'Health', position: 45, shows: (u) => u?.role === 'patient' }];
