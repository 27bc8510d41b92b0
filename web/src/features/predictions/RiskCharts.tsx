// Two small inline-SVG charts for risk predictions: a gauge (the probability on a 0–100% bar
// split into the model's low / moderate / high bands) and a history line. No chart library;
// colours come from classes in app.css (the CSP allows no style attributes). Each chart has a
// text alternative; the page also lists the same numbers as text.
import { percent } from '../../lib/format';

export interface Bands {
  low_moderate: number;
  moderate_high: number;
}

const W = 320;

/** The probability as a marker on a bar coloured by band. */
export function RiskGauge({ probability, band, thresholds }: { probability: number; band: string; thresholds: Bands }) {
  const x = (p: number) => 10 + p * (W - 20);
  const lo = thresholds.low_moderate;
  const hi = thresholds.moderate_high;
  const label = `Estimated risk ${percent(probability)}, in the ${band} band (moderate from ${percent(lo)}, high from ${percent(hi)}).`;
  return (
    <svg class="gauge" viewBox={`0 0 ${W} 64`} role="img" aria-label={label} preserveAspectRatio="xMidYMid meet">
      <title>{label}</title>
      <rect class="gauge__band gauge__band--low" x={x(0)} y={18} width={x(lo) - x(0)} height={16} />
      <rect class="gauge__band gauge__band--moderate" x={x(lo)} y={18} width={x(hi) - x(lo)} height={16} />
      <rect class="gauge__band gauge__band--high" x={x(hi)} y={18} width={x(1) - x(hi)} height={16} />
      <line class="gauge__marker" x1={x(probability)} x2={x(probability)} y1={10} y2={42} />
      <circle class="gauge__marker-dot" cx={x(probability)} cy={10} r={5} />
      <text class="gauge__tick" x={x(0)} y={56} text-anchor="start">0%</text>
      <text class="gauge__tick" x={x(lo)} y={56} text-anchor="middle">{percent(lo)}</text>
      <text class="gauge__tick" x={x(hi)} y={56} text-anchor="middle">{percent(hi)}</text>
      <text class="gauge__tick" x={x(1)} y={56} text-anchor="end">100%</text>
    </svg>
  );
}

export interface HistoryPoint {
  at: string;
  probability: number;
}

/** Probability over time, oldest left, with the band thresholds as dashed lines. */
export function HistoryChart({ points, thresholds, title }: { points: HistoryPoint[]; thresholds: Bands; title: string }) {
  const H = 140;
  const pad = { l: 36, r: 10, t: 10, b: 22 };
  const sorted = [...points].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const n = sorted.length;
  const x = (i: number) => (n <= 1 ? (pad.l + W - pad.r) / 2 : pad.l + (i * (W - pad.l - pad.r)) / (n - 1));
  const y = (p: number) => pad.t + (1 - p) * (H - pad.t - pad.b);
  const line = sorted.map((pt, i) => `${x(i).toFixed(1)},${y(pt.probability).toFixed(1)}`).join(' ');
  const first = sorted[0];
  const last = sorted[n - 1];
  const label =
    first && last
      ? `${title}: ${n} result${n === 1 ? '' : 's'}, from ${percent(first.probability)} to ${percent(last.probability)}.`
      : `${title}: no results yet.`;
  return (
    <svg class="history-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} preserveAspectRatio="xMidYMid meet">
      <title>{label}</title>
      {[0, 0.5, 1].map((p) => (
        <g key={p}>
          <line class="history-chart__grid" x1={pad.l} x2={W - pad.r} y1={y(p)} y2={y(p)} />
          <text class="history-chart__tick" x={pad.l - 4} y={y(p) + 4} text-anchor="end">
            {Math.round(p * 100)}%
          </text>
        </g>
      ))}
      <line class="history-chart__threshold history-chart__threshold--moderate" x1={pad.l} x2={W - pad.r} y1={y(thresholds.low_moderate)} y2={y(thresholds.low_moderate)} />
      <line class="history-chart__threshold history-chart__threshold--high" x1={pad.l} x2={W - pad.r} y1={y(thresholds.moderate_high)} y2={y(thresholds.moderate_high)} />
      {n > 1 && <polyline class="history-chart__line" points={line} />}
      {sorted.map((pt, i) => (
        <circle key={i} class="history-chart__dot" cx={x(i)} cy={y(pt.probability)} r={3.5}>
          <title>{`${new Date(pt.at).toLocaleString()}: ${percent(pt.probability)}`}</title>
        </circle>
      ))}
      <text class="history-chart__tick" x={pad.l} y={H - 6} text-anchor="start">
        {first ? new Date(first.at).toLocaleDateString() : ''}
      </text>
      <text class="history-chart__tick" x={W - pad.r} y={H - 6} text-anchor="end">
        {last && n > 1 ? new Date(last.at).toLocaleDateString() : ''}
      </text>
    </svg>
  );
}
