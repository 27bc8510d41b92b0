// The skin check pages load on demand (like the chat): their views stay out of the first page's
// bundle (npm run size).
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Loading } from '../../ui/ui';

type SkinModule = typeof import('./Skin');

export function SkinRoute({ id }: { id?: number }) {
  const [mod, setMod] = useState<SkinModule | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import('./Skin').then((m) => setMod(() => m), () => setFailed(true));
  }, []);
  if (failed) return <ErrorBox message="The skin check could not be loaded. Reload the page to try again." />;
  if (!mod) return <Loading />;
  return id ? <mod.SkinAnalysisDetail id={id} /> : <mod.SkinCheckPage />;
}
