// Risk checks: the models' forms, results and history for patients.
import type { NavEntry, Route } from '../../lib/routes';
import { PredictionPage, PredictionsHome } from './Predictions';

export const routes: Route[] = [
  { pattern: '/predictions', guard: ['patient'], render: () => <PredictionsHome /> },
  { pattern: '/predictions/:model', guard: ['patient'], render: (p) => <PredictionPage name={p.model ?? ''} /> },
];

export const navigation: NavEntry[] = [
  { href: '/predictions', label: 'Risk checks', position: 50, shows: (u) => u?.role === 'patient' },
];
