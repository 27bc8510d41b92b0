// Skin check (issue 8): a patient uploads a photo of a skin lesion; the server classifies it into the
// seven HAM10000 classes and answers with the probabilities, an urgency, care advice and a
// disclaimer. The photo goes as raw bytes with its own Content-Type (api.analyseSkin); results are
// stored by the server and listed as history, each with its own page (/skin/:id) that doctors who
// treat the patient may open too. Bars are inline SVG sized by attributes (the CSP forbids style=).
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type SkinAnalysis, type SkinClassCode, type SkinModel } from '../../api/client';
import { FormAlert } from '../../ui/forms';
import { Pager } from '../../ui/Pager';
import { SkinList } from '../../ui/SkinList';
import { Empty, ErrorBox, Loading, PageHeader } from '../../ui/ui';
import { formatDateTime, percent } from '../../lib/format';
import { patientHealthHref } from '../../lib/links';
import { useCursorPages } from '../../lib/paging';
import { Link } from '../../lib/router';
import { session } from '../../lib/session';
import { useStore } from '../../lib/store';

export const SKIN_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
/** The server refuses bodies over 10 MB (413 payload-too-large); checked here first to spare the upload. */
export const SKIN_MAX_BYTES = 10 * 1024 * 1024;
const ACCEPT = SKIN_TYPES.join(',');

/** HAM10000 names, used only until GET /skin/model has answered (or when it cannot). */
const FALLBACK_NAMES: Record<SkinClassCode, string> = {
  akiec: 'Actinic keratosis / intraepithelial carcinoma',
  bcc: 'Basal cell carcinoma',
  bkl: 'Benign keratosis',
  df: 'Dermatofibroma',
  mel: 'Melanoma',
  nv: 'Melanocytic nevus (mole)',
  vasc: 'Vascular lesion',
};
type Names = Record<string, string>;

export const UNCERTAIN_TEXT = 'Uncertain — see a dermatologist';

const megabytes = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;

/** Why this file cannot be sent, or null when it can. */
export function checkSkinFile(file: File): string | null {
  if (!SKIN_TYPES.includes(file.type)) {
    const what = file.type ? `a ${file.type} file` : 'not a recognised image';
    return `"${file.name}" is ${what}. Choose a JPEG, PNG or WebP photo.`;
  }
  if (file.size === 0) return `"${file.name}" is empty. Choose another photo.`;
  if (file.size > SKIN_MAX_BYTES) return `"${file.name}" is ${megabytes(file.size)}; photos can be at most 10 MB. Choose a smaller one.`;
  return null;
}

function useSkinModel(): SkinModel | null {
  const [model, setModel] = useState<SkinModel | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    api.skinModel(ctl.signal).then(setModel, () => setModel(null));
    return () => ctl.abort();
  }, []);
  return model;
}

function namesOf(model: SkinModel | null, a?: SkinAnalysis): Names {
  const n: Names = { ...FALLBACK_NAMES };
  for (const c of model?.classes ?? []) n[c.code] = c.name;
  for (const t of a ? [a.prediction, ...a.top] : []) n[t.class] = t.name;
  return n;
}

/** /skin: upload a photo, see the result, and the history of earlier checks. */
export function SkinCheckPage() {
  const model = useSkinModel();
  const [result, setResult] = useState<SkinAnalysis | null>(null);
  const history = useCursorPages<SkinAnalysis>(
    (cursor, signal) => api.skinAnalyses({ limit: 10, cursor: cursor ?? undefined }, signal),
    [],
  );
  const done = (a: SkinAnalysis) => {
    setResult(a);
    history.reload();
    queueMicrotask(() => document.getElementById('skin-result-heading')?.focus());
  };
  return (
    <section>
      <PageHeader title="Skin check">
        <p class="lead">
          Upload a clear, close-up photo of one skin spot or mole. A model trained on dermatoscope images estimates which of
          seven common kinds of lesion it looks most like and how soon a dermatologist should see it. It is not a diagnosis.
        </p>
      </PageHeader>
      <div class="prediction-layout">
        <SkinUpload onDone={done} />
        <div class="prediction-side">
          {result ? <SkinResult a={result} names={namesOf(model, result)} /> : <AboutSkinModel model={model} />}
        </div>
      </div>
      <h2 class="section-title" id="skin-history-title">
        Your earlier checks
      </h2>
      {history.state.status === 'loading' && <Loading />}
      {history.state.status === 'error' && <ErrorBox message={history.state.message} onRetry={history.reload} />}
      {history.state.status === 'ok' &&
        (history.state.page.items.length === 0 ? (
          <Empty>No checks yet. Upload a photo above.</Empty>
        ) : (
          <>
            <SkinList items={history.state.page.items} alt={(a) => `Your photo from ${formatDateTime(a.created_at)}`} labelledBy="skin-history-title" />
            <Pager label="Earlier checks pages" {...history} />
          </>
        ))}
      {result && <AboutSkinModel model={model} />}
    </section>
  );
}

function SkinUpload({ onDone }: { onDone: (a: SkinAnalysis) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const form = useRef<HTMLFormElement>(null);

  // One object URL per chosen file, revoked when the file changes or the page goes.
  useEffect(() => {
    if (!file) {
      setPreview(null);
      return;
    }
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  /** Takes the file when it can be sent; otherwise says why (and nothing stays chosen). */
  const choose = (f: File | null | undefined): boolean => {
    if (!f) return false;
    const why = checkSkinFile(f);
    setMessage(why);
    setFile(why ? null : f);
    return !why;
  };
  const onInput = (e: JSX.TargetedEvent<HTMLInputElement>) => {
    const el = e.currentTarget;
    if (!choose(el.files?.[0])) el.value = '';
  };
  const onDrop = (e: JSX.TargetedDragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    const files = e.dataTransfer?.files;
    if (files && files.length > 1) {
      setMessage('Drop one photo at a time.');
      return;
    }
    choose(files?.[0]);
  };
  const onDragOver = (e: JSX.TargetedDragEvent<HTMLDivElement>) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };

  const analyse = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (!file) {
      setMessage('Choose a photo first.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const a = await api.analyseSkin(file);
      onDone(a);
      setFile(null);
      form.current?.reset();
    } catch (err) {
      // problem+json `detail` (not-an-image, image-too-small, overloaded, …) is the message.
      setMessage(err instanceof ApiError ? err.message : (err as Error).message || 'Something went wrong.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={form} class="form skin-upload" onSubmit={analyse} noValidate aria-labelledby="skin-upload-title">
      <h2 id="skin-upload-title">Your photo</h2>
      <FormAlert message={message} />
      <div
        class={over ? 'dropzone dropzone--over' : 'dropzone'}
        onDragOver={onDragOver}
        onDragEnter={onDragOver}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p class="dropzone__text">Drag a photo here, or:</p>
        <div class="field">
          <label for="skin-file">Choose a photo</label>
          <p class="field__hint" id="skin-file-hint">
            JPEG, PNG or WebP, at most 10 MB, at least 64 pixels on each side. Good light, in focus, the spot filling most of the
            picture.
          </p>
          <input
            ref={input}
            id="skin-file"
            name="image"
            type="file"
            accept={ACCEPT}
            aria-describedby="skin-file-hint"
            onChange={onInput}
            disabled={busy}
          />
        </div>
        <div class="field dropzone__camera">
          <label for="skin-camera">Or take a photo with your camera</label>
          <input id="skin-camera" name="camera" type="file" accept={ACCEPT} capture="environment" onChange={onInput} disabled={busy} />
        </div>
      </div>
      {preview && file && (
        <figure class="skin-preview">
          <img src={preview} alt={`Preview of ${file.name}`} />
          <figcaption class="muted">
            {file.name} · {megabytes(file.size)}
          </figcaption>
        </figure>
      )}
      <button type="submit" class="btn btn--primary" disabled={busy || !file} aria-busy={busy ? 'true' : undefined}>
        {busy ? 'Analysing…' : 'Analyse'}
      </button>
      {busy && <Loading label="Analysing your photo…" />}
    </form>
  );
}

/** The result: urgency, uncertainty, predicted class, every class as a bar, care advice, disclaimer. */
export function SkinResult({ a, names, heading = 'Your result' }: { a: SkinAnalysis; names: Names; heading?: string }) {
  const rows = (Object.entries(a.probabilities) as Array<[SkinClassCode, number]>).sort((x, y) => y[1] - x[1]);
  const level = a.urgency.level;
  return (
    <section class="result card skin-result" aria-labelledby="skin-result-heading">
      <h2 id="skin-result-heading" tabIndex={-1}>
        {heading}
      </h2>
      <div class={`urgency urgency--${level}`} role={level === 'prompt' ? 'alert' : 'status'}>
        <p class="urgency__title">{a.urgency.title}</p>
        <p>{a.urgency.advice}</p>
      </div>
      {a.uncertain && (
        <p class="alert alert--warning skin-uncertain">
          <strong>{UNCERTAIN_TEXT}</strong>
          <br />
          The model is only {percent(a.confidence)} sure of its best guess, too little to go by.
        </p>
      )}
      <p class="skin-prediction">
        Most like: <strong>{a.prediction.name}</strong> <span class="muted">({a.prediction.class})</span>, {percent(a.confidence)}{' '}
        confidence
      </p>
      <h3 id="skin-probabilities-title">All seven kinds</h3>
      <ol class="prob-list" aria-labelledby="skin-probabilities-title">
        {rows.map(([code, p]) => (
          <li key={code} class={code === a.prediction.class ? 'prob-list__item prob-list__item--top' : 'prob-list__item'}>
            <span class="prob-list__label">{names[code] ?? code}</span>
            <svg class="prob-list__bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
              <rect class="prob-list__track" x={0} y={0} width={100} height={10} />
              <rect class="prob-list__fill" x={0} y={0} width={Math.max(0, Math.min(100, p * 100))} height={10} />
            </svg>
            <span class="prob-list__value">{percent(p)}</span>
          </li>
        ))}
      </ol>
      <h3>What to do</h3>
      <p>{a.care.summary}</p>
      {a.care.steps.length > 0 && (
        <ol class="care-steps">
          {a.care.steps.map((s) => (
            <li key={s}>{s}</li>
          ))}
        </ol>
      )}
      <p class="alert alert--warning disclaimer">{a.disclaimer}</p>
      <p class="muted">
        {formatDateTime(a.created_at)} · photo {a.image.width}×{a.image.height} {a.image.format.toUpperCase()} · model {a.model.name}{' '}
        {a.model.version} ·{' '}
        <a href={a.model.card_url} target="_blank" rel="noopener">
          model card (JSON)
        </a>
      </p>
    </section>
  );
}

function AboutSkinModel({ model }: { model: SkinModel | null }) {
  if (!model) return null;
  return (
    <details class="card about-model">
      <summary>About this model</summary>
      <dl class="facts facts--compact">
        <div>
          <dt>Model</dt>
          <dd>
            {model.name} {model.version}
          </dd>
        </div>
        <div>
          <dt>Validation accuracy</dt>
          <dd>{percent(model.metrics.validation_accuracy)}</dd>
        </div>
        <div>
          <dt>Validation macro ROC AUC</dt>
          <dd>{model.metrics.validation_macro_auc.toFixed(2)}</dd>
        </div>
        <div>
          <dt>Input</dt>
          <dd>
            {model.input_size}×{model.input_size} pixels
          </dd>
        </div>
      </dl>
      <h3>The seven kinds</h3>
      <ul>
        {model.classes.map((c) => (
          <li key={c.code}>
            {c.name} ({c.code})
          </li>
        ))}
      </ul>
      <h3>Limits</h3>
      <ul>
        {model.limits.map((l) => (
          <li key={l}>{l}</li>
        ))}
      </ul>
      <p>{model.disclaimer}</p>
      <p>
        <a href={model.card_url} target="_blank" rel="noopener">
          Full model card (JSON)
        </a>
      </p>
    </details>
  );
}

/** /skin/:id: one stored analysis (its patient, or a doctor who treats them). */
export function SkinAnalysisDetail({ id }: { id: number }) {
  const model = useSkinModel();
  const s = useStore(session);
  const isPatient = s.status === 'signed-in' && s.user.role === 'patient';
  const isDoctor = s.status === 'signed-in' && s.user.role === 'doctor';
  const [state, setState] = useState<{ status: 'loading' } | { status: 'error'; message: string } | { status: 'ok'; a: SkinAnalysis }>({
    status: 'loading',
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setState({ status: 'loading' });
    api.skinAnalysis(id, ctl.signal).then(
      (a) => setState({ status: 'ok', a }),
      (e: unknown) => {
        if ((e as Error).name === 'AbortError') return;
        const message =
          e instanceof ApiError && e.status === 404 ? 'There is no such skin check, or it is not yours to see.' : e instanceof ApiError ? e.message : 'Could not load this check.';
        setState({ status: 'error', message });
      },
    );
    return () => ctl.abort();
  }, [id, tick]);
  return (
    <section>
      <PageHeader title="Skin check result" />
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorBox message={state.message} onRetry={() => setTick((t) => t + 1)} />}
      {state.status === 'ok' && (
        <div class="prediction-layout">
          <figure class="skin-preview">
            <img src={state.a.thumbnail_url} alt={`The photo analysed on ${formatDateTime(state.a.created_at)}`} />
            <figcaption class="muted">Analysed {formatDateTime(state.a.created_at)}</figcaption>
          </figure>
          <SkinResult a={state.a} names={namesOf(model, state.a)} heading="Result" />
        </div>
      )}
      {isPatient && (
        <p>
          <Link href="/skin">Back to your skin checks</Link>
        </p>
      )}
      {isDoctor && state.status === 'ok' && (
        <p>
          <Link href={patientHealthHref(state.a.patient_id)}>Back to the patient's health record</Link>
        </p>
      )}
    </section>
  );
}
