// One kind's series (GET …/health/series or a doctor's …/patients/{id}/health/series): the summary
// (averages, lowest/highest, weekly trend, home blood-pressure average, shares per category) and the
// charts. Shared by the patient's health page and a doctor's view of a patient; this module and
// Chart.js load on demand through HealthChartsLazy.tsx, never from a static import.
import { useEffect, useState } from 'preact/hooks';
import type { HealthKind, HealthSeries, SeriesDays } from '../api/client';
import { ApiError } from '../api/client';
import { SeriesCharts } from './HealthCharts';
import { KindSwitch, RangeSwitch } from './HealthSwitches';
import { categoryLabel, GUIDELINE_LABEL, KIND_LABEL, KIND_UNIT } from './healthWords';
import { Empty, ErrorBox, Loading } from './ui';

/** Loads a series and shows its summary and charts; also used with a doctor's loader. */
export interface SeriesPanelProps {
  load: (signal: AbortSignal) => Promise<HealthSeries>;
  /** Reload when any of these change. */
  deps: unknown[];
  /** "Ana's", for a doctor's view. */
  whose?: string;
}

export function SeriesPanel({ load, deps, whose }: SeriesPanelProps) {
  const [state, setState] = useState<{ status: 'loading' } | { status: 'error'; message: string } | { status: 'ok'; series: HealthSeries }>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setState({ status: 'loading' });
    load(ctl.signal).then(
      (series) => setState({ status: 'ok', series }),
      (e: unknown) => {
        if ((e as Error).name === 'AbortError') return;
        setState({ status: 'error', message: e instanceof ApiError ? e.message : 'Could not load the chart.' });
      },
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [JSON.stringify(deps), tick]);
  if (state.status === 'loading') return <Loading label="Loading the chart…" />;
  if (state.status === 'error') return <ErrorBox message={state.message} onRetry={() => setTick((t) => t + 1)} />;
  return <SeriesSummary series={state.series} whose={whose} />;
}

function SeriesSummary({ series, whose }: { series: HealthSeries; whose?: string }) {
  const unit = KIND_UNIT[series.kind];
  if (series.readings.length === 0) return <Empty>No {KIND_LABEL[series.kind].toLowerCase()} readings in the last {series.days} days.</Empty>;
  const main = series.trend.series.filter((s) => s.name !== 'pulse');
  const home = series.kind === 'blood_pressure' ? series.home_blood_pressure : null;
  return (
    <>
      <ul class="health-stats">
        {main.map((s) => (
          <li key={s.name}>
            <strong>{s.name === 'systolic' ? 'Upper' : s.name === 'diastolic' ? 'Lower' : 'Average'}</strong>{' '}
            {s.mean != null ? `${Math.round(s.mean * 10) / 10} ${unit}` : '—'} (lowest {s.min ?? '—'}, highest {s.max ?? '—'})
            {s.slope_per_week && (
              <span class="muted">
                {' '}
                · {s.slope_per_week.value >= 0 ? 'rising' : 'falling'} {Math.abs(Math.round(s.slope_per_week.value * 10) / 10)} {unit} a week
              </span>
            )}
          </li>
        ))}
        <li>
          <strong>Readings</strong> {series.trend.count}
        </li>
        {home && (
          <li>
            <strong>Home average, last 7 days</strong> {Math.round(home.systolic)}/{Math.round(home.diastolic)} mmHg — {categoryLabel(home.category)}
            {!home.enough && <span class="muted"> (too few readings to judge: measure twice a day for a week)</span>}
          </li>
        )}
      </ul>
      <p class="muted">
        Shares by category:{' '}
        {series.trend.shares
          .filter((s) => s.count > 0)
          .map((s) => `${categoryLabel(s.code)} ${Math.round(s.share * 100)} %`)
          .join(', ') || 'none'}
        {series.trend.guideline && <> · categories from the {GUIDELINE_LABEL[series.trend.guideline.code] ?? series.trend.guideline.code}</>}
      </p>
      <SeriesCharts series={series} whose={whose} />
    </>
  );
}


export interface SeriesExplorerProps {
  load: (kind: HealthKind, days: SeriesDays, signal: AbortSignal) => Promise<HealthSeries>;
  deps: unknown[];
  whose?: string;
}

/** A series panel with its own kind and range switches (a doctor's view of a patient). */
export function SeriesExplorer({ load, deps, whose }: SeriesExplorerProps) {
  const [kind, setKind] = useState<HealthKind>('blood_pressure');
  const [days, setDays] = useState<SeriesDays>(30);
  return (
    <>
      <KindSwitch value={kind} onValue={setKind} />
      <RangeSwitch value={days} onValue={setDays} />
      <SeriesPanel load={(signal) => load(kind, days, signal)} deps={[...deps, kind, days]} whose={whose} />
    </>
  );
}
