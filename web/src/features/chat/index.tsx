// Chat between a patient and a doctor. The pages load on demand (ChatRoute), so socket.io-client
// stays out of the first page's bundle.
import { isApprovedDoctor, type NavEntry, type Route } from '../../lib/routes';
import { ChatRoute } from './ChatRoute';

export const routes: Route[] = [
  { pattern: '/chat', guard: ['patient', 'doctor'], render: () => <ChatRoute /> },
  { pattern: '/chat/:id', guard: ['patient', 'doctor'], render: (p) => <ChatRoute id={Number(p.id)} /> },
];

export const navigation: NavEntry[] = [
  { href: '/chat', label: 'Messages', position: 40, shows: (u) => u?.role === 'patient' || isApprovedDoctor(u) },
];
