// Care: the public directory of doctors, a doctor's page (with booking), and the health record a
// treating doctor reads.
import type { NavEntry, Route } from '../../lib/routes';
import { Directory } from './Directory';
import { DoctorDetail } from './DoctorDetail';
import { PatientHealth } from './PatientHealth';

export const routes: Route[] = [
  { pattern: '/doctors', guard: 'public', render: () => <Directory /> },
  { pattern: '/doctors/:id', guard: 'public', render: (p) => <DoctorDetail id={Number(p.id)} /> },
  { pattern: '/patients/:id', guard: ['doctor'], render: (p) => <PatientHealth id={Number(p.id)} /> },
];

export const navigation: NavEntry[] = [
  { href: '/doctors', label: 'Find a doctor', position: 20, shows: (u) => u === null || u.role === 'patient' },
];
