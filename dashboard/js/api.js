// The REST API client: one place that knows the URL, the key and the error shape.

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0 when the API could not be reached)
   * @param {string} code   error.code from the API ("validation_error", "not_found", ...)
   * @param {string} message
   * @param {Object<string,string>} fields per-field problems ("payload.url": "is required")
   */
  constructor(status, code, message, fields = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields || {};
  }
}

const KEY_STORAGE = 'jobsched.apiKey';

export const auth = {
  get key() {
    try { return sessionStorage.getItem(KEY_STORAGE) || ''; } catch { return ''; }
  },
  set key(value) {
    try {
      if (value) sessionStorage.setItem(KEY_STORAGE, value);
      else sessionStorage.removeItem(KEY_STORAGE);
    } catch { /* storage disabled: key lives only in memory via the page */ }
  },
};

function queryString(query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

const enc = encodeURIComponent;

/**
 * createApi({baseUrl, onUnauthorized}) -> client
 * onUnauthorized(message) is called on every 401 (the app signs out).
 */
export function createApi({ baseUrl, onUnauthorized }) {
  const base = String(baseUrl || '').replace(/\/+$/, '');

  async function request(method, path, { query, body, signal, key } = {}) {
    const headers = { Accept: 'application/json' };
    const token = key ?? auth.key;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(base + path + queryString(query), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        cache: 'no-store',
      });
    } catch (err) {
      if (err && err.name === 'AbortError') throw err;
      throw new ApiError(0, 'network', `Cannot reach the API at ${base}`);
    }
    if (res.status === 204) return null;
    let data = null;
    const text = await res.text();
    if (text) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
    if (!res.ok) {
      const e = (data && data.error) || {};
      const err = new ApiError(
        res.status,
        e.code || `http_${res.status}`,
        e.message || `${method} ${path} failed with HTTP ${res.status}`,
        e.fields,
      );
      if (res.status === 401 && key === undefined && onUnauthorized) onUnauthorized(err.message);
      throw err;
    }
    return data;
  }

  const get = (path, opts) => request('GET', path, opts);
  const post = (path, body, opts = {}) => request('POST', path, { ...opts, body });

  return {
    base,
    request,
    // jobs
    listJobs: (query, opts) => get('/jobs', { ...opts, query }),
    /** query: {include: 'executions', executions_limit} adds the job's latest executions. */
    getJob: (id, query, opts) => get(`/jobs/${enc(id)}`, { ...opts, query }),
    createJob: (body) => post('/jobs', body),
    updateJob: (id, body) => request('PUT', `/jobs/${enc(id)}`, { body }),
    deleteJob: (id) => request('DELETE', `/jobs/${enc(id)}`),
    pauseJob: (id) => post(`/jobs/${enc(id)}/pause`),
    resumeJob: (id) => post(`/jobs/${enc(id)}/resume`),
    triggerJob: (id, body) => post(`/jobs/${enc(id)}/trigger`, body),
    listJobExecutions: (id, query, opts) => get(`/jobs/${enc(id)}/executions`, { ...opts, query }),
    /** query: {since, until, limit}: what became of each expected occurrence. */
    jobOccurrences: (id, query, opts) => get(`/jobs/${enc(id)}/occurrences`, { ...opts, query }),
    backfillJob: (id, body) => post(`/jobs/${enc(id)}/backfill`, body),
    /** body: {schedule, timezone, dst_gap, dst_overlap, count}: an unsaved schedule's next runs. */
    previewSchedule: (body, opts) => post('/schedules/preview', body, opts),
    // executions
    listExecutions: (query, opts) => get('/executions', { ...opts, query }),
    getExecution: (id, opts) => get(`/executions/${enc(id)}`, opts),
    cancelExecution: (id) => post(`/executions/${enc(id)}/cancel`),
    retryExecution: (id) => post(`/executions/${enc(id)}/retry`),
    // workflows
    /** query: {name, limit, cursor} */
    listWorkflows: (query, opts) => get('/workflows', { ...opts, query }),
    getWorkflow: (id, opts) => get(`/workflows/${enc(id)}`, opts),
    /** query: {status, limit, cursor}: newest first. */
    listWorkflowRuns: (id, query, opts) => get(`/workflows/${enc(id)}/runs`, { ...opts, query }),
    triggerWorkflow: (id, body) => post(`/workflows/${enc(id)}/trigger`, body),
    getWorkflowRun: (id, opts) => get(`/workflow-runs/${enc(id)}`, opts),
    cancelWorkflowRun: (id) => post(`/workflow-runs/${enc(id)}/cancel`),
    retryWorkflowRun: (id) => post(`/workflow-runs/${enc(id)}/retry`),
    // calendars
    /** query: {limit, cursor}: by name. */
    listCalendars: (query, opts) => get('/calendars', { ...opts, query }),
    getCalendar: (name, opts) => get(`/calendars/${enc(name)}`, opts),
    /** query: {since, until} (YYYY-MM-DD, included): each day, business or not, and why not. */
    calendarDays: (name, query, opts) => get(`/calendars/${enc(name)}/days`, { ...opts, query }),
    /** query: {count}: the next start times, each with `reason` when moved or deferred. */
    jobNextRuns: (id, query, opts) => get(`/jobs/${enc(id)}/next-runs`, { ...opts, query }),
    /** query: {at}: what did or will happen to the occurrence at `at`, and why. */
    explainJob: (id, query, opts) => get(`/jobs/${enc(id)}/explain`, { ...opts, query }),
    /** query: {job_id}: the job's flow-control keys (running, waiting, limited_by, next_start_at). */
    flow: (query, opts) => get('/flow', { ...opts, query }),
    // system
    metrics: (opts) => get('/metrics', opts),
    executionMetrics: (query, opts) => get('/metrics/executions', { ...opts, query }),
    listWorkers: (query, opts) => get('/workers', { ...opts, query }),
    /** The handler catalog: name, description, schema, pool, isolation, workers. */
    listHandlers: (opts) => get('/handlers', opts),
    listDeadLetters: (query, opts) => get('/dead-letter', { ...opts, query }),
    getDeadLetter: (id, opts) => get(`/dead-letter/${enc(id)}`, opts),
    redriveDeadLetter: (id) => post(`/dead-letter/${enc(id)}/redrive`),
    deleteDeadLetter: (id) => request('DELETE', `/dead-letter/${enc(id)}`),
    /** query: {action, target_type, target_id, key_id, since, until, limit, cursor} */
    listAudit: (query, opts) => get('/audit', { ...opts, query }),
    // API keys
    me: (opts) => get('/keys/me', opts),
    listKeys: (opts) => get('/keys', opts),
    /** body: {name, scope, rate_limit_per_minute?}; the answer's `key` is shown only once. */
    createKey: (body) => post('/keys', body),
    revokeKey: (id) => request('DELETE', `/keys/${enc(id)}`),
    /** Check a key without signing anybody out on 401; resolves to the key's GET /keys/me. */
    checkKey: (key) => request('GET', '/keys/me', { key }),
  };
}
