// A patient's health record, for the doctors who treat them (/patients/:id): the charts of the
// patient's readings per kind and range (GET /patients/{id}/health/series, the patient's own charts
// from ui/, loaded on demand), the skin checks (GET /patients/{id}/skin-analyses) and risk checks
// (GET /patients/{id}/predictions), newest first, a page at a time, shown with the same components as the patient's own pages.
// The server allows this only while the doctor treats the patient (an appointment that is not
// cancelled, or a conversation) and answers 403 otherwise; every read is in the audit log.
// The title names the patient from GET /patients/{id} (same rule, audited), never from the link.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Patient, Prediction, SkinAnalysis } from '../../api/client';
import { api, ApiError } from '../../api/client';
import { LazySeriesExplorer } from '../../ui/HealthChartsLazy';
import { Pager } from '../../ui/Pager';
import { PredictionTable } from '../../ui/PredictionTable';
import { SkinList } from '../../ui/SkinList';
import { Empty, ErrorBox, Loading, PageHeader } from '../../ui/ui';
import { formatDateTime } from '../../lib/format';
import { useCursorPages, type PageState } from '../../lib/paging';
import { Link } from '../../lib/router';
import { session } from '../../lib/session';
import { useStore } from '../../lib/store';

export const NOT_TREATING =
  "You can see a patient's health data only while you treat them: an appointment or a conversation.";

type PatientState = { status: 'loading' } | { status: 'error'; message: string; httpStatus?: number } | { status: 'ok'; patient: Patient };

function usePatient(id: number, enabled: boolean): [PatientState, () => void] {
  const [state, setState] = useState<PatientState>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    const ctl = new AbortController();
    setState({ status: 'loading' });
    api.patient(id, ctl.signal).then(
      (patient) => setState({ status: 'ok', patient }),
      (e: unknown) => {
        if ((e as Error).name === 'AbortError') return;
        if (e instanceof ApiError) setState({ status: 'error', message: e.message, httpStatus: e.status });
        else setState({ status: 'error', message: 'Could not load this patient.' });
      },
    );
    return () => ctl.abort();
  }, [id, enabled, tick]);
  return [state, () => setTick((t) => t + 1)];
}

const forbidden = (s: PageState<unknown> | PatientState) => s.status === 'error' && s.httpStatus === 403;

/** Each distinct disclaimer the answers carry (the same text for every item of one kind, in practice). */
function Disclaimers({ texts }: { texts: string[] }) {
  return (
    <>
      {[...new Set(texts)].map((t) => (
        <p key={t} class="alert alert--warning disclaimer">
          {t}
        </p>
      ))}
    </>
  );
}

export function PatientHealth({ id }: { id: number }) {
  const s = useStore(session);
  const valid = Number.isInteger(id) && id > 0;
  const approved = s.status === 'signed-in' && s.user.doctor?.status === 'approved';
  const [patient, reloadPatient] = usePatient(id, valid && approved);
  const name = patient.status === 'ok' ? patient.patient.name : null;
  const title = name ? `Health record of ${name}` : 'Patient health record';
  const back = (
    <p>
      <Link href="/appointments">Back to the agenda</Link>
    </p>
  );
  if (s.status !== 'signed-in') return null;
  let refusal: string | null = null;
  if (!valid) refusal = 'There is no such patient.';
  else if (!approved) refusal = "Only approved doctors can see patients' health data.";
  else if (forbidden(patient)) refusal = NOT_TREATING;
  if (refusal)
    return (
      <section class="narrow">
        <PageHeader title={title} />
        <ErrorBox message={refusal} />
        {back}
      </section>
    );
  if (patient.status === 'loading') return <Loading label="Loading the patient…" />;
  if (patient.status === 'error')
    return (
      <section class="narrow">
        <PageHeader title={title} />
        <ErrorBox message={patient.message} onRetry={reloadPatient} />
        {back}
      </section>
    );
  return <HealthRecord key={id} id={id} name={patient.patient.name} title={title} back={back} />;
}

function HealthRecord({ id, name, title, back }: { id: number; name: string; title: string; back: ComponentChildren }) {
  const skin = useCursorPages<SkinAnalysis>(
    (cursor, signal) => api.patientSkinAnalyses(id, { limit: 10, cursor: cursor ?? undefined }, signal),
    [id],
  );
  const predictions = useCursorPages<Prediction>(
    (cursor, signal) => api.patientPredictions(id, { limit: 20, cursor: cursor ?? undefined }, signal),
    [id],
  );
  const whose = `${name}'s`;

  if (forbidden(skin.state) || forbidden(predictions.state))
    return (
      <section class="narrow">
        <PageHeader title={title} />
        <ErrorBox message={NOT_TREATING} />
        {back}
      </section>
    );

  return (
    <section>
      <PageHeader title={title}>
        <p class="lead">
          The readings, skin checks and risk checks {name} made in medcore, newest first, as the patient was shown
          them. They are model estimates, not diagnoses.
        </p>
      </PageHeader>
      <p class="muted audit-note">Your access is recorded in the audit log.</p>

      <section aria-labelledby="health-readings-title">
        <h2 class="section-title" id="health-readings-title">
          Readings
        </h2>
        <LazySeriesExplorer load={(kind, days, signal) => api.patientHealthSeries(id, { kind, days: String(days) as `${typeof days}` }, signal)} deps={[id]} whose={whose} />
      </section>

      <section aria-labelledby="health-skin-title">
        <h2 class="section-title" id="health-skin-title">
          Skin checks
        </h2>
        {skin.state.status === 'loading' && <Loading label="Loading skin checks…" />}
        {skin.state.status === 'error' && <ErrorBox message={skin.state.message} onRetry={skin.reload} />}
        {skin.state.status === 'ok' &&
          (skin.state.page.items.length === 0 ? (
            <Empty>{name} has no skin checks yet.</Empty>
          ) : (
            <>
              <SkinList
                items={skin.state.page.items}
                alt={(a) => `${whose} skin photo from ${formatDateTime(a.created_at)}`}
                href={(a) => `/skin/${a.id}`}
                labelledBy="health-skin-title"
              />
              <Pager label="Skin check pages" {...skin} />
              <Disclaimers texts={skin.state.page.items.map((a) => a.disclaimer)} />
            </>
          ))}
      </section>

      <section aria-labelledby="health-predictions-title">
        <h2 class="section-title" id="health-predictions-title">
          Risk checks
        </h2>
        {predictions.state.status === 'loading' && <Loading label="Loading risk checks…" />}
        {predictions.state.status === 'error' && <ErrorBox message={predictions.state.message} onRetry={predictions.reload} />}
        {predictions.state.status === 'ok' &&
          (predictions.state.page.items.length === 0 ? (
            <Empty>{name} has no risk checks yet.</Empty>
          ) : (
            <>
              <PredictionTable items={predictions.state.page.items} caption={`${whose} risk checks, newest first`} check />
              <Pager label="Risk check pages" {...predictions} />
              <Disclaimers texts={predictions.state.page.items.map((p) => p.disclaimer)} />
            </>
          ))}
      </section>
      {back}
    </section>
  );
}
