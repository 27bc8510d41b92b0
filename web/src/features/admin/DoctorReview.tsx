import { useState } from 'preact/hooks';
import { api, type AdminDoctor } from '../../api/client';
import { FormAlert, SubmitButton, TextArea, onSubmit, useSubmit } from '../../ui/forms';
import { StatusBadge } from '../../ui/ui';
import { formatDateTime, formatMoney } from '../../lib/format';

type ReasonAction = 'reject' | 'suspend';

function ReasonForm({ doctor, action, onDone, onCancel }: { doctor: AdminDoctor; action: ReasonAction; onDone: (d: AdminDoctor) => void; onCancel: () => void }) {
  const [reason, setReason] = useState('');
  const f = useSubmit(['reason']);
  const verb = action === 'reject' ? 'Reject' : 'Suspend';
  const submit = () =>
    f.run(async () => {
      const d = action === 'reject' ? await api.rejectDoctor(doctor.id, reason) : await api.suspendDoctor(doctor.id, reason);
      onDone(d as AdminDoctor);
    });
  return (
    <form class="form form--inline-panel" onSubmit={onSubmit(submit)} noValidate aria-label={`${verb} ${doctor.name}`}>
      <FormAlert message={f.message} />
      <TextArea
        label={`Reason (${verb.toLowerCase()} ${doctor.name})`} name="reason" rows={3} required hint="3 to 500 characters; the doctor sees it."
        errors={f.errors} value={reason} onValue={setReason} autoFocus
      />
      <div class="actions">
        <SubmitButton busy={f.busy} class="btn btn--danger">
          {verb}
        </SubmitButton>
        <button type="button" class="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** One doctor with the review actions their status allows. */
export function DoctorReview({ doctor, onChanged }: { doctor: AdminDoctor; onChanged: (d: AdminDoctor, message: string) => void }) {
  const [asking, setAsking] = useState<ReasonAction | null>(null);
  const f = useSubmit([]);
  const simple = (action: 'approve' | 'reinstate') =>
    f.run(async () => {
      const d = action === 'approve' ? await api.approveDoctor(doctor.id) : await api.reinstateDoctor(doctor.id);
      onChanged(d, `${doctor.name} ${action === 'approve' ? 'approved' : 'reinstated'}.`);
    });
  const done = (action: ReasonAction) => (d: AdminDoctor) => {
    setAsking(null);
    onChanged(d, `${doctor.name} ${action === 'reject' ? 'rejected' : 'suspended'}.`);
  };

  return (
    <li class="card review" aria-labelledby={`doc-${doctor.id}`}>
      <div class="review__head">
        <h3 id={`doc-${doctor.id}`}>{doctor.name}</h3>
        <StatusBadge status={doctor.status} />
      </div>
      <dl class="facts facts--compact">
        <div>
          <dt>Specialty</dt>
          <dd>{doctor.specialty}</dd>
        </div>
        <div>
          <dt>Licence</dt>
          <dd>{doctor.licence_number}</dd>
        </div>
        <div>
          <dt>Experience</dt>
          <dd>{doctor.years_experience} years</dd>
        </div>
        <div>
          <dt>Fee</dt>
          <dd>{formatMoney(doctor.consultation_fee_cents, doctor.currency)}</dd>
        </div>
        <div>
          <dt>Email</dt>
          <dd>{doctor.email}</dd>
        </div>
        <div>
          <dt>Phone</dt>
          <dd>{doctor.phone ?? '—'}</dd>
        </div>
        <div>
          <dt>Signed up</dt>
          <dd>
            <time dateTime={doctor.created_at}>{formatDateTime(doctor.created_at)}</time>
          </dd>
        </div>
        {doctor.reviewed_at && (
          <div>
            <dt>Reviewed</dt>
            <dd>
              <time dateTime={doctor.reviewed_at}>{formatDateTime(doctor.reviewed_at)}</time>
            </dd>
          </div>
        )}
        {doctor.status_reason && (
          <div>
            <dt>Reason</dt>
            <dd>{doctor.status_reason}</dd>
          </div>
        )}
      </dl>
      {doctor.bio && <p class="review__bio">{doctor.bio}</p>}
      <FormAlert message={f.message} />
      {asking ? (
        <ReasonForm doctor={doctor} action={asking} onDone={done(asking)} onCancel={() => setAsking(null)} />
      ) : (
        <div class="actions">
          {doctor.status === 'pending' && (
            <>
              <button type="button" class="btn btn--primary" disabled={f.busy} onClick={() => void simple('approve')}>
                Approve <span class="visually-hidden">{doctor.name}</span>
              </button>
              <button type="button" class="btn btn--danger-outline" onClick={() => setAsking('reject')}>
                Reject… <span class="visually-hidden">{doctor.name}</span>
              </button>
            </>
          )}
          {doctor.status === 'approved' && (
            <button type="button" class="btn btn--danger-outline" onClick={() => setAsking('suspend')}>
              Suspend… <span class="visually-hidden">{doctor.name}</span>
            </button>
          )}
          {doctor.status === 'suspended' && (
            <button type="button" class="btn" disabled={f.busy} onClick={() => void simple('reinstate')}>
              Reinstate <span class="visually-hidden">{doctor.name}</span>
            </button>
          )}
        </div>
      )}
    </li>
  );
}
