// Job Scheduler operator dashboard: boot, sign-in gate, hash router, page shell.
//
// Test ids (data-testid) - stable hooks for browser tests:
//   shell      nav-overview nav-jobs nav-workflows nav-executions nav-workers nav-dead-letter nav-audit
//              nav-keys (admin keys only; nav-workers: operate and above) whoami[data-scope] (the key's name and scope)
//              signout live-status conn-error page-title toast
//   sign-in    signin-form signin-key signin-submit signin-error signin-message
//   overview   metric-<name> (value elements, raw number in data-value): metric-jobs-total
//              metric-jobs-scheduled metric-jobs-paused metric-queue-ready metric-queue-in-flight
//              metric-queue-delayed metric-dead-letter metric-workers-total metric-workers-stale
//              metric-leader metric-leader-ttl metric-throughput-last-minute
//              metric-throughput-last-5-minutes metric-throughput-last-hour
//              metric-failure-rate-last-5-minutes metric-failure-rate-last-hour
//              metric-duration-p50 metric-duration-p95 metric-duration-p99
//              metric-executions-<STATUS> throughput-chart
//              metrics-health metrics-queue metrics-throughput metrics-duration (groups)
//   jobs       jobs-table jobs-total job-row[data-job-name][data-job-id][data-status] job-link
//              job-status jobs-search jobs-filter-status jobs-filter-handler jobs-sort job-create
//              job-pause job-resume job-trigger job-edit job-delete
//   job form   job-dialog job-form (inputs named like the API fields: name description handler schedule
//              timezone priority max_retries timeout_ms retry_backoff_ms retry_backoff_max_ms
//              payload) field-error-<field> (also field-error-payload.<key>) form-error
//              schedule-preview payload-format job-form-submit job-form-cancel
//   job detail job-detail back-to-jobs job-name job-status job-field-<field> job-schedule
//              job-schedule-words upcoming-runs upcoming-run job-edit job-pause job-resume
//              job-trigger job-trigger-custom job-delete trigger-dialog trigger-form
//              trigger-payload trigger-priority trigger-submit job-executions-total
//              job-executions-shown job-executions-more job-executions-all
//   executions executions-table executions-total execution-row[data-status][data-execution-id]
//              execution-status execution-job execution-expand row-detail execution-detail
//              execution-open execution-workflow-run (a step's: back to its run, the step open)
//              attempts-table attempt-row[data-outcome] execution-payload
//              execution-result execution-error execution-cancel execution-retry
//              executions-filter-status executions-filter-handler
//              (on #/executions/<id> the action bar is the execution-row[data-status])
//   workflows  workflows-table workflows-total workflows-search workflow-row[data-workflow-name]
//              [data-workflow-id][data-status] workflow-link workflow-status workflow-last-run
//              workflow-trigger; workflow page: workflow-detail workflow-name back-to-workflows
//              workflow-field-<field> workflow-runs-table workflow-runs-total
//              workflow-run-row[data-run-id][data-status] workflow-run-link workflow-run-status
//   wf run     workflow-run workflow-run-title workflow-run-status workflow-run-workflow
//              workflow-run-cancel workflow-run-retry workflow-run-input wf-graph wf-legend
//              wf-step[data-step-id][data-status] (class step-<status>) wf-step-status wf-edge[data-from][data-to]
//              wf-step-reasons wf-step-reason[data-step-id] wf-step-panel[data-step-id]
//              wf-step-panel-id wf-step-panel-status wf-step-panel-reason wf-step-items
//              wf-step-executions wf-step-execution[data-status][data-execution-id]
//              wf-execution-attempt wf-execution-error wf-execution-result wf-execution-open wf-step-no-executions
//   flow       (job page) job-flow flow-controls flow-control[data-control] flow-total flow-table
//              flow-row[data-key][data-limited-by] flow-running flow-waiting flow-limited-by
//              flow-next-start; a waiting run's reason: execution-waiting (executions table)
//   month      (job page, for a job with a calendar, windows, blackouts or a business-day rule;
//              and #/calendars/<name>) job-month month-title month-prev month-next month-zone
//              month-legend month-grid month-day[data-date][data-kind=business|weekend|holiday|plain]
//              month-day-button month-day-reason (a holiday's name) month-day-window
//              month-day-blackout month-occurrence[data-outcome][data-at] month-explain
//              month-explain-outcome[data-outcome] month-explain-reason month-explain-day
//              month-explain-run month-next-runs month-next-run month-truncated
//   calendars  (#/calendars: linked from a job's month, month-calendar-link; not in the nav) calendars-table calendar-row[data-calendar-name] calendar-link calendar-holidays
//              calendar-detail calendar-name
//   workers    workers-table worker-row[data-worker-id][data-stale] worker-load worker-heartbeat
//              worker-stale workers-summary workers-forbidden
//   DLQ        dlq-table dlq-row[data-dlq-id] dlq-inspect dlq-detail dlq-payload dlq-error
//              dlq-redrive dlq-delete dlq-total
//   audit      audit-table audit-total audit-row[data-action][data-target-type][data-target-id]
//              [data-key-id] audit-expand audit-key audit-action audit-target audit-summary
//              audit-detail audit-changes audit-change-row[data-field] audit-before audit-after
//              audit-filter-action audit-filter-target-type audit-filter-key audit-filter-target
//              job-history (job page: link to the job's audit entries)
//   keys       keys-table keys-total key-row[data-key-id][data-key-name][data-scope] key-revoke
//              key-form (inputs name, scope, rate_limit_per_minute) key-create-submit
//              key-created key-secret key-copy key-secret-done keys-forbidden
//              field-error-<field> form-error
//   scopes     actions the signed-in key's scope does not allow are not rendered at all:
//              operate: job-pause job-resume job-trigger job-trigger-custom execution-cancel
//              execution-retry dlq-redrive dlq-delete workflow-trigger workflow-run-cancel
//              workflow-run-retry; admin: job-create job-edit job-delete
//   shared     confirm-dialog confirm-yes confirm-no dialog-close pagination-prev pagination-next
//              pagination-info table-empty toasts
//
// Refresh: each page polls its main resource every 1.5 s (js/poller.js): one request per
// tick (the job page: GET /jobs/{id}?include=executions), never overlapping, paused
// while the tab is hidden, kicked right after an action. The overview chart: every 10 s.

import { h, logo, setChildren } from './js/dom.js';
import { auth, createApi } from './js/api.js';
import { can, rankScopes, session } from './js/access.js';
import { loadContract, rankedScopes } from './js/contract.js';
import { Poller, liveStatus } from './js/poller.js';
import { closeAllDialogs, startClock, toast } from './js/ui.js';
import { fmtTime } from './js/format.js';
import * as overview from './js/pages/overview.js';
import * as jobs from './js/pages/jobs.js';
import * as jobDetail from './js/pages/job-detail.js';
import * as executions from './js/pages/executions.js';
import * as executionDetail from './js/pages/execution-detail.js';
import * as workers from './js/pages/workers.js';
import * as deadLetter from './js/pages/dead-letter.js';
import * as audit from './js/pages/audit.js';
import * as signin from './js/pages/signin.js';
import * as keys from './js/pages/keys.js';
import * as workflows from './js/pages/workflows.js';
import * as workflowDetail from './js/pages/workflow-detail.js';
import * as workflowRun from './js/pages/workflow-run.js';
import * as calendars from './js/pages/calendars.js';

const DEFAULT_CONFIG = { apiUrl: 'http://127.0.0.1:3001/api/v1' };

const NAV = [
  ['overview', 'Overview', '#/overview'],
  ['jobs', 'Jobs', '#/jobs'],
  ['workflows', 'Workflows', '#/workflows'],
  ['executions', 'Executions', '#/executions'],
  ['workers', 'Workers', '#/workers'],
  ['dead-letter', 'Dead letter', '#/dead-letter'],
  ['audit', 'Audit', '#/audit'],
  ['keys', 'Keys', '#/keys'],
];

/** [pattern segments, page module, nav section] */
const ROUTES = [
  [[], overview, 'overview'],
  [['overview'], overview, 'overview'],
  [['jobs'], jobs, 'jobs'],
  [['jobs', ':id'], jobDetail, 'jobs'],
  [['workflows'], workflows, 'workflows'],
  [['workflows', ':id'], workflowDetail, 'workflows'],
  [['workflow-runs', ':id'], workflowRun, 'workflows'],
  [['calendars'], calendars, 'calendars'],
  [['calendars', ':name'], calendars, 'calendars'],
  [['executions'], executions, 'executions'],
  [['executions', ':id'], executionDetail, 'executions'],
  [['workers'], workers, 'workers'],
  [['dead-letter'], deadLetter, 'dead-letter'],
  [['audit'], audit, 'audit'],
  [['keys'], keys, 'keys'],
  [['signin'], signin, null],
];

const state = { api: null, config: null, current: null, flash: '' };

/* ---------- hash routing ---------- */

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  const query = Object.fromEntries(new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)));
  const segments = path.split('/').filter(Boolean).map((p) => {
    try { return decodeURIComponent(p); } catch { return p; }
  });
  return { path, segments, query };
}

function match(segments) {
  for (const [pattern, page, section] of ROUTES) {
    if (pattern.length !== segments.length) continue;
    const params = {};
    if (pattern.every((p, i) => (p.startsWith(':') ? ((params[p.slice(1)] = segments[i]), true) : p === segments[i]))) {
      return { page, section, params };
    }
  }
  return null;
}

export function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

/** Replace the query part of the current hash without a navigation (filters, paging). */
function setQuery(path, query) {
  const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '' && v !== null && v !== undefined)).toString();
  history.replaceState(history.state, '', `#/${path}${qs ? `?${qs}` : ''}`);
}

/* ---------- shell ---------- */

const shell = {};

function buildShell() {
  const app = document.getElementById('app');
  shell.nav = h('nav', { class: 'nav', 'aria-label': 'Main' },
    NAV.map(([id, label, href]) => h('a', { href, 'data-testid': `nav-${id}`, dataset: { section: id } }, label)));
  shell.live = h('span', { class: 'live', 'data-testid': 'live-status', role: 'status' }, h('i', { class: 'dot' }), h('span', { class: 'live-text' }, 'Connecting…'));
  shell.signout = h('button', {
    type: 'button', class: 'btn btn-sm btn-ghost', 'data-testid': 'signout',
    on: { click: () => { auth.key = ''; session.me = null; state.flash = 'Signed out.'; navigate('#/signin'); } },
  }, 'Sign out');
  shell.whoami = h('span', { class: 'whoami', 'data-testid': 'whoami' });
  shell.header = h('header', { class: 'topbar' },
    h('button', { type: 'button', class: 'skip', on: { click: () => shell.main.focus() } }, 'Skip to content'),
    h('a', { class: 'brand', href: '#/overview', 'aria-label': 'Job Scheduler — overview' },
      h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, logo()), h('span', { class: 'brand-name' }, 'Job Scheduler')),
    shell.nav,
    h('div', { class: 'topbar-right' }, shell.live, shell.whoami, shell.signout));
  shell.banner = h('div', { class: 'banner banner-error', 'data-testid': 'conn-error', role: 'alert', hidden: true });
  shell.main = h('main', { id: 'main', tabindex: '-1' });
  setChildren(app, shell.header, shell.banner, shell.main);

  liveStatus.listeners.add((st) => {
    const text = shell.live.querySelector('.live-text');
    shell.live.classList.toggle('is-error', !st.ok);
    shell.live.classList.toggle('is-paused', Boolean(st.paused));
    if (st.paused) text.textContent = 'Paused';
    else if (!st.ok) text.textContent = 'Reconnecting…';
    else text.textContent = st.at ? `Live · ${fmtTime(st.at.toISOString())}` : 'Live';
    shell.live.title = st.ok ? 'Refreshing every 1.5 s' : st.message;
    shell.banner.hidden = st.ok || st.paused;
    if (!st.ok) shell.banner.textContent = `${st.message}. Showing the last data received; retrying…`;
  });
}

/** The signed-in key's name and scope in the top bar; the Keys page for admin keys only,
 *  the Workers page for operate keys and above. */
function showWho() {
  const me = session.me;
  shell.whoami.replaceChildren(...(me ? [h('span', { class: 'whoami-name' }, me.name), ' ', h('span', { class: 'scope' }, me.scope)] : []));
  shell.whoami.title = me ? `Signed in with “${me.name}” (scope ${me.scope})` : '';
  if (me) shell.whoami.dataset.scope = me.scope; else delete shell.whoami.dataset.scope;
  shell.nav.querySelector('[data-section="keys"]').hidden = !can('admin');
  shell.nav.querySelector('[data-section="workers"]').hidden = !can('operate');
}

/** Learn which key is signed in (once per sign-in), then render. */
async function loadMe() {
  try {
    const [me, schemas] = await Promise.all([state.api.me(), loadContract(state.api)]);
    rankScopes(rankedScopes(schemas));
    session.me = me;
  } catch (err) {
    if (err.status === 401) return; // onUnauthorized already went to sign-in
    session.me = { id: '', name: 'unknown key', scope: 'read', rate_limit_per_minute: null, bootstrap: false };
    toast(`Could not learn this key's scope (${err.message}); showing read-only views.`, { kind: 'error' });
  }
  render();
}

/* ---------- pages ---------- */

function unmountCurrent() {
  closeAllDialogs();
  if (!state.current) return;
  for (const fn of state.current.cleanups.splice(0)) {
    try { fn(); } catch (err) { console.warn(err); }
  }
  state.current = null;
}

function render() {
  const { path, segments, query } = parseHash();
  const found = match(segments);
  const signedIn = Boolean(auth.key);

  if (!signedIn && (!found || found.page !== signin)) {
    const next = location.hash && !location.hash.startsWith('#/signin') ? location.hash : '';
    location.replace(`#/signin${next ? `?next=${encodeURIComponent(next)}` : ''}`);
    return;
  }
  if (signedIn && !session.me && found && found.page !== signin) {
    loadMe();
    return;
  }
  showWho();
  unmountCurrent();
  liveStatus.report({ ok: true, at: null, message: '' });
  document.body.classList.toggle('signed-out', !signedIn || (found && found.page === signin));
  for (const a of shell.nav.querySelectorAll('a')) {
    if (found && a.dataset.section === found.section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }

  const cleanups = [];
  const current = { cleanups };
  state.current = current;
  const ctx = {
    api: state.api,
    config: state.config,
    params: found ? found.params : {},
    query,
    navigate,
    setQuery: (q) => setQuery(path, q),
    flash: () => { const f = state.flash; state.flash = ''; return f; },
    /** Start a poller that stops when the page is left. */
    poll(tick, opts) {
      const p = new Poller(tick, opts).start();
      cleanups.push(() => p.stop());
      return p;
    },
    onCleanup: (fn) => cleanups.push(fn),
    setTitle: (t) => { document.title = `${t} · Job Scheduler`; },
  };

  shell.main.replaceChildren();
  window.scrollTo(0, 0);
  if (!found) {
    ctx.setTitle('Not found');
    shell.main.append(h('section', { class: 'page' },
      h('h1', { 'data-testid': 'page-title', tabindex: '-1' }, 'Page not found'),
      h('p', null, 'Nothing lives at ', h('code', null, location.hash), '. ', h('a', { href: '#/overview' }, 'Go to the overview'), '.')));
    return;
  }
  ctx.setTitle(found.page.title || 'Dashboard');
  try {
    const cleanup = found.page.mount(shell.main, ctx);
    if (typeof cleanup === 'function') cleanups.push(cleanup);
  } catch (err) {
    console.error(err);
    shell.main.append(h('p', { class: 'banner banner-error' }, `This page failed to render: ${err.message}`));
  }
}

/* ---------- boot ---------- */

async function loadConfig() {
  try {
    const res = await fetch('./config.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const cfg = await res.json();
    if (!cfg || typeof cfg.apiUrl !== 'string' || !cfg.apiUrl) throw new Error('config.json has no "apiUrl"');
    return { config: cfg, warning: '' };
  } catch (err) {
    return { config: DEFAULT_CONFIG, warning: `Could not load ./config.json (${err.message}); using ${DEFAULT_CONFIG.apiUrl}` };
  }
}

function onUnauthorized(message) {
  if (!auth.key && parseHash().segments[0] === 'signin') return;
  auth.key = '';
  session.me = null;
  state.flash = `Your API key was rejected${message ? ` (${message})` : ''}. Please sign in again.`;
  const { segments } = parseHash();
  const next = segments[0] === 'signin' ? '' : location.hash;
  location.hash = `#/signin${next ? `?next=${encodeURIComponent(next)}` : ''}`;
}

async function boot() {
  buildShell();
  const { config, warning } = await loadConfig();
  state.config = config;
  state.api = createApi({ baseUrl: config.apiUrl, onUnauthorized });
  if (warning) toast(warning, { kind: 'error', timeout: 0 });
  startClock();
  window.addEventListener('hashchange', render);
  render();
}

boot();
