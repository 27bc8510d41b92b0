// The API contract as the tests check it: every answer the harness's api() receives is matched to
// its operation in docs/openapi.json (method + path template) and its body validated against the
// schema documented for its status and content type. A mismatch fails the test that made the
// request, with the operation, the status and the schema errors in the message — so the document
// is tested, not just its list of paths.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const OPENAPI_FILE = path.join(REPO_ROOT, 'docs', 'openapi.json');
export const openapi = JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8'));

const DOC_ID = 'openapi.json';
// OpenAPI 3.1 schemas are JSON Schema 2020-12. strict: false because the document carries
// OpenAPI's own keywords (discriminator with a mapping, which Ajv cannot evaluate, and example);
// oneOf decides what discriminator only names.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
// The server accepts internationalised addresses in one script (RFC 6531, e.g. иван@пример.рф), so
// the document says idn-email, which ajv-formats does not define: one @, no white space, a dotted
// domain — the shape, while the server's own checks (UTS #39 look-alikes) stay the server's.
ajv.addFormat('idn-email', /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u);
ajv.addSchema(openapi, DOC_ID);

// The router answers these on any path it knows, so the document states them once (info.description)
// rather than on every operation.
const ROUTER_LEVEL = new Set(['404', '405', '431']);

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];
const pointer = (...parts) => parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

function resolveRef(obj) {
  let o = obj;
  while (o && o.$ref) {
    const segments = o.$ref.replace(/^#\//, '').split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    o = segments.reduce((node, s) => node?.[s], openapi);
  }
  return o;
}

// Path templates as regular expressions, the most literal first: /appointments/{id}.ics before
// /appointments/{id}, /skin/model before /skin/analyses/{id}.
export const operations = [];
for (const [template, item] of Object.entries(openapi.paths)) {
  const params = (template.match(/\{[^}]+\}/g) || []).length;
  const re = new RegExp('^' + template.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('([^/]+)') + '$');
  for (const method of METHODS) {
    if (item[method]) operations.push({ method: method.toUpperCase(), template, re, params, op: item[method], item });
  }
}
operations.sort((a, b) => a.params - b.params || b.template.length - a.template.length);

export function findOperation(method, urlPath) {
  const p = urlPath.split('?')[0];
  return operations.find((o) => o.method === method && o.re.test(p)) || null;
}

const validators = new Map();
function validatorFor(ref) {
  let v = validators.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: ref });
    validators.set(ref, v);
  }
  return v;
}

// Whether a value satisfies a (resolved, self-contained) schema: what a request field accepts.
const valueValidators = new Map();
export function conforms(schema, value) {
  const key = JSON.stringify(schema);
  let v = valueValidators.get(key);
  if (!v) {
    v = ajv.compile(schema);
    valueValidators.set(key, v);
  }
  return v(value);
}

const mediaType = (ct) => (ct || '').split(';')[0].trim().toLowerCase();

/**
 * What is wrong with this answer according to docs/openapi.json: an empty list when it conforms
 * (or when the request names no documented operation — unknown paths and methods are the router's).
 * res: { status, headers (Headers), json, text, body (Buffer) }.
 */
export function contractIssues(method, urlPath, res) {
  const found = findOperation(method, urlPath);
  if (!found) return [];
  const { template, op } = found;
  const status = String(res.status);
  const issues = [];
  let response = op.responses?.[status] ?? op.responses?.[`${status[0]}XX`] ?? op.responses?.default;
  let responsePath = null;
  if (response) {
    const key = op.responses[status] ? status : op.responses[`${status[0]}XX`] ? `${status[0]}XX` : 'default';
    responsePath = ['paths', template, method.toLowerCase(), 'responses', key];
  } else if (ROUTER_LEVEL.has(status)) {
    response = { content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    responsePath = null;
  } else {
    return [`status ${status} is not documented for ${method} ${template} (documented: ${Object.keys(op.responses || {}).join(', ')})`];
  }
  if (response.$ref) {
    responsePath = response.$ref.replace(/^#\//, '').split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    response = resolveRef(response);
  }
  const got = mediaType(res.headers.get('content-type'));
  const content = response.content || {};
  const documented = Object.keys(content);
  if (method === 'HEAD' || res.status === 204 || res.status === 304) {
    if (res.body?.length) issues.push(`${status} must have no body, got ${res.body.length} bytes`);
    return issues;
  }
  if (!documented.length) {
    if (res.body?.length) issues.push(`${status} is documented without a body, got ${got || 'no content-type'}: ${res.text.slice(0, 200)}`);
    return issues;
  }
  const key = documented.find((k) => mediaType(k) === got)
    ?? documented.find((k) => k.endsWith('/*') && got.startsWith(k.slice(0, -1)));
  if (!key) {
    issues.push(`${status} content-type ${got || '(none)'} is not documented (documented: ${documented.join(', ')})`);
    return issues;
  }
  if (!/[/+]json$/.test(mediaType(key))) return issues; // text, calendars, images: the media type is the contract
  if (res.json === undefined) {
    issues.push(`${status} ${got} body is not JSON: ${res.text.slice(0, 200)}`);
    return issues;
  }
  const schema = content[key].schema;
  if (!schema) return issues;
  const ref = responsePath
    ? `${DOC_ID}#/${pointer(...responsePath, 'content', key, 'schema')}`
    : `${DOC_ID}#/components/schemas/Problem`;
  const validate = validatorFor(ref);
  if (!validate(res.json)) {
    for (const e of validate.errors.slice(0, 8)) {
      issues.push(`body${e.instancePath || ''} ${e.message}${e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''} (schema ${e.schemaPath})`);
    }
  }
  return issues;
}
