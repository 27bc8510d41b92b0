// The health page loads on demand: its code and Chart.js (a further chunk, ui/HealthCharts.tsx)
// stay out of the first page's bundle (npm run size).
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Loading } from '../../ui/ui';

type HealthModule = typeof import('./Health');

export function HealthRoute() {
  const [mod, setMod] = useState<HealthModule | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import('./Health').then((m) => setMod(() => m), () => setFailed(true));
  }, []);
  if (failed) return <ErrorBox message="The health page could not be loaded. Reload the page to try again." />;
  if (!mod) return <Loading />;
  return <mod.HealthPage />;
}
