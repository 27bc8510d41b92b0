// The chat pages load on demand: socket.io-client and the chat views stay out of the first page's
// bundle (npm run size).
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Loading } from '../../ui/ui';

type ChatModule = typeof import('./Chat');

export function ChatRoute({ id }: { id?: number }) {
  const [mod, setMod] = useState<ChatModule | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import('./Chat').then((m) => setMod(() => m), () => setFailed(true));
  }, []);
  if (failed) return <ErrorBox message="The chat could not be loaded. Reload the page to try again." />;
  if (!mod) return <Loading />;
  return id ? <mod.ChatView id={id} /> : <mod.ChatList />;
}
