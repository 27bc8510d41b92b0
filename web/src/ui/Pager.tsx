export function Pager({ pageNumber, hasPrev, hasNext, prev, next, label }: {
  pageNumber: number; hasPrev: boolean; hasNext: boolean; prev: () => void; next: () => void; label: string;
}) {
  if (!hasPrev && !hasNext) return null;
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" class="btn btn--small" onClick={prev} disabled={!hasPrev}>
        ← Previous
      </button>
      <span class="pager__page" aria-live="polite">
        Page {pageNumber}
      </span>
      <button type="button" class="btn btn--small" onClick={next} disabled={!hasNext}>
        Next →
      </button>
    </nav>
  );
}
