// What a feature (src/features/<name>/index.tsx) gives the app: its pages as routes, its menu
// entries, and the dashboard of a role it owns. App.tsx concatenates them; nothing else lists pages.
import type { ComponentChildren } from 'preact';
import type { Role, User } from '../api/client';
import type { Store } from './store';

/**
 * Who may open a page: anyone ('public'); only visitors who are not signed in ('anonymous': a
 * signed-in user is sent on to `?next=` or the dashboard); the listed roles (others see "Not
 * allowed", visitors go to the login page first); or anyone signed in.
 */
export type Guard = 'public' | 'anonymous' | Role[] | 'signed-in';

export const ALL_ROLES: Role[] = ['patient', 'doctor', 'admin'];

export interface Route {
  /** "/doctors/:id": the parameters reach `render` as strings. */
  pattern: string;
  guard: Guard;
  render: (params: Record<string, string>) => ComponentChildren;
}

export interface NavEntry {
  href: string;
  label: string;
  /**
   * The entry's place in the main menu, smallest first. The menu interleaves features (a
   * doctor's Agenda and Hours come from appointments, Messages from chat in between), so each
   * entry states its place rather than inheriting the order of the features.
   */
  position: number;
  /** Whether this user (null: a visitor who is not signed in) gets the entry. */
  shows: (user: User | null) => boolean;
  /** Shown only while this holds true, e.g. once a route that may be missing answered. */
  available?: Store<boolean>;
}

/** The page /dashboard shows a signed-in user of this role. */
export interface Dashboard {
  role: Role;
  render: (user: User) => ComponentChildren;
}

/** The shape of a feature's index module. */
export interface Feature {
  routes: Route[];
  navigation: NavEntry[];
  dashboards?: Dashboard[];
}

/** A doctor whose account an admin approved: the only doctors with appointments, chat and hours. */
export function isApprovedDoctor(user: User | null): boolean {
  return user?.role === 'doctor' && user.doctor?.status === 'approved';
}
