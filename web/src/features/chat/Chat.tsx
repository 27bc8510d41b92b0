// Chat: the conversation list (unread badges, live) and one conversation (history scroll-back,
// typing indicator, sent / delivered / read ticks, reconnect catch-up). REST for lists and
// history, Socket.IO ("/chat", docs/API.md "Chat") for everything live. Message text is always
// rendered as text (JSX escapes it), never as HTML.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { io, type Socket } from 'socket.io-client';
import { ApiError, api, newIdempotencyKey, type ChatMessage, type Conversation } from '../../api/client';
import { Empty, ErrorBox, Loading, PageHeader } from '../../ui/ui';
import { formatWhen } from '../../lib/format';
import { patientHealthHref } from '../../lib/links';
import { Link } from '../../lib/router';
import { session } from '../../lib/session';
import { useStore } from '../../lib/store';

/**
 * One socket per chat page. The session cookie authenticates the handshake (same origin).
 * `localStorage["medcore.chat.transport"] = "polling"` forces long-polling (poor networks, tests).
 */
function useChatSocket(): Socket {
  const socket = useMemo(() => {
    const forced = localStorage.getItem('medcore.chat.transport');
    return io('/chat', { transports: forced === 'polling' ? ['polling'] : ['polling', 'websocket'], autoConnect: false });
  }, []);
  useEffect(() => {
    socket.connect();
    return () => void socket.disconnect();
  }, [socket]);
  return socket;
}

function preview(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 80 ? one.slice(0, 80) + '…' : one;
}

export function ChatList() {
  const socket = useChatSocket();
  const [items, setItems] = useState<Conversation[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    api.conversations({ limit: 100 }, ctl.signal).then(
      (r) => { setItems(r.items); setError(null); },
      (e: Error) => { if (e.name !== 'AbortError') setError(e.message); },
    );
    return () => ctl.abort();
  }, [tick]);
  useEffect(() => {
    const refresh = () => setTick((t) => t + 1);
    socket.on('message', refresh);
    socket.on('read', refresh);
    socket.on('connect', refresh);
    return () => { socket.off('message', refresh); socket.off('read', refresh); socket.off('connect', refresh); };
  }, [socket]);

  return (
    <section>
      <PageHeader title="Messages" />
      {error && <ErrorBox message={error} onRetry={() => setTick((t) => t + 1)} />}
      {!items && !error && <Loading />}
      {items && items.length === 0 && (
        <Empty>
          No conversations yet. <Link href="/doctors">Find a doctor</Link> and start a chat from their page.
        </Empty>
      )}
      {items && items.length > 0 && (
        <ul class="chat-list">
          {items.map((c) => (
            <li key={c.id} class="chat-list__item">
              <Link href={`/chat/${c.id}`} class="chat-list__link">
                <span class="chat-list__name">{c.other.name}</span>
                {c.unread_count > 0 && (
                  <span class="badge badge--unread" aria-label={`${c.unread_count} unread`}>
                    {c.unread_count}
                  </span>
                )}
                <span class="chat-list__preview">{c.last_message ? preview(c.last_message.text) : 'No messages yet'}</span>
                {c.last_message && <span class="chat-list__when">{formatWhen(c.last_message.created_at)}</span>}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface Pending {
  client_message_id: string;
  text: string;
  failed: boolean;
}

type Ack = { message?: ChatMessage; error?: { status: number; detail: string } } & Record<string, unknown>;

function mergeMessages(list: ChatMessage[], more: ChatMessage[]): ChatMessage[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const m of more) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

export function ChatView({ id }: { id: number }) {
  const s = useStore(session);
  const me = s.status === 'signed-in' ? s.user.id : 0;
  const socket = useChatSocket();
  const [conv, setConv] = useState<Conversation | null>(null);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [older, setOlder] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [otherTyping, setOtherTyping] = useState(false);
  const [otherRead, setOtherRead] = useState(0);
  const [delivered, setDelivered] = useState(0);
  const [online, setOnline] = useState<{ online: boolean; last_seen_at: string | null } | null>(null);
  const [connected, setConnected] = useState(false);
  const [text, setText] = useState('');
  const lastId = useRef(0);
  const myRead = useRef(0);
  const typingSent = useRef(0);
  const typingStop = useRef<number | undefined>(undefined);
  const typingClear = useRef<number | undefined>(undefined);
  const bottom = useRef<HTMLDivElement>(null);

  const add = (more: ChatMessage[]) => {
    if (!more.length) return;
    setMessages((list) => {
      const merged = mergeMessages(list, more);
      lastId.current = merged.length ? merged[merged.length - 1]!.id : 0;
      return merged;
    });
  };

  // First load over REST: the conversation and the newest page of history.
  useEffect(() => {
    const ctl = new AbortController();
    Promise.all([api.conversation(id, ctl.signal), api.messages(id, { limit: 30 }, ctl.signal)]).then(
      ([c, page]) => {
        setConv(c);
        setOtherRead(c.other_last_read_message_id);
        myRead.current = c.last_read_message_id;
        add(page.items);
        setOlder(page.next_cursor ?? null);
      },
      (e: Error) => {
        if (e.name === 'AbortError') return;
        setError(e instanceof ApiError && e.status === 404 ? 'There is no such conversation.' : e.message);
      },
    );
    return () => ctl.abort();
  }, [id]);

  // Live: join on every (re)connect with the last id we have, so missed messages are replayed.
  useEffect(() => {
    if (!conv) return;
    const other = conv.other.id;
    const onConnect = async () => {
      setConnected(true);
      const r = (await socket.timeout(8000).emitWithAck('join', { conversation_id: id, after: lastId.current })) as Ack & {
        messages?: ChatMessage[];
        presence?: { online: boolean; last_seen_at: string | null };
        conversation?: Conversation;
      };
      if (r.error) return setError(r.error.detail);
      if (r.messages) add(r.messages);
      if (r.presence) setOnline(r.presence);
      if (r.conversation) setOtherRead((n) => Math.max(n, r.conversation!.other_last_read_message_id));
    };
    const onMessage = (m: ChatMessage) => {
      if (m.conversation_id !== id) return;
      add([m]);
      if (m.sender_id !== me) {
        setOtherTyping(false);
        socket.emit('delivered', { conversation_id: id, message_id: m.id }, () => {});
      }
    };
    const onTyping = (t: { conversation_id: number; user_id: number; typing: boolean }) => {
      if (t.conversation_id !== id || t.user_id === me) return;
      setOtherTyping(t.typing);
      window.clearTimeout(typingClear.current);
      if (t.typing) typingClear.current = window.setTimeout(() => setOtherTyping(false), 6000);
    };
    const onRead = (r: { conversation_id: number; user_id: number; last_read_message_id: number }) => {
      if (r.conversation_id === id && r.user_id !== me) setOtherRead((n) => Math.max(n, r.last_read_message_id));
    };
    const onDelivered = (d: { conversation_id: number; user_id: number; message_id: number }) => {
      if (d.conversation_id === id && d.user_id !== me) setDelivered((n) => Math.max(n, d.message_id));
    };
    const onPresence = (p: { user_id: number; online: boolean; last_seen_at: string | null }) => {
      if (p.user_id === other) setOnline(p);
    };
    const onDisconnect = () => setConnected(false);
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    socket.on('message', onMessage);
    socket.on('typing', onTyping);
    socket.on('read', onRead);
    socket.on('delivered', onDelivered);
    socket.on('presence', onPresence);
    if (socket.connected) void onConnect();
    return () => {
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
      socket.off('message', onMessage);
      socket.off('typing', onTyping);
      socket.off('read', onRead);
      socket.off('delivered', onDelivered);
      socket.off('presence', onPresence);
    };
  }, [conv?.id, socket]);

  // Read receipts: what is on screen counts as read while the page is visible.
  useEffect(() => {
    const last = messages[messages.length - 1];
    if (!last || !connected || last.id <= myRead.current || document.visibilityState !== 'visible') return;
    if (!messages.some((m) => m.sender_id !== me && m.id > myRead.current)) return;
    myRead.current = last.id;
    socket.emit('read', { conversation_id: id, message_id: last.id }, () => {});
  }, [messages, connected]);

  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: 'end' });
  }, [messages.length, pending.length]);

  const loadOlder = async () => {
    if (!older) return;
    try {
      const page = await api.messages(id, { limit: 30, cursor: older });
      add(page.items);
      setOlder(page.next_cursor ?? null);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const stopTyping = () => {
    window.clearTimeout(typingStop.current);
    if (typingSent.current) {
      typingSent.current = 0;
      socket.emit('typing', { conversation_id: id, typing: false }, () => {});
    }
  };
  const onInput = (value: string) => {
    setText(value);
    const now = Date.now();
    if (value.trim() && now - typingSent.current > 2000 && socket.connected) {
      typingSent.current = now;
      socket.emit('typing', { conversation_id: id, typing: true }, () => {});
    }
    window.clearTimeout(typingStop.current);
    typingStop.current = window.setTimeout(stopTyping, 3000);
  };

  const deliver = async (p: Pending) => {
    setPending((list) => list.map((x) => (x.client_message_id === p.client_message_id ? { ...x, failed: false } : x)));
    try {
      const r = (await socket.timeout(10000).emitWithAck('send', { conversation_id: id, text: p.text, client_message_id: p.client_message_id })) as Ack;
      if (r.message) {
        add([r.message]);
        setPending((list) => list.filter((x) => x.client_message_id !== p.client_message_id));
        return;
      }
      setError(r.error?.detail ?? 'The message was not sent.');
    } catch {
      /* no ack in time: offer a retry (same client id, so it is stored once) */
    }
    setPending((list) => list.map((x) => (x.client_message_id === p.client_message_id ? { ...x, failed: true } : x)));
  };

  const send = (e: Event) => {
    e.preventDefault();
    const t = text.trim();
    if (!t) return;
    if (t.length > 4000) return setError('A message can be at most 4,000 characters.');
    setError(null);
    const p = { client_message_id: newIdempotencyKey(), text: t, failed: false };
    setPending((list) => [...list, p]);
    setText('');
    stopTyping();
    void deliver(p);
  };

  if (error && !conv) return <ErrorBox message={error} />;
  if (!conv) return <Loading />;
  const tick = (m: ChatMessage) => (m.id <= otherRead ? 'Read' : m.id <= delivered ? 'Delivered' : 'Sent');

  return (
    <section class="chat">
      <PageHeader title={`Chat with ${conv.other.name}`}>
        <p class="chat__presence" aria-live="polite">
          {online?.online ? 'Online' : online?.last_seen_at ? `Last seen ${formatWhen(online.last_seen_at)}` : 'Offline'}
          {!connected && ' · reconnecting…'}
        </p>
      </PageHeader>
      <p class="actions">
        <Link href="/chat">All conversations</Link>
        {s.status === 'signed-in' && s.user.role === 'doctor' && (
          <Link href={patientHealthHref(conv.patient.id)}>Health record of {conv.patient.name}</Link>
        )}
      </p>
      {older && (
        <button type="button" class="btn btn--small" onClick={() => void loadOlder()}>
          Load earlier messages
        </button>
      )}
      <ol class="chat__messages" aria-label="Messages">
        {messages.map((m) => (
          <li key={m.id} class={m.sender_id === me ? 'chat__msg chat__msg--mine' : 'chat__msg'} data-message-id={m.id}>
            <p class="chat__text">{m.text}</p>
            <p class="chat__meta">
              {formatWhen(m.created_at)}
              {m.sender_id === me && (
                <span class={`chat__tick chat__tick--${tick(m).toLowerCase()}`} data-tick={tick(m).toLowerCase()}>
                  {' '}
                  <span aria-hidden="true">{tick(m) === 'Sent' ? '✓' : '✓✓'}</span> {tick(m)}
                </span>
              )}
            </p>
          </li>
        ))}
        {pending.map((p) => (
          <li key={p.client_message_id} class="chat__msg chat__msg--mine chat__msg--pending">
            <p class="chat__text">{p.text}</p>
            <p class="chat__meta">
              {p.failed ? (
                <>
                  Not sent.{' '}
                  <button type="button" class="btn btn--small" onClick={() => void deliver(p)}>
                    Retry
                  </button>
                </>
              ) : (
                'Sending…'
              )}
            </p>
          </li>
        ))}
      </ol>
      <div ref={bottom} />
      <p class="chat__typing" aria-live="polite">
        {otherTyping ? `${conv.other.name} is typing…` : ''}
      </p>
      {error && <ErrorBox message={error} />}
      <form class="chat__form" onSubmit={send}>
        <label for="chat-text">Message</label>
        <textarea
          id="chat-text"
          rows={3}
          maxLength={4000}
          value={text}
          onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) send(e);
          }}
        />
        <button type="submit" class="btn btn--primary">
          Send
        </button>
      </form>
    </section>
  );
}
