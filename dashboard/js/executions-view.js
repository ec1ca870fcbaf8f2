// Execution rows and their detail (attempts, payload, result), shared by the
// Executions page, the Job detail page and the Execution page.

import { h, route } from './dom.js';
import { fmtDuration, fmtFull, fmtTime, truncate } from './format.js';
import { badge, elapsed, jsonBlock, kvList, liveTable, relTime, runAction } from './ui.js';
import { can } from './access.js';

export const EXECUTION_STATUSES = ['PENDING', 'QUEUED', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'SKIPPED'];
export const CANCELLABLE = new Set(['PENDING', 'QUEUED', 'RUNNING', 'RETRYING']);
export const RETRYABLE = new Set(['FAILED', 'CANCELLED']);

function attemptLabel(x) {
  const n = Math.max(Number(x.attempt) || 0, (x.attempts || []).length);
  const max = typeof x.max_retries === 'number' ? x.max_retries + 1 : null;
  return max ? `${n} / ${max}` : String(n);
}

function durationCell(x) {
  if (x.status === 'RUNNING' && x.started_at && !x.finished_at) return elapsed(x.started_at);
  return fmtDuration(x.duration_ms);
}

function attemptDuration(a) {
  if (!a.started_at || !a.finished_at) return a.started_at && !a.outcome ? elapsed(a.started_at) : '—';
  return fmtDuration(new Date(a.finished_at) - new Date(a.started_at));
}

function timeCell(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: fmtFull(iso) }, fmtTime(iso));
}

/** Cancel / Retry buttons for an execution, as its status and the key's scope allow. */
export function executionActions(ctx, x, onChanged) {
  const out = [];
  if (!can('operate')) return out;
  if (CANCELLABLE.has(x.status)) {
    out.push(h('button', {
      type: 'button', class: 'btn btn-sm', 'data-testid': 'execution-cancel',
      on: {
        click: (e) => runAction(e.currentTarget, () => ctx.api.cancelExecution(x.id), { success: 'Execution cancelled' })
          .then(onChanged),
      },
    }, 'Cancel'));
  }
  if (RETRYABLE.has(x.status)) {
    out.push(h('button', {
      type: 'button', class: 'btn btn-sm', 'data-testid': 'execution-retry',
      on: {
        click: (e) => runAction(e.currentTarget, () => ctx.api.retryExecution(x.id), {
          success: (r) => ({
            message: 'Retry queued',
            link: r && r.id && r.id !== x.id ? { href: route('executions', r.id), text: 'Open' } : null,
          }),
        }).then(onChanged),
      },
    }, 'Retry'));
  }
  return out;
}

function attemptsTable(attempts) {
  if (!attempts || !attempts.length) return h('p', { class: 'muted' }, 'No attempts yet.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table table-inner', 'data-testid': 'attempts-table' },
    h('thead', null, h('tr', null, ['#', 'Worker', 'Started', 'Finished', 'Duration', 'Outcome', 'Error'].map((l) => h('th', { scope: 'col' }, l)))),
    h('tbody', null, attempts.map((a) => h('tr', { 'data-testid': 'attempt-row', dataset: { outcome: a.outcome || 'RUNNING' } },
      h('td', { class: 'num' }, String(a.number ?? '')),
      h('td', { class: 'mono nowrap' }, a.worker_id || '—'),
      h('td', null, timeCell(a.started_at)),
      h('td', null, timeCell(a.finished_at)),
      h('td', { class: 'num' }, attemptDuration(a)),
      h('td', null, a.outcome ? badge(a.outcome) : badge('RUNNING')),
      h('td', { class: 'err-cell' }, a.error ? h('span', { class: 'error-text' }, a.error) : h('span', { class: 'muted' }, '—')))))));
}

const ALERT_WORDS = { late_start: 'late', overran: 'overran' };

/** SLA breaches of a run, flagged next to its status (details in the tooltip). */
function alertFlags(x) {
  const list = Array.isArray(x.alerts) ? x.alerts : [];
  return list.map((a) => h('span', {
    class: ['tag', 'tag-alert'], title: a.detail, 'data-testid': 'execution-alert', 'data-kind': a.kind,
  }, ALERT_WORDS[a.kind] || a.kind));
}

/** Everything about one execution: fields, error, attempts, payload and result. */
export function executionDetail(ctx, x, { showOpen = true } = {}) {
  return h('div', { class: 'x-detail', 'data-testid': 'execution-detail' },
    h('div', { class: 'x-grid' },
      h('div', null,
        kvList([
          ['Execution', h('span', { class: 'mono' }, x.id)],
          ['Job', x.job_id ? h('a', { href: route('jobs', x.job_id) }, x.job_name || x.job_id) : null],
          x.workflow_run_id ? ['Workflow run', h('a', {
            href: `${route('workflow-runs', x.workflow_run_id)}?step=${encodeURIComponent(x.step_id || '')}`, 'data-testid': 'execution-workflow-run',
          }, `step ${x.step_id || '?'} of run ${x.workflow_run_id.slice(0, 8)}`)] : null,
          ['Handler', h('span', { class: 'mono' }, x.handler || '—')],
          ['Source', x.source],
          ['Priority', x.priority === undefined ? null : String(x.priority)],
          ['Worker', x.worker_id ? h('span', { class: 'mono' }, x.worker_id) : null],
          ['Scheduled for', x.scheduled_for ? relTime(x.scheduled_for, { withClock: true }) : null],
          ['Queued', x.queued_at ? relTime(x.queued_at, { withClock: true }) : null],
          ['Started', x.started_at ? relTime(x.started_at, { withClock: true }) : null],
          ['Finished', x.finished_at ? relTime(x.finished_at, { withClock: true }) : null],
          x.next_attempt_at ? ['Next attempt', relTime(x.next_attempt_at, { withClock: true })] : null,
          ['Duration', durationCell(x)],
          ['Idempotency key', x.idempotency_key ? h('span', { class: 'mono small' }, x.idempotency_key) : null],
          (x.alerts || []).length ? ['Alerts', h('ul', { class: 'plain' }, x.alerts.map((a) => h('li', null, `${a.kind}: ${a.detail}`)))] : null,
        ]),
        showOpen ? h('p', { class: 'small' }, h('a', { href: route('executions', x.id), 'data-testid': 'execution-open' }, 'Open this execution →')) : null),
      h('div', null,
        x.error ? [h('h3', null, 'Error'), h('pre', { class: 'json error-block', 'data-testid': 'execution-error' }, x.error)] : null,
        h('h3', null, `Attempts (${(x.attempts || []).length})`),
        attemptsTable(x.attempts))),
    h('div', { class: 'x-grid' },
      h('div', null, h('h3', null, 'Payload'), jsonBlock(x.payload, { 'data-testid': 'execution-payload' })),
      h('div', null, h('h3', null, 'Result / output'), jsonBlock(x.result, { 'data-testid': 'execution-result' }))));
}

/**
 * executionsTable(ctx, {showJob, onChanged}) -> liveTable
 * Rows carry data-testid="execution-row", data-status, data-execution-id.
 */
export function executionsTable(ctx, { showJob = true, onChanged = () => {}, empty } = {}) {
  const columns = [
    { label: h('span', { class: 'sr-only' }, 'Details'), cls: 'col-toggle' },
    { label: 'Status' },
    showJob ? { label: 'Job' } : null,
    { label: 'Source', cls: 'col-opt' },
    { label: 'Attempt', cls: 'num' },
    { label: 'Scheduled', cls: 'col-opt' },
    { label: 'Started' },
    { label: 'Duration', cls: 'num' },
    { label: 'Worker', cls: 'col-opt' },
    { label: 'Error' },
    { label: h('span', { class: 'sr-only' }, 'Actions'), cls: 'col-actions' },
  ].filter(Boolean);

  return liveTable({
    testid: 'executions-table',
    caption: 'Executions',
    columns,
    empty: empty || 'No executions yet.',
    key: (x) => x.id,
    row: (x, { expanded, toggle }) => {
      const tr = h('tr', {
        class: ['row', 'row-clickable', `row-${String(x.status).toLowerCase()}`],
        'data-testid': 'execution-row',
        dataset: { status: x.status, executionId: x.id, jobId: x.job_id },
        on: {
          click: (e) => {
            if (e.target.closest('button, a, input, select, textarea')) return;
            if (String(window.getSelection()).length) return;
            toggle();
          },
        },
      },
      h('td', { class: 'col-toggle' }, h('button', {
        type: 'button', class: 'icon-btn expander', 'aria-expanded': String(expanded),
        'aria-label': expanded ? 'Hide attempts and output' : 'Show attempts and output',
        'data-testid': 'execution-expand', on: { click: toggle },
      }, expanded ? '▾' : '▸')),
      h('td', null, badge(x.status, { 'data-testid': 'execution-status' }), alertFlags(x)),
      showJob ? h('td', { class: 'cell-name' }, x.job_id
        ? h('a', { href: route('jobs', x.job_id), 'data-testid': 'execution-job' }, x.job_name || x.job_id)
        : (x.job_name || '—')) : null,
      h('td', { class: 'col-opt' }, h('span', { class: ['tag', `tag-${x.source}`] }, x.source || '—')),
      h('td', { class: 'num' }, attemptLabel(x)),
      h('td', { class: 'col-opt' }, timeCell(x.scheduled_for)),
      h('td', null, timeCell(x.started_at)),
      h('td', { class: 'num' }, durationCell(x)),
      h('td', { class: 'col-opt mono small nowrap' }, x.worker_id || '—'),
      h('td', { class: 'err-cell' }, x.error
        ? h('span', { class: 'error-text', title: x.error }, truncate(x.error, 70))
        : x.waiting
          ? h('span', { class: 'waiting-text', title: x.waiting, 'data-testid': 'execution-waiting' }, truncate(`waiting: ${x.waiting}`, 70))
          : h('span', { class: 'muted' }, '—')),
      h('td', { class: 'col-actions' }, h('div', { class: 'actions' }, executionActions(ctx, x, onChanged))));
      return tr;
    },
    detail: (x) => executionDetail(ctx, x),
  });
}

