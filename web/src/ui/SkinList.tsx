// A list of stored skin analyses (thumbnail, date linking to the analysis's own page, predicted kind
// and confidence, urgency chip, "Uncertain" marker) and the urgency chip itself. Used by the
// patient's Skin check page (pages/Skin.tsx) and the doctor's patient health record
// (pages/PatientHealth.tsx), so both show a result the same way.
import type { SkinAnalysis, UrgencyLevel } from '../api/client';
import { formatDateTime, percent } from '../lib/format';
import { Link } from '../lib/router';

const URGENCY_CHIP: Record<UrgencyLevel, string> = {
  prompt: 'See a dermatologist promptly',
  soon: 'Book a check',
  routine: 'Routine: keep an eye on it',
};

export function UrgencyChip({ level }: { level: UrgencyLevel }) {
  return <span class={`badge badge--urgency-${level}`}>{URGENCY_CHIP[level] ?? level}</span>;
}

export function SkinList({
  items,
  alt,
  href = (a) => `/skin/${a.id}`,
  labelledBy,
}: {
  items: SkinAnalysis[];
  /** The thumbnail's alt text. */
  alt: (a: SkinAnalysis) => string;
  /** Where an item's date links to (its /skin/:id page). */
  href?: (a: SkinAnalysis) => string;
  /** The id of the heading that names the list. */
  labelledBy?: string;
}) {
  return (
    <ul class="skin-history" aria-labelledby={labelledBy}>
      {items.map((a) => (
        <li key={a.id} class="skin-history__item">
          <img class="skin-history__thumb" src={a.thumbnail_url} alt={alt(a)} width={64} height={64} loading="lazy" />
          <div class="skin-history__text">
            <Link href={href(a)}>{formatDateTime(a.created_at)}</Link>
            <span>
              {a.prediction.name} · {percent(a.confidence)} confidence
            </span>
          </div>
          <div class="skin-history__chips">
            <UrgencyChip level={a.urgency.level} />
            {a.uncertain && <span class="badge badge--uncertain">Uncertain</span>}
          </div>
        </li>
      ))}
    </ul>
  );
}
