// The create / edit job form, in a modal dialog. Validation is the API's: its
// messages are shown next to each named field (payload.* next to the payload box),
// anything else in the general message at the top.

import { append, h, route } from './dom.js';
import { fmtInZone, fmtJson, timeZones } from './format.js';
import { cronToWords } from './cron-words.js';
import { openModal, toast } from './ui.js';
import { HANDLERS, HANDLER_EXAMPLES } from './handlers.js';
import { schemaFields } from './schema-fields.js';
import { fieldSpec, loadContract, selectOptions, withRange } from './contract.js';

// Words only: each field's range, default and choices are the API's (./contract.js).
const NUMBER_FIELDS = [
  ['priority', 'Priority', 'higher runs first'],
  ['catch_up_window_s', 'Catch-up window (s)', 'catch_up=all: how far back missed runs still run'],
  ['catch_up_max', 'Catch-up max', 'catch_up=all: at most this many missed runs'],
  ['start_jitter_ms', 'Start jitter (ms)', 'scheduled runs start up to this much later'],
  ['max_start_delay_ms', 'Alert if later than (ms)', 'a run starting later than this is an alert'],
  ['max_duration_ms', 'Alert if longer than (ms)', 'a run taking longer than this is an alert'],
  ['max_retries', 'Max retries', 'attempts after the first'],
  ['timeout_ms', 'Timeout (ms)', 'per attempt'],
  ['retry_backoff_ms', 'Retry backoff (ms)', 'first delay, doubles each retry'],
  ['retry_backoff_max_ms', 'Max backoff (ms)', 'cap on the delay'],
  ['max_concurrency', 'Max concurrency', 'runs of this job at once; empty = no cap'],
];
const SELECTS = {
  overlap_policy: ['If the previous run is unfinished', 'when a scheduled occurrence falls due', {
    allow: 'Run anyway (allow)',
    skip: 'Skip that occurrence (skip)',
    buffer_one: 'Run it after the previous one, at most one waiting (buffer_one)',
    cancel_previous: 'Cancel the previous run (cancel_previous)',
  }],
  catch_up: ['After downtime or a pause', 'what happens to the occurrences missed', {
    latest: 'Run the most recent one (latest)',
    none: 'Record them skipped (none)',
    all: 'Run them, within the window (all)',
  }],
  dst_gap: ['Time missing on a DST change', 'fixed hours only, e.g. 02:30 on a spring-forward day', {
    shift: 'Run when the clocks jump (shift)',
    skip: 'Skip that day (skip)',
  }],
  dst_overlap: ['Time repeated on a DST change', 'fixed hours only, e.g. 02:30 on a fall-back day', {
    first: 'Run at its first instance (first)',
    twice: 'Run both instances (twice)',
  }],
};
const FIELDS = ['name', 'description', 'handler', 'pool', 'schedule', 'run_at', 'timezone', ...Object.keys(SELECTS), 'notify_url', 'payload', ...NUMBER_FIELDS.map((f) => f[0])];
const PREVIEW_COUNT = 5;
const PREVIEW_DELAY_MS = 300;

let uid = 0;
let opening = false;

/** openJobForm(ctx, {job?, onSaved(job)}) - job given = edit, else create. */
export async function openJobForm(ctx, opts = {}) {
  if (opening) return null; // a second click while the API's document loads
  opening = true;
  try {
    const schemas = await loadContract(ctx.api);
    return buildJobForm(ctx, opts, (name) => fieldSpec(schemas, 'JobCreate', name));
  } finally {
    opening = false;
  }
}

function buildJobForm(ctx, { job = null, onSaved = () => {} } = {}, spec) {
  const editing = Boolean(job);
  const n = ++uid;
  const inputs = {};
  const errors = {};

  function field(name, label, control, help) {
    const id = `jf-${n}-${name}`;
    control.id = id;
    control.name = name;
    const errId = `${id}-err`;
    control.setAttribute('aria-describedby', help ? `${id}-help ${errId}` : errId);
    inputs[name] = control;
    errors[name] = h('div', { class: 'field-error', id: errId, hidden: true });
    return h('div', { class: ['field', `field-${name}`] },
      h('label', { for: id }, label),
      control,
      help ? h('div', { class: 'help', id: `${id}-help` }, help) : null,
      errors[name]);
  }

  const v = (key, fallback = '') => (job && job[key] !== null && job[key] !== undefined ? job[key] : fallback);
  const handlersList = `jf-${n}-handlers`;
  const zonesList = `jf-${n}-zones`;
  const schedulePreview = h('span', { 'data-testid': 'schedule-preview' });
  // The next runs as the API computes them (zone, DST rules), refreshed as you type.
  const nextRuns = h('ol', { class: 'upcoming', 'data-testid': 'schedule-next-runs', 'aria-live': 'polite' });
  let previewTimer = null;
  let previewSeq = 0;
  const previewSchedule = () => {
    const expr = inputs.schedule.value.trim();
    schedulePreview.textContent = expr ? `→ ${cronToWords(expr)}` : 'No schedule: runs only when triggered.';
    clearTimeout(previewTimer);
    if (!expr) { nextRuns.replaceChildren(); return; }
    previewTimer = setTimeout(() => fetchNextRuns(expr), PREVIEW_DELAY_MS);
  };
  async function fetchNextRuns(schedule) {
    const seq = ++previewSeq;
    const body = {
      schedule,
      timezone: inputs.timezone.value.trim() || 'UTC',
      dst_gap: inputs.dst_gap.value,
      dst_overlap: inputs.dst_overlap.value,
      count: PREVIEW_COUNT,
    };
    try {
      const answer = await ctx.api.previewSchedule(body);
      if (seq !== previewSeq) return; // a newer keystroke's answer wins
      nextRuns.replaceChildren(...answer.items.map((run) => h('li', { 'data-testid': 'schedule-next-run' },
        h('span', null, fmtInZone(run.at, body.timezone)), ' ', h('span', { class: 'muted small' }, `UTC${run.utc_offset}`))));
    } catch (err) {
      if (seq !== previewSeq || err.status === 401) return;
      const fields = err.fields || {};
      const problem = fields.schedule || fields.timezone || err.message;
      nextRuns.replaceChildren(h('li', { class: 'muted', 'data-testid': 'schedule-next-runs-error' }, problem));
    }
  }
  let lastExample = editing ? null : fmtJson(HANDLER_EXAMPLES['test.echo']);

  // The catalog (GET /handlers): names for the list, and each handler's payload schema.
  let catalog = {};
  let schema = null;
  const schemaBox = h('div', { class: 'schema-box', 'data-testid': 'payload-schema' });
  const handlerOptions = h('datalist', { id: handlersList }, HANDLERS.map((x) => h('option', { value: x })));
  const handlerHelp = h('span', { 'data-testid': 'handler-help' }, 'built-in: ' + HANDLERS.join(', '));

  const formError = h('div', { class: 'form-error', role: 'alert', 'data-testid': 'form-error', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'job-form-submit' }, editing ? 'Save changes' : 'Create job');
  const cancel = h('button', { type: 'button', class: 'btn', 'data-testid': 'job-form-cancel', on: { click: () => modal.close() } }, 'Cancel');

  const form = h('form', { class: 'job-form', 'data-testid': 'job-form', novalidate: true, on: { submit: onSubmit } },
    formError,
    h('div', { class: 'form-grid' },
      field('name', 'Name', h('input', { type: 'text', value: v('name'), autocomplete: 'off', spellcheck: 'false', required: true })),
      field('handler', 'Handler', h('input', {
        type: 'text', value: v('handler', editing ? '' : 'test.echo'), list: handlersList, autocomplete: 'off', spellcheck: 'false',
        on: { change: onHandlerChange },
      }), handlerHelp),
      field('pool', 'Pool', h('input', {
        type: 'text', value: v('pool'), placeholder: 'the handler’s pool', autocomplete: 'off', spellcheck: 'false',
      }), 'the workers that run it (WORKER_POOLS)'),
      field('description', 'Description', h('textarea', { rows: 2, value: v('description') })),
      field('schedule', 'Schedule (cron)', h('input', {
        type: 'text', value: v('schedule'), placeholder: 'e.g. */5 * * * *  — empty = trigger only', autocomplete: 'off', spellcheck: 'false',
        class: 'mono', on: { input: previewSchedule },
      }), h('span', null, schedulePreview, nextRuns)),
      field('run_at', 'Run once at', h('input', {
        type: 'text', value: v('run_at'), placeholder: 'ISO time, e.g. 2026-12-24T18:00:00Z', autocomplete: 'off', spellcheck: 'false', class: 'mono',
      }), 'a one-off job instead of a schedule'),
      field('timezone', 'Time zone', h('input', {
        type: 'text', value: v('timezone', 'UTC'), list: zonesList, autocomplete: 'off', spellcheck: 'false', on: { input: previewSchedule },
      }), 'IANA name, e.g. Europe/Paris'),
      field('notify_url', 'Notify URL', h('input', {
        type: 'url', value: v('notify_url'), placeholder: 'https://…  alerts, failures, dead letters', autocomplete: 'off', spellcheck: 'false',
      }), 'signed with the job’s secret (X-Jobsched-Signature)'),
      Object.entries(SELECTS).map(([name, [label, help, words]]) => {
        const options = selectOptions(spec(name), words);
        return field(name, label,
          h('select', { value: v(name, spec(name).default ?? options[0][0]), on: { change: previewSchedule } },
            options.map(([value, text]) => h('option', { value }, text))), help);
      }),
      NUMBER_FIELDS.map(([name, label, help]) => field(name, label, h('input', {
        type: 'number', inputmode: 'numeric', step: 1, min: spec(name).min, max: spec(name).max, value: job ? String(v(name)) : '',
        placeholder: editing ? '' : 'default',
      }), withRange(help, spec(name)))),
      schemaBox,
      field('payload', 'Payload (JSON object)', h('textarea', {
        rows: 8, class: 'mono', spellcheck: 'false',
        value: editing ? fmtJson(v('payload', {})) : lastExample,
        on: { input: () => schema && schema.sync() },
      }), h('span', null, 'Checked by the handler when you save. ', h('button', {
        type: 'button', class: 'link-btn', 'data-testid': 'payload-format', on: { click: formatPayload },
      }, 'Format JSON')))),
    handlerOptions,
    h('datalist', { id: zonesList }, timeZones().map((z) => h('option', { value: z }))),
    h('div', { class: 'form-actions' }, cancel, submit));
  if (!editing && spec('priority').default !== null) inputs.priority.placeholder = String(spec('priority').default);
  previewSchedule();
  loadCatalog();

  const modal = openModal({
    title: editing ? `Edit job` : 'New job',
    testid: 'job-dialog',
    body: form,
    wide: true,
    initialFocus: inputs.name,
    onClose: () => clearTimeout(previewTimer),
  });

  async function loadCatalog() {
    try {
      const page = await ctx.api.listHandlers();
      catalog = Object.fromEntries(page.items.map((x) => [x.name, x]));
    } catch (err) {
      return; // the built-in list and the JSON box still work
    }
    handlerOptions.replaceChildren(...Object.keys(catalog).map((x) => h('option', { value: x })));
    buildSchema();
  }

  function readPayload() {
    try {
      const value = JSON.parse(inputs.payload.value.trim() || '{}');
      return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
    } catch (err) {
      return null;
    }
  }

  /** Payload fields for the handler's schema, and what the catalog says of it. */
  function buildSchema() {
    const entry = catalog[inputs.handler.value.trim()];
    schema = null;
    schemaBox.replaceChildren();
    if (!entry) {
      handlerHelp.textContent = Object.keys(catalog).length ? 'not in the catalog: no worker has published it' : handlerHelp.textContent;
      return;
    }
    const served = entry.workers.length ? `served by ${entry.workers.length} worker(s)` : 'no live worker serves it: its runs will wait';
    handlerHelp.textContent = [entry.description, `pool ${entry.pool}, ${entry.isolation}`, served].filter(Boolean).join(' · ');
    inputs.pool.placeholder = `${entry.pool} (the handler’s)`;
    if (!entry.schema) return;
    schema = schemaFields({
      schema: entry.schema,
      idPrefix: `jf-${n}-payload`,
      read: readPayload,
      write: (payload) => { inputs.payload.value = fmtJson(payload); },
    });
    if (schema.element) schemaBox.append(schema.element);
  }

  function onHandlerChange() {
    buildSchema();
    if (editing) return;
    const example = HANDLER_EXAMPLES[inputs.handler.value.trim()];
    const current = inputs.payload.value.trim();
    if (example && (!current || current === '{}' || current === lastExample)) {
      lastExample = fmtJson(example);
      inputs.payload.value = lastExample;
    }
  }

  function formatPayload() {
    try {
      inputs.payload.value = fmtJson(JSON.parse(inputs.payload.value || '{}'));
      showErrors({});
    } catch (err) {
      showErrors({ payload: `is not valid JSON: ${err.message}` });
    }
  }

  function clearErrors() {
    formError.hidden = true;
    formError.replaceChildren();
    for (const box of schemaBox.querySelectorAll('.field-error')) {
      box.hidden = true;
      box.replaceChildren();
    }
    for (const name of FIELDS) {
      errors[name].hidden = true;
      errors[name].replaceChildren();
      errors[name].removeAttribute('data-testid');
      inputs[name].removeAttribute('aria-invalid');
    }
  }

  /** fields: {"priority": "...", "payload.url": "..."}; message: general text. */
  function showErrors(fields, message = '') {
    clearErrors();
    const general = [];
    let first = null;
    for (const [key, problem] of Object.entries(fields || {})) {
      const base = key.split(/[.[]/)[0];
      const own = key.startsWith('payload.') && schema ? schema.errorBox(key.slice(8)) : null;
      if (own) {
        own.hidden = false;
        own.replaceChildren(problem);
      }
      if (!FIELDS.includes(base)) { general.push(`${key}: ${problem}`); continue; }
      const box = errors[base];
      box.hidden = false;
      box.setAttribute('data-testid', `field-error-${base}`);
      box.append(key === base
        ? h('div', null, problem)
        : h('div', { 'data-testid': `field-error-${key}` }, h('code', null, key), ': ', problem));
      inputs[base].setAttribute('aria-invalid', 'true');
      if (!first || FIELDS.indexOf(base) < FIELDS.indexOf(first)) first = base;
    }
    if (message || general.length) {
      formError.hidden = false;
      append(formError, message ? h('div', { class: 'form-error-msg' }, message) : null,
        general.length ? h('ul', null, general.map((g) => h('li', null, g))) : null);
    }
    return first;
  }

  function numberValue(raw) {
    const t = String(raw).trim();
    if (t === '') return undefined;
    const num = Number(t);
    return Number.isNaN(num) ? t : num;
  }

  function collect() {
    const body = {};
    body.name = inputs.name.value;
    body.description = inputs.description.value;
    body.handler = inputs.handler.value.trim();
    const pool = inputs.pool.value.trim();
    if (pool !== '') body.pool = pool;
    else if (editing) body.pool = null; // back to the handler's pool
    const schedule = inputs.schedule.value.trim();
    body.schedule = schedule === '' ? null : schedule;
    const tz = inputs.timezone.value.trim();
    if (tz !== '') body.timezone = tz;
    for (const name of Object.keys(SELECTS)) body[name] = inputs[name].value;
    const notifyUrl = inputs.notify_url.value.trim();
    body.notify_url = notifyUrl === '' ? null : notifyUrl;
    const runAt = inputs.run_at.value.trim();
    body.run_at = runAt === '' ? null : runAt;
    for (const [name] of NUMBER_FIELDS) {
      const val = numberValue(inputs[name].value);
      if (val !== undefined) body[name] = val;
      else if (inputs[name].validity && inputs[name].validity.badInput) body[name] = 'not a number';
      else if (name === 'max_concurrency' && editing) body[name] = null; // cleared: no cap
    }
    const text = inputs.payload.value.trim();
    try {
      body.payload = text === '' ? {} : JSON.parse(text);
    } catch (err) {
      return { error: { payload: `is not valid JSON: ${err.message}` } };
    }
    return { body };
  }

  async function onSubmit(e) {
    e.preventDefault();
    const { body, error } = collect();
    if (error) {
      showErrors(error, 'Fix the payload JSON before saving.');
      inputs.payload.focus();
      return;
    }
    submit.disabled = true;
    const label = submit.textContent;
    submit.textContent = 'Saving…';
    try {
      const saved = editing ? await ctx.api.updateJob(job.id, body) : await ctx.api.createJob(body);
      modal.close();
      toast(editing ? `Saved “${saved.name}”` : `Created “${saved.name}”`, {
        kind: 'success', link: saved && saved.id ? { href: route('jobs', saved.id), text: 'Open' } : null,
      });
      onSaved(saved);
    } catch (err) {
      if (err.status === 401) return;
      const first = showErrors(err.fields, `Not saved: ${err.message || 'the API refused the job'}`);
      (first ? inputs[first] : formError).focus?.();
      if (!first) formError.scrollIntoView({ block: 'nearest' });
    } finally {
      if (submit.isConnected) {
        submit.disabled = false;
        submit.textContent = label;
      }
    }
  }

  return modal;
}
