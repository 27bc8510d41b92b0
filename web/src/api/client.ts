// The one module that talks HTTP to medcore.
//
// Types come from docs/openapi.json (generated into schema.gen.ts by `npm run gen:api`, which
// `npm run build` runs before `tsc`), so a renamed route, field or parameter fails the build.
// It also owns the two cross-cutting rules of the API (docs/API.md):
//  - the CSRF token: remembered from every answer that carries `csrf_token` and echoed in
//    `X-CSRF-Token` on every unsafe request; a 403 `csrf` refreshes it from GET /me and retries once;
//  - 401 `unauthenticated`: the session is gone, so the registered handler sends the user to the
//    login page (and back afterwards).
import type { components, paths } from './schema.gen';

export type Schemas = components['schemas'];
export type User = Schemas['User'];
export type Role = User['role'];
export type DoctorProfile = Schemas['DoctorProfile'];
export type DoctorStatus = DoctorProfile['status'];
export type PublicDoctor = Schemas['PublicDoctor'];
export type AdminDoctor = Schemas['AdminDoctor'];
export type AuditEntry = Schemas['AuditEntry'];
export type Problem = Schemas['Problem'];
export type FieldError = Schemas['FieldError'];
export type PredictionModel = Schemas['PredictionModel'];
export type PredictionFeature = Schemas['PredictionFeature'];
export type Prediction = Schemas['Prediction'];
export type PredictionInput = Schemas['PredictionInput'];
export type PredictionPrefill = Schemas['PredictionPrefill'];
export type ModelName = PredictionModel['name'];
export type Appointment = Schemas['Appointment'];
export type Alternative = Schemas['Alternative'];
export type Slot = Schemas['Slot'];
export type FreeSlots = Schemas['FreeSlots'];
export type Availability = Schemas['Availability'];
export type AvailabilityException = Schemas['AvailabilityException'];
export type WeeklyInterval = Schemas['WeeklyInterval'];
export type Conversation = Schemas['Conversation'];
export type ChatMessage = Schemas['ChatMessage'];
export type SkinAnalysis = Schemas['SkinAnalysis'];
export type Patient = Schemas['PatientSummary'];
export type SkinModel = Schemas['SkinModel'];
export type SkinClassCode = SkinAnalysis['prediction']['class'];
export type UrgencyLevel = SkinAnalysis['urgency']['level'];
export type HealthReading = Schemas['HealthReading'];
export type HealthKind = HealthReading['kind'];
export type HealthUnit = HealthReading['unit'];
export type HealthReadingInput = Schemas['HealthReadingInput'];
export type HealthSeries = Schemas['HealthSeries'];
export type HealthSeriesReading = Schemas['HealthSeriesReading'];
export type HealthImportPreview = Schemas['HealthImportPreview'];
export type HealthUrgent = Schemas['HealthUrgent'];
export type SeriesDays = HealthSeries['days'];

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
/** Paths that have an operation for method M. */
export type PathsFor<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never;
}[keyof paths];

type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : never;
/** The JSON body of the 2xx answers (void for 204). */
type Success<O> = O extends { responses: infer R }
  ? {
      [K in keyof R]: K extends 200 | 201 | 202 ? JsonOf<R[K]> : K extends 204 ? void : never;
    }[keyof R]
  : never;
type BodyOf<O> = O extends { requestBody: { content: { 'application/json': infer B } } }
  ? B
  : O extends { requestBody?: { content: { 'application/json': infer B } } }
    ? B | undefined
    : O extends { requestBody: { content: object } }
      ? Blob // a binary body (an image upload): sent as is, with the Blob's own type as Content-Type
      : undefined;
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? ([Q] extends [never] ? undefined : Q) : undefined;
type PathParamsOf<O> = O extends { parameters: { path: infer PP } } ? ([PP] extends [never] ? undefined : PP) : undefined;

export interface CallOptions<O> {
  body?: BodyOf<O>;
  query?: QueryOf<O>;
  params?: PathParamsOf<O>;
  /** Don't treat 401 as "session expired" (used for the first GET /me and for login itself). */
  anonymousOk?: boolean;
  signal?: AbortSignal;
  /** Extra request headers (e.g. Idempotency-Key). */
  headers?: Record<string, string>;
}

/** An error answer, with the problem document and field errors keyed by field name. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;
  readonly fields: Record<string, string>;
  constructor(status: number, problem: Problem | null, fallback: string) {
    super(problem?.detail || problem?.title || fallback);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.fields = {};
    for (const e of problem?.errors ?? []) {
      // "must be at least 10 characters" → "Must be at least 10 characters."; several messages for one field are all kept.
      let m = e.message.charAt(0).toUpperCase() + e.message.slice(1);
      if (!/[.!?]$/.test(m)) m += '.';
      this.fields[e.field] = this.fields[e.field] ? `${this.fields[e.field]} ${m}` : m;
    }
  }
  /** The `alternatives` of a booking conflict (409 slot-taken / slot-unavailable / patient-overlap). */
  get alternatives(): Alternative[] {
    const a = (this.problem as { alternatives?: unknown } | null)?.alternatives;
    return Array.isArray(a) ? (a as Alternative[]) : [];
  }
  /** The problem slug, e.g. "validation" for urn:medcore:problem:validation. */
  get slug(): string {
    const t = this.problem?.type ?? '';
    return t.startsWith('urn:medcore:problem:') ? t.slice('urn:medcore:problem:'.length) : '';
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}
/** Called when an authenticated request answers 401: the session expired or was revoked. */
export function setUnauthenticatedHandler(fn: (() => void) | null): void {
  onUnauthenticated = fn;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function buildUrl(path: string, params?: Record<string, unknown>, query?: Record<string, unknown>): string {
  let url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = params?.[name];
    if (v === undefined || v === null) throw new Error(`missing path parameter ${name} for ${path}`);
    return encodeURIComponent(String(v));
  });
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    }
    const s = q.toString();
    if (s) url += '?' + s;
  }
  return url;
}

async function send(method: string, url: string, body: unknown, signal?: AbortSignal, extra?: Record<string, string>): Promise<Response> {
  const headers: Record<string, string> = { ...extra, Accept: 'application/json, application/problem+json' };
  // A Blob (or File) goes as raw bytes with its own content type (an explicit Content-Type header wins);
  // anything else is JSON.
  const binary = body instanceof Blob;
  if (binary) headers['Content-Type'] = extra?.['Content-Type'] || body.type || 'application/octet-stream';
  else if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  return fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : binary ? body : JSON.stringify(body),
    credentials: 'same-origin',
    signal,
  });
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Low-level call for routes that are not (yet) in the OpenAPI document. */
export async function rawCall<T>(
  method: string,
  url: string,
  opts: { body?: unknown; anonymousOk?: boolean; signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<T> {
  const m = method.toUpperCase();
  let res: Response;
  try {
    res = await send(m, url, opts.body, opts.signal, opts.headers);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, null, 'The server cannot be reached. Check your connection and try again.');
  }
  let data = await readJson(res);
  if (res.status === 403 && UNSAFE.has(m) && (data as Problem | undefined)?.type === 'urn:medcore:problem:csrf') {
    // The token changed (another tab signed in again, say): fetch the current one and retry once.
    const me = await send('GET', '/api/v1/me', undefined, opts.signal);
    const meData = (await readJson(me)) as { csrf_token?: string } | undefined;
    if (me.ok && meData?.csrf_token) {
      csrfToken = meData.csrf_token;
      res = await send(m, url, opts.body, opts.signal, opts.headers);
      data = await readJson(res);
    }
  }
  if (data && typeof data === 'object' && 'csrf_token' in data && typeof (data as { csrf_token: unknown }).csrf_token === 'string') {
    csrfToken = (data as { csrf_token: string }).csrf_token;
  }
  if (!res.ok) {
    const problem = data && typeof data === 'object' && 'type' in data ? (data as Problem) : null;
    const err = new ApiError(res.status, problem, `Request failed (${res.status}).`);
    if (res.status === 401 && err.slug === 'unauthenticated' && !opts.anonymousOk) {
      csrfToken = null;
      onUnauthenticated?.();
    }
    throw err;
  }
  return data as T;
}

/** A typed call: path, method, body, query and answer all checked against docs/openapi.json. */
export function call<M extends Method, P extends PathsFor<M>>(
  method: M,
  path: P,
  opts: CallOptions<Op<P, M>> = {},
): Promise<Success<Op<P, M>>> {
  const url = buildUrl(path, opts.params as Record<string, unknown> | undefined, opts.query as Record<string, unknown> | undefined);
  return rawCall<Success<Op<P, M>>>(method, url, { body: opts.body, anonymousOk: opts.anonymousOk, signal: opts.signal, headers: opts.headers });
}

// The routes the app uses, named. Each is a thin typed wrapper, so pages read like the API docs.
export const api = {
  me: (signal?: AbortSignal) => call('get', '/api/v1/me', { anonymousOk: true, signal }),
  login: (body: Schemas['LoginRequest']) => call('post', '/api/v1/auth/login', { body, anonymousOk: true }),
  signup: (body: Schemas['SignupRequest']) => call('post', '/api/v1/auth/signup', { body, anonymousOk: true }),
  logout: () => call('post', '/api/v1/auth/logout', { anonymousOk: true }),
  updateMe: (body: Schemas['UpdateMeRequest']) => call('patch', '/api/v1/me', { body }),
  changePassword: (body: Schemas['ChangePasswordRequest']) => call('post', '/api/v1/auth/password/change', { body }),
  forgotPassword: (body: Schemas['ForgotPasswordRequest']) => call('post', '/api/v1/auth/password/forgot', { body, anonymousOk: true }),
  resetPassword: (body: Schemas['ResetPasswordRequest']) => call('post', '/api/v1/auth/password/reset', { body, anonymousOk: true }),
  doctors: (query: QueryOf<Op<'/api/v1/doctors', 'get'>>, signal?: AbortSignal) =>
    call('get', '/api/v1/doctors', { query, anonymousOk: true, signal }),
  doctor: (id: number, signal?: AbortSignal) => call('get', '/api/v1/doctors/{id}', { params: { id }, anonymousOk: true, signal }),
  adminDoctors: (query: QueryOf<Op<'/api/v1/admin/doctors', 'get'>>, signal?: AbortSignal) =>
    call('get', '/api/v1/admin/doctors', { query, signal }),
  approveDoctor: (id: number) => call('post', '/api/v1/admin/doctors/{id}/approve', { params: { id } }),
  rejectDoctor: (id: number, reason: string) => call('post', '/api/v1/admin/doctors/{id}/reject', { params: { id }, body: { reason } }),
  suspendDoctor: (id: number, reason: string) => call('post', '/api/v1/admin/doctors/{id}/suspend', { params: { id }, body: { reason } }),
  reinstateDoctor: (id: number) => call('post', '/api/v1/admin/doctors/{id}/reinstate', { params: { id } }),
  audit: (query: QueryOf<Op<'/api/v1/admin/audit', 'get'>>, signal?: AbortSignal) => call('get', '/api/v1/admin/audit', { query, signal }),
  predictionModels: (signal?: AbortSignal) => call('get', '/api/v1/prediction-models', { anonymousOk: true, signal }),
  predictionPrefill: (model: ModelName, signal?: AbortSignal) =>
    call('get', '/api/v1/predictions/{model}/prefill', { params: { model }, signal }),
  predict: (model: ModelName, body: PredictionInput) => call('post', '/api/v1/predictions/{model}', { params: { model }, body }),
  myPredictions: (query: QueryOf<Op<'/api/v1/predictions', 'get'>>, signal?: AbortSignal) =>
    call('get', '/api/v1/predictions', { query, signal }),
  /** A patient's name, date of birth and sex, for the patient or a doctor who treats them (403 otherwise; audited). */
  patient: (id: number, signal?: AbortSignal) => call('get', '/api/v1/patients/{id}', { params: { id }, signal }),
  /** A patient's predictions, for the patient or a doctor who treats them (403 otherwise; audited). */
  patientPredictions: (id: number, query: QueryOf<Op<'/api/v1/patients/{id}/predictions', 'get'>>, signal?: AbortSignal) =>
    call('get', '/api/v1/patients/{id}/predictions', { params: { id }, query, signal }),

  // Appointments (docs/API.md "Appointments").
  slots: (id: number, from: string, to: string, signal?: AbortSignal) =>
    call('get', '/api/v1/doctors/{id}/slots', { params: { id }, query: { from, to }, anonymousOk: true, signal }),
  /** `key` is the Idempotency-Key: the same key for retries of one attempt, so it never books twice. */
  book: (body: Schemas['BookAppointmentRequest'], key: string) => call('post', '/api/v1/appointments', { body, headers: { 'Idempotency-Key': key } }),
  appointments: (query: QueryOf<Op<'/api/v1/appointments', 'get'>>, signal?: AbortSignal) => call('get', '/api/v1/appointments', { query, signal }),
  appointment: (id: number, signal?: AbortSignal) => call('get', '/api/v1/appointments/{id}', { params: { id }, signal }),
  cancelAppointment: (id: number, reason: string) =>
    call('post', '/api/v1/appointments/{id}/cancel', { params: { id }, body: reason.trim() ? { reason: reason.trim() } : {} }),
  reschedule: (id: number, start: string) => call('post', '/api/v1/appointments/{id}/reschedule', { params: { id }, body: { start } }),
  complete: (id: number) => call('post', '/api/v1/appointments/{id}/complete', { params: { id } }),
  noShow: (id: number) => call('post', '/api/v1/appointments/{id}/no-show', { params: { id } }),
  availability: (signal?: AbortSignal) => call('get', '/api/v1/doctor/availability', { signal }),
  setAvailability: (body: Schemas['AvailabilityRequest']) => call('put', '/api/v1/doctor/availability', { body }),
  addException: (body: Schemas['AvailabilityExceptionRequest']) => call('post', '/api/v1/doctor/availability/exceptions', { body }),
  removeException: (id: number) => call('delete', '/api/v1/doctor/availability/exceptions/{id}', { params: { id } }),

  notifications: (signal?: AbortSignal) => call('get', '/api/v1/me/notifications', { signal }),
  setNotifications: (body: Schemas['NotificationPreferencesPatch']) => call('patch', '/api/v1/me/notifications', { body }),

  // Chat (docs/API.md "Chat"); live events go over Socket.IO (src/features/chat/Chat.tsx).
  conversations: (query: QueryOf<Op<'/api/v1/conversations', 'get'>>, signal?: AbortSignal) => call('get', '/api/v1/conversations', { query, signal }),
  startConversation: (body: Schemas['StartConversationRequest']) => call('post', '/api/v1/conversations', { body }),
  conversation: (id: number, signal?: AbortSignal) => call('get', '/api/v1/conversations/{id}', { params: { id }, signal }),
  messages: (id: number, query: QueryOf<Op<'/api/v1/conversations/{id}/messages', 'get'>>, signal?: AbortSignal) =>
    call('get', '/api/v1/conversations/{id}/messages', { params: { id }, query, signal }),

  // Skin lesion analysis (docs/API.md "Skin lesion analysis"). The photo goes as raw bytes with its
  // own Content-Type (image/jpeg, image/png or image/webp); thumbnails are plain <img src> (cookie).
  analyseSkin: (image: Blob, signal?: AbortSignal) => call('post', '/api/v1/skin/analyses', { body: image, signal }),
  skinAnalyses: (query: QueryOf<Op<'/api/v1/skin/analyses', 'get'>>, signal?: AbortSignal) => call('get', '/api/v1/skin/analyses', { query, signal }),
  skinAnalysis: (id: number, signal?: AbortSignal) => call('get', '/api/v1/skin/analyses/{id}', { params: { id }, signal }),
  patientSkinAnalyses: (id: number, query: QueryOf<Op<'/api/v1/patients/{id}/skin-analyses', 'get'>>, signal?: AbortSignal) =>
    call('get', '/api/v1/patients/{id}/skin-analyses', { params: { id }, query, signal }),
  skinModel: (signal?: AbortSignal) => call('get', '/api/v1/skin/model', { anonymousOk: true, signal }),

  // Health readings (docs/API.md "Health readings").
  healthReadings: (query: QueryOf<Op<'/api/v1/health/readings', 'get'>>, signal?: AbortSignal) =>
    call('get', '/api/v1/health/readings', { query, signal }),
  recordReading: (body: HealthReadingInput) => call('post', '/api/v1/health/readings', { body }),
  editReading: (id: number, body: Schemas['HealthReadingPatch']) => call('patch', '/api/v1/health/readings/{id}', { params: { id }, body }),
  deleteReading: (id: number) => call('delete', '/api/v1/health/readings/{id}', { params: { id } }),
  healthSeries: (query: QueryOf<Op<'/api/v1/health/series', 'get'>>, signal?: AbortSignal) =>
    call('get', '/api/v1/health/series', { query, signal }),
  previewImport: (csv: string) => call('post', '/api/v1/health/imports/preview', { body: { csv } }),
  commitImport: (csv: string, lines: number[]) => call('post', '/api/v1/health/imports', { body: { csv, lines } }),
  /** A treating doctor's view of a patient's series (403 otherwise; audited). */
  patientHealthSeries: (id: number, query: QueryOf<Op<'/api/v1/patients/{id}/health/series', 'get'>>, signal?: AbortSignal) =>
    call('get', '/api/v1/patients/{id}/health/series', { params: { id }, query, signal }),
};

/** A random UUID (v4) for an Idempotency-Key; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** One page of a cursor-paginated list (`?limit=&cursor=`). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
