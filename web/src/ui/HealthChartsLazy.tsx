// Loads the health series panels (summary and charts) on demand: their code and Chart.js stay out of
// the first page's bundle (npm run size), like the chat chunk. Used by the patient's health page and
// by a doctor's view of a patient.
import { useEffect, useState } from 'preact/hooks';
import type { SeriesExplorerProps, SeriesPanelProps } from './HealthSeriesPanel';
import { ErrorBox, Loading } from './ui';

type PanelModule = typeof import('./HealthSeriesPanel');

function usePanelModule(): PanelModule | null | 'failed' {
  const [mod, setMod] = useState<PanelModule | null | 'failed'>(null);
  useEffect(() => {
    import('./HealthSeriesPanel').then((m) => setMod(() => m), () => setMod('failed'));
  }, []);
  return mod;
}

const FAILED = 'The charts could not be loaded. Reload the page to try again.';

/** One series (the caller holds the kind and range). */
export function LazySeriesPanel(props: SeriesPanelProps) {
  const mod = usePanelModule();
  if (mod === 'failed') return <ErrorBox message={FAILED} />;
  if (!mod) return <Loading label="Loading the charts…" />;
  return <mod.SeriesPanel {...props} />;
}

/** A series with its own kind and range switches. */
export function LazySeriesExplorer(props: SeriesExplorerProps) {
  const mod = usePanelModule();
  if (mod === 'failed') return <ErrorBox message={FAILED} />;
  if (!mod) return <Loading label="Loading the charts…" />;
  return <mod.SeriesExplorer {...props} />;
}
