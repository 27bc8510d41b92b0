// Disease risk checks (issue 7). Everything the form shows — features, units, allowed ranges, help
// text, categories — comes from GET /api/v1/prediction-models (the model cards); nothing about
// the models is repeated here. Results are stored by the server and listed as history.
import { useEffect, useState } from 'preact/hooks';
import {
  ApiError, api, type ModelName, type Prediction, type PredictionFeature, type PredictionInput, type PredictionModel,
  type PredictionPrefill,
} from '../../api/client';
import { FormAlert, SelectField, SubmitButton, TextField, onSubmit, useSubmit } from '../../ui/forms';
import { BandBadge, PredictionTable } from '../../ui/PredictionTable';
import { HistoryChart, RiskGauge } from './RiskCharts';
import { Empty, ErrorBox, Loading, PageHeader } from '../../ui/ui';
import { percent } from '../../lib/format';
import { Link } from '../../lib/router';

type Load<T> = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ok'; value: T };

function useLoad<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[]): [Load<T>, () => void] {
  const [state, setState] = useState<Load<T>>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setState({ status: 'loading' });
    fn(ctl.signal).then(
      (value) => setState({ status: 'ok', value }),
      (e: unknown) => {
        if ((e as Error).name === 'AbortError') return;
        setState({ status: 'error', message: e instanceof ApiError ? e.message : 'Could not load this page.' });
      },
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return [state, () => setTick((t) => t + 1)];
}

/** /predictions: the models and the patient's recent results. */
export function PredictionsHome() {
  const [state, retry] = useLoad(
    async (signal) => {
      const [models, history] = await Promise.all([api.predictionModels(signal), api.myPredictions({ limit: 20 }, signal)]);
      return { models: models.items, history: history.items };
    },
    [],
  );
  return (
    <section>
      <PageHeader title="Risk checks">
        <p class="lead">
          Estimate your risk of heart disease, type 2 diabetes or stroke from a few measurements, and see what drove the
          estimate. These are statistical estimates from research data, not diagnoses.
        </p>
      </PageHeader>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorBox message={state.message} onRetry={retry} />}
      {state.status === 'ok' && (
        <>
          <ul class="cards">
            {state.value.models.map((m) => (
              <li key={m.name} class="card card--link">
                <h2 class="card__title">
                  <Link href={`/predictions/${m.name}`}>{m.title}</Link>
                </h2>
                <p>Estimates: {m.outcome}.</p>
                <p class="muted">
                  {m.features.length} questions · cross-validated ROC AUC {m.roc_auc.mean.toFixed(2)}
                </p>
              </li>
            ))}
          </ul>
          <h2 class="section-title">Your recent results</h2>
          {state.value.history.length === 0 ? (
            <Empty>No results yet. Choose a check above.</Empty>
          ) : (
            <PredictionTable items={state.value.history} caption="Your results, newest first" check models={state.value.models} />
          )}
        </>
      )}
    </section>
  );
}

function featureLabel(f: PredictionFeature): string {
  const name = f.label.charAt(0).toUpperCase() + f.label.slice(1);
  return `${name}${f.unit ? ` (${f.unit})` : ''}${f.required ? '' : ' (optional)'}`;
}

function featureHint(f: PredictionFeature, source: string | undefined): string {
  let range = '';
  if (f.kind === 'continuous' && f.min !== undefined && f.max !== undefined) range = ` Allowed: ${f.min}–${f.max}${f.unit ? ' ' + f.unit : ''}.`;
  const from = source ? ` Filled in from your ${source}.` : '';
  return `${f.help}${range}${from}`;
}

function toBody(model: PredictionModel, values: Record<string, string>): PredictionInput {
  const body: PredictionInput = {};
  for (const f of model.features) {
    const v = (values[f.name] ?? '').trim();
    if (v === '') continue;
    // Numbers go as numbers; anything that is not a number is sent as typed, and the server says why.
    body[f.name] = f.kind === 'continuous' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
  }
  return body;
}

/** /predictions/:model: the form, the result, and this model's history. */
export function PredictionPage({ name }: { name: string }) {
  const [state, retry] = useLoad(
    async (signal) => {
      const models = await api.predictionModels(signal);
      const model = models.items.find((m) => m.name === name);
      if (!model) return null;
      const [prefill, history] = await Promise.all([
        api.predictionPrefill(model.name, signal),
        api.myPredictions({ model: model.name, limit: 50 }, signal),
      ]);
      return { model, prefill, history: history.items };
    },
    [name],
  );
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error') return <ErrorBox message={state.message} onRetry={retry} />;
  if (!state.value) {
    return (
      <section class="narrow">
        <PageHeader title="No such check" />
        <p>
          <Link href="/predictions">See the available risk checks</Link>
        </p>
      </section>
    );
  }
  return <PredictionForm key={name} {...state.value} />;
}

function PredictionForm({ model, prefill, history }: { model: PredictionModel; prefill: PredictionPrefill; history: Prediction[] }) {
  const [values, setValues] = useState<Record<string, string>>(() => {
    const v: Record<string, string> = {};
    for (const f of model.features) {
      const pre = prefill.values[f.name];
      v[f.name] = pre === undefined || pre === null ? '' : String(pre);
    }
    return v;
  });
  const [result, setResult] = useState<Prediction | null>(null);
  const [past, setPast] = useState<Prediction[]>(history);
  const f = useSubmit(model.features.map((x) => x.name));
  const set = (k: string) => (v: string) => setValues((o) => ({ ...o, [k]: v }));

  const submit = () =>
    f.run(async () => {
      const p = await api.predict(model.name as ModelName, toBody(model, values));
      setResult(p);
      setPast((h) => [p, ...h]);
      queueMicrotask(() => document.getElementById('result-heading')?.focus());
    });

  return (
    <section>
      <PageHeader title={model.title}>
        <p class="lead">Estimates: {model.outcome}.</p>
      </PageHeader>
      <div class="prediction-layout">
        <form class="form" onSubmit={onSubmit(submit)} noValidate aria-labelledby="prediction-form-title">
          <h2 id="prediction-form-title">Your measurements</h2>
          {prefill.notes.length > 0 && (
            <div class="alert alert--info">
              <ul class="plain-list">
                {prefill.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            </div>
          )}
          <FormAlert message={f.message} />
          {model.features.map((feat) =>
            feat.kind === 'categorical' ? (
              <SelectField
                key={feat.name}
                label={featureLabel(feat)}
                name={feat.name}
                errors={f.errors}
                hint={featureHint(feat, prefill.sources[feat.name])}
                value={values[feat.name] ?? ''}
                onValue={set(feat.name)}
                required={feat.required}
                options={[
                  ['', feat.required ? 'Choose…' : 'Not known'],
                  ...(feat.categories ?? []).map((c, i): [string, string] => [c, feat.category_labels?.[i] ?? c]),
                ]}
              />
            ) : (
              <TextField
                key={feat.name}
                label={featureLabel(feat)}
                name={feat.name}
                errors={f.errors}
                hint={featureHint(feat, prefill.sources[feat.name])}
                type="number"
                inputMode="decimal"
                step="any"
                min={feat.min}
                max={feat.max}
                required={feat.required}
                value={values[feat.name] ?? ''}
                onValue={set(feat.name)}
              />
            ),
          )}
          <SubmitButton busy={f.busy}>Estimate my risk</SubmitButton>
        </form>
        <div class="prediction-side">
          {result ? <Result p={result} /> : <AboutModel model={model} />}
        </div>
      </div>
      <h2 class="section-title">Your history</h2>
      {past.length === 0 ? (
        <Empty>No results for this check yet.</Empty>
      ) : (
        <>
          <HistoryChart
            title={`${model.title} results over time`}
            points={past.map((p) => ({ at: p.created_at, probability: p.probability }))}
            thresholds={model.thresholds}
          />
          <PredictionTable items={past} caption="Your results, newest first" />
        </>
      )}
      {result && <AboutModel model={model} />}
    </section>
  );
}

function Result({ p }: { p: Prediction }) {
  return (
    <section class="result card" aria-labelledby="result-heading">
      <h2 id="result-heading" tabIndex={-1}>
        Your estimate: {percent(p.probability)} <BandBadge band={p.band} />
      </h2>
      <RiskGauge probability={p.probability} band={p.band} thresholds={p.thresholds} />
      <p class="muted">Someone the model knows nothing about starts at {percent(p.baseline_probability)}.</p>
      <div class="factors">
        <div>
          <h3>Raised the estimate</h3>
          {p.factors_up.length ? (
            <ul class="factor-list factor-list--up">
              {p.factors_up.map((x) => (
                <li key={x.feature}>{x.text}</li>
              ))}
            </ul>
          ) : (
            <p class="muted">Nothing raised it noticeably.</p>
          )}
        </div>
        <div>
          <h3>Lowered the estimate</h3>
          {p.factors_down.length ? (
            <ul class="factor-list factor-list--down">
              {p.factors_down.map((x) => (
                <li key={x.feature}>{x.text}</li>
              ))}
            </ul>
          ) : (
            <p class="muted">Nothing lowered it noticeably.</p>
          )}
        </div>
      </div>
      <h3>How sure is this?</h3>
      <p>
        <span class={`badge badge--confidence-${p.confidence.level}`}>{p.confidence.level} confidence</span> {p.confidence.text}
      </p>
      <p class="alert alert--warning disclaimer">{p.disclaimer}</p>
      <p class="muted">
        Model {p.model_version} ·{' '}
        <a href={p.card_url} target="_blank" rel="noopener">
          model card (JSON)
        </a>
      </p>
    </section>
  );
}

function AboutModel({ model }: { model: PredictionModel }) {
  return (
    <details class="card about-model">
      <summary>About this model</summary>
      <dl class="facts facts--compact">
        <div>
          <dt>Method</dt>
          <dd>{model.algorithm}</dd>
        </div>
        <div>
          <dt>Cross-validated ROC AUC</dt>
          <dd>
            {model.roc_auc.mean.toFixed(2)} ± {model.roc_auc.sd.toFixed(2)}
          </dd>
        </div>
        <div>
          <dt>Bands</dt>
          <dd>
            low below {percent(model.thresholds.low_moderate)}, high from {percent(model.thresholds.moderate_high)}
          </dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd>{model.version}</dd>
        </div>
      </dl>
      <p>{model.intended_use}</p>
      <h3>Limits</h3>
      <ul>
        {model.limits.map((l) => (
          <li key={l}>{l}</li>
        ))}
      </ul>
      <p>
        <a href={model.card_url} target="_blank" rel="noopener">
          Full model card (JSON)
        </a>
      </p>
    </details>
  );
}
