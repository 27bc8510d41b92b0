// Form building blocks: every input has a visible <label>, its problem+json message right under
// it (aria-describedby + aria-invalid), and the form has one alert area for everything else.
import type { ComponentChildren, JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';

export type Errors = Record<string, string>;

let uid = 0;
const nextId = (p: string) => `${p}-${++uid}`;

interface FieldProps {
  label: string;
  name: string;
  errors: Errors;
  hint?: string;
  children: (attrs: { id: string; name: string; 'aria-invalid'?: 'true'; 'aria-describedby'?: string }) => ComponentChildren;
}

/** A labelled control with its hint and error; children render the control with the given attributes. */
export function Field({ label, name, errors, hint, children }: FieldProps) {
  const id = useRef(nextId(`f-${name}`)).current;
  const err = errors[name];
  const described = [hint ? `${id}-hint` : '', err ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={err ? 'field field--invalid' : 'field'}>
      <label for={id}>{label}</label>
      {hint && (
        <p class="field__hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {children({ id, name, 'aria-invalid': err ? 'true' : undefined, 'aria-describedby': described })}
      {err && (
        <p class="field__error" id={`${id}-err`}>
          {err}
        </p>
      )}
    </div>
  );
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'label' | 'name' | 'value' | 'onInput'> & {
  label: string;
  name: string;
  errors: Errors;
  hint?: string;
  value: string;
  onValue: (v: string) => void;
};

export function TextField({ label, name, errors, hint, value, onValue, ...rest }: InputProps) {
  return (
    <Field label={label} name={name} errors={errors} hint={hint}>
      {(a) => <input {...a} {...rest} value={value} onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)} />}
    </Field>
  );
}

type AreaProps = Omit<JSX.TextareaHTMLAttributes<HTMLTextAreaElement>, 'label' | 'name' | 'value' | 'onInput'> & {
  label: string;
  name: string;
  errors: Errors;
  hint?: string;
  value: string;
  onValue: (v: string) => void;
};

export function TextArea({ label, name, errors, hint, value, onValue, ...rest }: AreaProps) {
  return (
    <Field label={label} name={name} errors={errors} hint={hint}>
      {(a) => <textarea {...a} {...rest} value={value} onInput={(e) => onValue((e.currentTarget as HTMLTextAreaElement).value)} />}
    </Field>
  );
}

interface SelectProps {
  label: string;
  name: string;
  errors: Errors;
  hint?: string;
  value: string;
  onValue: (v: string) => void;
  options: Array<[value: string, label: string]>;
  required?: boolean;
}

export function SelectField({ label, name, errors, hint, value, onValue, options, required }: SelectProps) {
  return (
    <Field label={label} name={name} errors={errors} hint={hint}>
      {(a) => (
        <select {...a} required={required} value={value} onChange={(e) => onValue((e.currentTarget as HTMLSelectElement).value)}>
          {options.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** The form-level message: shown for errors that belong to no visible field. */
export function FormAlert({ message }: { message: string | null }) {
  return (
    <div class="form-alert" role="alert" aria-live="assertive">
      {message && <p class="alert alert--error">{message}</p>}
    </div>
  );
}

export function SubmitButton({ busy, children, class: cls }: { busy: boolean; children: ComponentChildren; class?: string }) {
  return (
    <button type="submit" class={cls ?? 'btn btn--primary'} disabled={busy} aria-busy={busy ? 'true' : undefined}>
      {busy ? 'Please wait…' : children}
    </button>
  );
}

/**
 * Submission state for a form: `run(fn)` clears old errors, runs fn, and turns an ApiError into
 * field messages (422) or one form message. `fields` lists the names this form shows, so a field
 * error for anything else lands in the form message instead of disappearing.
 */
export function useSubmit(fields: string[]) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [message, setMessage] = useState<string | null>(null);
  const run = async (fn: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      await fn();
    } catch (e) {
      if (e instanceof ApiError) {
        const shown: Errors = {};
        const other: string[] = [];
        for (const [f, m] of Object.entries(e.fields)) {
          if (fields.includes(f)) shown[f] = m;
          else other.push(`${f}: ${m}`);
        }
        setErrors(shown);
        if (Object.keys(shown).length === 0 || other.length) {
          setMessage(other.length ? `${e.message} ${other.join(' ')}` : e.message);
        } else {
          setMessage('Please correct the highlighted fields.');
        }
        // Put the keyboard where the problem is.
        const first = Object.keys(shown)[0];
        if (first) queueMicrotask(() => document.querySelector<HTMLElement>(`[name="${first}"]`)?.focus());
      } else {
        setMessage((e as Error).message || 'Something went wrong.');
      }
    } finally {
      setBusy(false);
    }
  };
  return { busy, errors, message, run, setErrors, setMessage };
}

export function onSubmit(fn: () => void) {
  return (e: Event) => {
    e.preventDefault();
    fn();
  };
}
