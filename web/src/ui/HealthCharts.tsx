// The charts of one kind's series (GET …/health/series): a line chart of every reading over the
// guideline's category bands with the 7-day average, and a bar chart of weekly averages; each with a
// data table for people who do not read charts. Chart.js is tree-shaken: only what is registered
// here is in the chunk, and this module is loaded on demand (HealthChartsLazy.tsx).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type Plugin,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import type { HealthSeries, HealthSeriesReading } from '../api/client';
import { formatDate, formatDateTime } from '../lib/format';
import type { HealthKind } from '../api/client';
import { categoryLabel, CONTEXT_LABEL, KIND_LABEL, KIND_UNIT } from './healthWords';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, CategoryScale, Tooltip, Legend);

/** The category bands shaded behind a kind's line chart, canonical units, lowest first (docs/HEALTH.md). */
interface Band {
  from: number;
  to: number;
  label: string;
  tone: 'ok' | 'watch' | 'high' | 'urgent';
}
const BANDS: Partial<Record<HealthKind, Band[]>> = {
  // Upper (systolic) value, ACC/AHA 2017.
  blood_pressure: [
    { from: 0, to: 120, label: 'Normal', tone: 'ok' },
    { from: 120, to: 130, label: 'Elevated', tone: 'watch' },
    { from: 130, to: 140, label: 'High, stage 1', tone: 'high' },
    { from: 140, to: 180, label: 'High, stage 2', tone: 'high' },
    { from: 180, to: 400, label: 'Very high (crisis)', tone: 'urgent' },
  ],
  blood_glucose: [
    { from: 0, to: 54, label: 'Very low', tone: 'urgent' },
    { from: 54, to: 70, label: 'Low', tone: 'high' },
    { from: 70, to: 100, label: 'Normal when fasting', tone: 'ok' },
    { from: 100, to: 126, label: 'Prediabetes range when fasting', tone: 'watch' },
    { from: 126, to: 200, label: 'Diabetes range when fasting', tone: 'high' },
    { from: 200, to: 1100, label: 'High', tone: 'high' },
  ],
  heart_rate: [
    { from: 0, to: 60, label: 'Low', tone: 'watch' },
    { from: 60, to: 100, label: 'Normal', tone: 'ok' },
    { from: 100, to: 400, label: 'High', tone: 'watch' },
  ],
  spo2: [
    { from: 0, to: 91.5, label: 'Very low', tone: 'urgent' },
    { from: 91.5, to: 93.5, label: 'Low', tone: 'high' },
    { from: 93.5, to: 95.5, label: 'Slightly low', tone: 'watch' },
    { from: 95.5, to: 101, label: 'Normal', tone: 'ok' },
  ],
  body_temperature: [
    { from: 0, to: 35.05, label: 'Very low', tone: 'urgent' },
    { from: 35.05, to: 36.05, label: 'Low', tone: 'watch' },
    { from: 36.05, to: 38.05, label: 'Normal', tone: 'ok' },
    { from: 38.05, to: 39.05, label: 'Fever', tone: 'watch' },
    { from: 39.05, to: 50, label: 'High fever', tone: 'high' },
  ],
};

const TONE: Record<Band['tone'], string> = {
  ok: 'rgba(46, 160, 67, 0.10)',
  watch: 'rgba(210, 153, 34, 0.14)',
  high: 'rgba(219, 109, 40, 0.16)',
  urgent: 'rgba(207, 34, 46, 0.18)',
};
const DAY = 86_400_000;

/** The main value of a reading: systolic for blood pressure. */
const mainValue = (r: HealthSeriesReading) => (r.kind === 'blood_pressure' ? r.systolic : r.value) ?? 0;
const round = (v: number) => Math.round(v * 10) / 10;

/** For each reading, the mean of the main values of the readings in the 7 days up to it. */
function sevenDayAverage(readings: HealthSeriesReading[]): number[] {
  const t = readings.map((r) => Date.parse(r.measured_at));
  const out: number[] = [];
  let start = 0;
  let sum = 0;
  for (let i = 0; i < readings.length; i++) {
    sum += mainValue(readings[i]!);
    while (t[start]! <= t[i]! - 7 * DAY) sum -= mainValue(readings[start++]!);
    out.push(round(sum / (i - start + 1)));
  }
  return out;
}

/** Weekly means of the main value (weeks from each reading's local day, Monday first). */
function weeklyAverages(readings: HealthSeriesReading[]) {
  const weeks = new Map<string, { sum: number; n: number }>();
  for (const r of readings) {
    const d = new Date(r.local_date + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
    const key = d.toISOString().slice(0, 10);
    const w = weeks.get(key) ?? { sum: 0, n: 0 };
    w.sum += mainValue(r);
    w.n += 1;
    weeks.set(key, w);
  }
  return [...weeks.entries()].map(([week, w]) => ({ week, mean: round(w.sum / w.n), count: w.n }));
}

function bandsPlugin(bands: Band[]): Plugin<'line'> {
  return {
    id: 'categoryBands',
    beforeDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      const y = scales.y!;
      ctx.save();
      for (const b of bands) {
        const top = Math.max(y.getPixelForValue(b.to), chartArea.top);
        const bottom = Math.min(y.getPixelForValue(b.from), chartArea.bottom);
        if (bottom <= top) continue;
        ctx.fillStyle = TONE[b.tone];
        ctx.fillRect(chartArea.left, top, chartArea.right - chartArea.left, bottom - top);
        ctx.fillStyle = 'rgba(60, 60, 60, 0.75)';
        ctx.font = '11px system-ui, sans-serif';
        if (bottom - top > 13) ctx.fillText(b.label, chartArea.left + 4, bottom - 4);
      }
      ctx.restore();
    },
  };
}

function useChart(config: () => ChartConfiguration<'line' | 'bar'>, deps: unknown[]) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, config() as ChartConfiguration);
    return () => chart.destroy();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return canvas;
}

function describe(r: HealthSeriesReading): string {
  if (r.kind === 'blood_pressure') return `${r.systolic}/${r.diastolic} mmHg${r.pulse ? `, pulse ${r.pulse}` : ''}`;
  return `${r.entered.value} ${r.entered.symbol}${r.context ? ` (${CONTEXT_LABEL[r.context] ?? r.context})` : ''}`;
}

export function SeriesCharts({ series, whose }: { series: HealthSeries; whose?: string }) {
  const kind = series.kind;
  const readings = series.readings;
  const label = KIND_LABEL[kind];
  const unit = KIND_UNIT[kind];
  const avg = sevenDayAverage(readings);
  const weeks = weeklyAverages(readings);
  const bands = BANDS[kind] ?? [];
  const values = readings.flatMap((r) => (kind === 'blood_pressure' ? [r.systolic ?? 0, r.diastolic ?? 0] : [mainValue(r)]));
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = Math.max((hi - lo) * 0.15, kind === 'body_temperature' ? 0.5 : 5);
  const from = Date.parse(series.from);
  const to = Date.parse(series.to);
  const title = `${whose ? whose + ' ' : ''}${label.toLowerCase()} over the last ${series.days} days`;

  const line = useChart(
    () => ({
      type: 'line',
      data: {
        datasets: [
          ...(kind === 'blood_pressure'
            ? [
                { label: 'Upper (systolic)', data: readings.map((r) => ({ x: Date.parse(r.measured_at), y: r.systolic ?? 0 })), borderColor: '#1f5fa8', backgroundColor: '#1f5fa8', pointRadius: 2, borderWidth: 1, showLine: false },
                { label: 'Lower (diastolic)', data: readings.map((r) => ({ x: Date.parse(r.measured_at), y: r.diastolic ?? 0 })), borderColor: '#7a4fb0', backgroundColor: '#7a4fb0', pointRadius: 2, borderWidth: 1, showLine: false },
              ]
            : [{ label: 'Readings', data: readings.map((r) => ({ x: Date.parse(r.measured_at), y: mainValue(r) })), borderColor: '#1f5fa8', backgroundColor: '#1f5fa8', pointRadius: 2, borderWidth: 1, showLine: false }]),
          {
            label: kind === 'blood_pressure' ? '7-day average (upper)' : '7-day average',
            data: readings.map((r, i) => ({ x: Date.parse(r.measured_at), y: avg[i]! })),
            borderColor: '#111',
            backgroundColor: '#111',
            pointRadius: 0,
            borderWidth: 2,
            tension: 0.2,
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: { type: 'linear', min: from, max: to, ticks: { maxTicksLimit: 6, callback: (v) => formatDate(new Date(Number(v)).toISOString().slice(0, 10)) } },
          y: { min: Math.floor(lo - pad), max: Math.ceil(hi + pad), title: { display: true, text: unit } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: (items) => formatDateTime(readings[items[0]!.dataIndex]!.measured_at),
              label: (item) => {
                const r = readings[item.dataIndex]!;
                if (item.dataset.label?.startsWith('7-day')) return `7-day average: ${item.parsed.y} ${unit}`;
                return `${describe(r)} — ${categoryLabel(r.category?.code)}`;
              },
            },
          },
        },
      },
      plugins: [bandsPlugin(bands) as Plugin],
    }),
    [series],
  );

  const bar = useChart(
    () => ({
      type: 'bar',
      data: {
        labels: weeks.map((w) => formatDate(w.week)),
        datasets: [{ label: `Weekly average${kind === 'blood_pressure' ? ' (upper)' : ''}`, data: weeks.map((w) => w.mean), backgroundColor: '#1f5fa8' }],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: unit } } },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { title: (items) => `Week of ${weeks[items[0]!.dataIndex]!.week}`, label: (item) => `Average ${item.parsed.y} ${unit} from ${weeks[item.dataIndex]!.count} readings` } },
        },
      },
    }),
    [series],
  );

  const slug = `chart-${kind}`;
  return (
    <div class="health-charts">
      <figure class="health-chart" aria-labelledby={`${slug}-line-cap`}>
        <figcaption id={`${slug}-line-cap`}>Every reading with the 7-day average; shaded bands show the categories</figcaption>
        <div class="health-chart__canvas">
          <canvas ref={line} role="img" aria-label={`Line chart: ${title}. The table below has the same data.`} />
        </div>
      </figure>
      <figure class="health-chart" aria-labelledby={`${slug}-bar-cap`}>
        <figcaption id={`${slug}-bar-cap`}>Average per week</figcaption>
        <div class="health-chart__canvas health-chart__canvas--small">
          <canvas ref={bar} role="img" aria-label={`Bar chart: weekly averages of ${title}. The table below has the same data.`} />
        </div>
      </figure>
      <details class="health-table">
        <summary>Show the readings as a table</summary>
        <div class="table-wrap">
          <table class="table">
            <caption>{title}</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Reading</th>
                <th scope="col">7-day average</th>
                <th scope="col">Category</th>
              </tr>
            </thead>
            <tbody>
              {readings.map((r, i) => (
                <tr key={r.id}>
                  <td>{formatDateTime(r.measured_at)}</td>
                  <td>{describe(r)}</td>
                  <td>
                    {avg[i]} {unit}
                  </td>
                  <td>{categoryLabel(r.category?.code)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div class="table-wrap">
          <table class="table">
            <caption>Average per week</caption>
            <thead>
              <tr>
                <th scope="col">Week of</th>
                <th scope="col">Average</th>
                <th scope="col">Readings</th>
              </tr>
            </thead>
            <tbody>
              {weeks.map((w) => (
                <tr key={w.week}>
                  <td>{formatDate(w.week)}</td>
                  <td>
                    {w.mean} {unit}
                  </td>
                  <td>{w.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
