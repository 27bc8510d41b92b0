import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** Sets the document title and moves focus to the page heading on navigation (for screen readers). */
export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · medcore`;
    // Only move focus after a client-side navigation, not on the very first load.
    if (document.body.dataset.navigated === '1') ref.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <div class="page-header">
      <h1 ref={ref} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function ErrorBox({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div class="alert alert--error" role="alert">
      <p>{message}</p>
      {onRetry && (
        <button type="button" class="btn btn--small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge--${status}`}>{status}</span>;
}
