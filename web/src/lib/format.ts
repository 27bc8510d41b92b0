// Dates in the user's own time zone and locale; money in the doctor's currency.
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeZone = dateTime.resolvedOptions().timeZone;

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

/** A calendar date (YYYY-MM-DD) has no time zone: format it as such, never shifted. */
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeZone: 'UTC' });
export function formatDate(ymd: string | null | undefined): string {
  if (!ymd) return '—';
  const d = new Date(ymd + 'T00:00:00Z');
  return Number.isNaN(d.getTime()) ? ymd : dateOnly.format(d);
}

export function formatMoney(cents: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

export const userTimeZone = timeZone;

// Appointment times: shown in the browser's zone; the doctor's own zone is noted next to them.
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayLong = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
const dayShort = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
const fullDateTime = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' });

export const formatTime = (iso: string) => timeOnly.format(new Date(iso));
export const formatDayLong = (d: Date) => dayLong.format(d);
export const formatDayShort = (d: Date) => dayShort.format(d);
export const formatWhen = (iso: string) => fullDateTime.format(new Date(iso));

/** "HH:MM" of a `local_start` such as 2026-11-23T15:30:00+05:30 (the doctor's wall clock). */
export function wallClock(localStart: string): string {
  return /T(\d\d:\d\d)/.exec(localStart)?.[1] ?? '';
}

/** Midnight (browser zone) starting the Monday week that contains d. */
export function weekStart(d: Date): Date {
  const w = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  w.setDate(w.getDate() - ((w.getDay() + 6) % 7));
  return w;
}

/** Local midnight `n` days after d (calendar days, so a daylight-saving switch is handled). */
export function addDays(d: Date, n: number): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
}

/** YYYY-MM-DD of a local date (for <input type="date"> and URLs). */
export function ymd(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** IANA zone names the browser knows, with `extra` (the current value) kept in the list. */
export function timeZones(extra?: string): string[] {
  const sv = (Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf;
  const list = sv ? sv('timeZone') : [];
  const all = new Set(list);
  for (const z of ['UTC', timeZone, extra]) if (z) all.add(z);
  return [...all].sort();
}

/** A probability (0–1) as a percentage with one decimal, as the risk and skin checks show it. */
export const percent = (p: number) => `${Math.round(p * 1000) / 10}%`;
