// The two switches above health charts: which kind of reading, and over how many days.
import type { HealthKind, SeriesDays } from '../api/client';
import { KIND_LABEL, KINDS } from './healthWords';

export const RANGES: SeriesDays[] = [7, 30, 90, 365];

function Toggle<T extends string | number>({ label, options, value, onValue, text }: { label: string; options: T[]; value: T; onValue: (v: T) => void; text: (v: T) => string }) {
  return (
    <div class="health-switch" role="group" aria-label={label}>
      {options.map((o) => (
        <button key={o} type="button" class={o === value ? 'btn btn--small btn--primary' : 'btn btn--small'} aria-pressed={o === value ? 'true' : 'false'} onClick={() => onValue(o)}>
          {text(o)}
        </button>
      ))}
    </div>
  );
}

export function KindSwitch({ value, onValue }: { value: HealthKind; onValue: (k: HealthKind) => void }) {
  return <Toggle label="What to show" options={KINDS} value={value} onValue={onValue} text={(k) => KIND_LABEL[k]} />;
}

export function RangeSwitch({ value, onValue }: { value: SeriesDays; onValue: (d: SeriesDays) => void }) {
  return <Toggle label="Time range" options={RANGES} value={value} onValue={onValue} text={(d) => (d === 365 ? '1 year' : `${d} days`)} />;
}
