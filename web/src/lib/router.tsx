// History-API routing: one store holding the current location, links that push onto history,
// and a matcher for "/doctors/:id"-style patterns. The server answers every extension-less path
// with index.html, so deep links and reloads work.
import type { ComponentChildren, JSX } from 'preact';
import { store, useStore } from './store';

export interface Location {
  path: string;
  search: URLSearchParams;
  /** path + search, as used for "come back here after login". */
  href: string;
}

function read(): Location {
  return { path: window.location.pathname, search: new URLSearchParams(window.location.search), href: window.location.pathname + window.location.search };
}

export const location = store<Location>(read());
window.addEventListener('popstate', () => location.set(read()));

export function navigate(to: string, { replace = false }: { replace?: boolean } = {}): void {
  if (to === location.get().href) return;
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.scrollTo(0, 0);
  location.set(read());
}

export function useLocation(): Location {
  return useStore(location);
}

/** Matches "/doctors/:id" against a path; returns the parameters or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.replace(/\/+$/, '').split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    const val = s[i]!;
    if (seg.startsWith(':')) out[seg.slice(1)] = decodeURIComponent(val);
    else if (seg !== val) return null;
  }
  return out;
}

/** Only same-origin, absolute paths are accepted as "next" targets (no open redirect). */
export function safeNext(next: string | null | undefined, fallback = '/dashboard'): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  return next;
}

type LinkProps = JSX.AnchorHTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren };

export function Link({ href, onClick, ...rest }: LinkProps) {
  const handle = (e: JSX.TargetedMouseEvent<HTMLAnchorElement>) => {
    if (onClick) (onClick as (e: JSX.TargetedMouseEvent<HTMLAnchorElement>) => void)(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  const current = location.get().path === href ? 'page' : undefined;
  return <a href={href} aria-current={current} onClick={handle} {...rest} />;
}
