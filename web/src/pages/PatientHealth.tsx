// A patient's health record, for the doctors who treat them (/patients/:id): the patient's skin
// checks (GET /patients/{id}/skin-analyses) and risk checks (GET /patients/{id}/predictions),
// newest first, a page at a time, shown with the same components as the patient's own pages.
// The server allows this only while the doctor treats the patient (an appointment that is not
// cancelled, or a conversation) and answers 403 otherwise; every read is in the audit log.
// The API has no route for a patient's name by id, so the linking page passes it as `?name=`.
import type { ComponentChildren } from 'preact';
import type { Prediction, SkinAnalysis } from '../api/client';
import { api } from '../api/client';
import { Pager } from '../components/Pager';
import { PredictionTable } from '../components/PredictionTable';
import { SkinList } from '../components/SkinList';
import { Empty, ErrorBox, Loading, PageHeader } from '../components/ui';
import { formatDateTime } from '../lib/format';
import { useCursorPages, type PageState } from '../lib/paging';
import { Link, useLocation } from '../lib/router';
import { session } from '../lib/session';
import { useStore } from '../lib/store';

export const NOT_TREATING =
  "You can see a patient's health data only while you treat them: an appointment or a conversation.";

/** The `?name=` of the linking page, tidied (it is shown as text only); null when there is none. */
function nameFrom(raw: string | null): string | null {
  const n = (raw ?? '').replace(/\s+/g, ' ').trim().slice(0, 100);
  return n || null;
}

const forbidden = (s: PageState<unknown>) => s.status === 'error' && s.httpStatus === 403;

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
  const name = nameFrom(useLocation().search.get('name'));
  const title = name ? `Health record of ${name}` : 'Patient health record';
  const back = (
    <p>
      <Link href="/appointments">Back to the agenda</Link>
    </p>
  );
  if (s.status !== 'signed-in') return null;
  let refusal: string | null = null;
  if (!Number.isInteger(id) || id <= 0) refusal = 'There is no such patient.';
  else if (s.user.doctor?.status !== 'approved') refusal = "Only approved doctors can see patients' health data.";
  if (refusal)
    return (
      <section class="narrow">
        <PageHeader title={title} />
        <ErrorBox message={refusal} />
        {back}
      </section>
    );
  return <HealthRecord key={id} id={id} name={name} title={title} back={back} />;
}

function HealthRecord({ id, name, title, back }: { id: number; name: string | null; title: string; back: ComponentChildren }) {
  const skin = useCursorPages<SkinAnalysis>(
    (cursor, signal) => api.patientSkinAnalyses(id, { limit: 10, cursor: cursor ?? undefined }, signal),
    [id],
  );
  const predictions = useCursorPages<Prediction>(
    (cursor, signal) => api.patientPredictions(id, { limit: 20, cursor: cursor ?? undefined }, signal),
    [id],
  );
  const who = name ?? 'This patient';
  const whose = name ? `${name}'s` : "The patient's";
  // The skin analysis page links back here with the same name.
  const nameQuery = name ? `?name=${encodeURIComponent(name)}` : '';

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
          The skin checks and risk checks {name ?? 'this patient'} made in medcore, newest first, as the patient was shown
          them. They are model estimates, not diagnoses.
        </p>
      </PageHeader>
      <p class="muted audit-note">Your access is recorded in the audit log.</p>

      <section aria-labelledby="health-skin-title">
        <h2 class="section-title" id="health-skin-title">
          Skin checks
        </h2>
        {skin.state.status === 'loading' && <Loading label="Loading skin checks…" />}
        {skin.state.status === 'error' && <ErrorBox message={skin.state.message} onRetry={skin.reload} />}
        {skin.state.status === 'ok' &&
          (skin.state.page.items.length === 0 ? (
            <Empty>{who} has no skin checks yet.</Empty>
          ) : (
            <>
              <SkinList
                items={skin.state.page.items}
                alt={(a) => `${whose} skin photo from ${formatDateTime(a.created_at)}`}
                href={(a) => `/skin/${a.id}${nameQuery}`}
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
            <Empty>{who} has no risk checks yet.</Empty>
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
