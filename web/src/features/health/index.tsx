// Health: the patient's readings, charts, import/export and advice (/health). The page loads on
// demand (HealthRoute), so its code and Chart.js stay out of the first page's bundle.
import type { NavEntry, Route } from '../../lib/routes';
import { HealthRoute } from './HealthRoute';

export const routes: Route[] = [{ pattern: '/health', guard: ['patient'], render: () => <HealthRoute /> }];

export const navigation: NavEntry[] = [{ href: '/health', label: 'Health', position: 45, shows: (u) => u?.role === 'patient' }];
