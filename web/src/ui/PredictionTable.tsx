// Stored risk predictions as a table (when, which check, estimate, band) and the band badge. Used by
// the patient's Risk checks pages (pages/Predictions.tsx) and the doctor's patient health record
// (pages/PatientHealth.tsx), so both show a result the same way.
import type { Prediction, PredictionModel } from '../api/client';
import { formatDateTime, percent } from '../lib/format';

const BAND_TEXT: Record<string, string> = { low: 'Low', moderate: 'Moderate', high: 'High' };

export function BandBadge({ band }: { band: string }) {
  return <span class={`badge badge--risk-${band}`}>{BAND_TEXT[band] ?? band} risk</span>;
}

/**
 * One row per prediction, in the order given (newest first from the API). `check` adds the model
 * column, titled from `models` when given (the current card), else from what was stored.
 */
export function PredictionTable({ items, caption, check = false, models }: {
  items: Prediction[]; caption: string; check?: boolean; models?: PredictionModel[];
}) {
  return (
    <table class="table">
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          {check && <th scope="col">Check</th>}
          <th scope="col">Estimate</th>
          <th scope="col">Band</th>
        </tr>
      </thead>
      <tbody>
        {items.map((p) => (
          <tr key={p.id}>
            <td>{formatDateTime(p.created_at)}</td>
            {check && <td>{models?.find((m) => m.name === p.model)?.title ?? p.model_title}</td>}
            <td>{percent(p.probability)}</td>
            <td>
              <BandBadge band={p.band} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
