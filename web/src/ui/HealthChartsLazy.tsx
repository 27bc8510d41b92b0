// Loads the health charts on demand: Chart.js stays out of the first page's bundle (npm run size),
// like the chat chunk. Used by the patient's health page and by a doctor's view of a patient.
import { useEffect, useState } from 'preact/hooks';
import type { HealthSeries } from '../api/client';
import { ErrorBox, Loading } from './ui';

type ChartsModule = typeof import('./HealthCharts');

export function HealthCharts({ series, whose }: { series: HealthSeries; whose?: string }) {
  const [mod, setMod] = useState<ChartsModule | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import('./HealthCharts').then((m) => setMod(() => m), () => setFailed(true));
  }, []);
  if (failed) return <ErrorBox message="The charts could not be loaded. Reload the page to try again." />;
  if (!mod) return <Loading label="Loading the charts…" />;
  return <mod.SeriesCharts series={series} whose={whose} />;
}
