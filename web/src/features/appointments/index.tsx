// Appointments: a patient's appointments, a doctor's agenda, one appointment, and a doctor's hours.
import { isApprovedDoctor, type NavEntry, type Route } from '../../lib/routes';
import { AppointmentDetail, AppointmentsPage } from './Appointments';
import { AvailabilityEditor } from './AvailabilityEditor';

export const routes: Route[] = [
  { pattern: '/appointments', guard: ['patient', 'doctor'], render: () => <AppointmentsPage /> },
  { pattern: '/appointments/:id', guard: ['patient', 'doctor'], render: (p) => <AppointmentDetail id={Number(p.id)} /> },
  { pattern: '/availability', guard: ['doctor'], render: () => <AvailabilityEditor /> },
];

export const navigation: NavEntry[] = [
  { href: '/appointments', label: 'My appointments', position: 30, shows: (u) => u?.role === 'patient' },
  { href: '/appointments', label: 'Agenda', position: 30, shows: isApprovedDoctor },
  { href: '/availability', label: 'Hours', position: 70, shows: isApprovedDoctor },
];
