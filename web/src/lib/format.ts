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
