// Skin check: a patient's photo analysis and history, and one analysis (also for a treating
// doctor). The pages load on demand (SkinRoute).
import type { NavEntry, Route } from '../../lib/routes';
import { SkinRoute } from './SkinRoute';

export const routes: Route[] = [
  { pattern: '/skin', guard: ['patient'], render: () => <SkinRoute /> },
  { pattern: '/skin/:id', guard: ['patient', 'doctor'], render: (p) => <SkinRoute id={Number(p.id)} /> },
];

export const navigation: NavEntry[] = [
  { href: '/skin', label: 'Skin check', position: 60, shows: (u) => u?.role === 'patient' },
];
