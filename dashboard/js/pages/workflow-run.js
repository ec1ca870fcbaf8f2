// A workflow run drawn as its graph: each step a node coloured (and labelled) by its
// status, live while the run is unfinished (GET /workflow-runs/{id} per refresh; the
// workflow's definition, for the edges, once). Clicking a step shows its reason, its
// items and its executions (status, attempts, error, result), each linking to the
// execution's page. Cancel and Retry act on the whole run, after a confirmation.

import { h, route, setChildren, setText } from '../dom.js';
import { fmtDuration, fmtJson, truncate } from '../format.js';
import { badge, confirmDialog, jsonBlock, kvList, relTime, runAction } from '../ui.js';
import { statusLegend, workflowGraph } from '../workflow-graph.js';
import { can } from '../access.js';

export const title = 'Workflow run';

const UNFINISHED = new Set(['PENDING', 'RUNNING']);
const RETRYABLE = new Set(['FAILED', 'CANCELLED']);
const STEP_DONE = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED']);
const MAX_EXECUTIONS = 50; // of a fan-out step, fetched one by one: the first 50 items

function span(startIso, endIso) {
  if (!startIso) return '—';
  return fmtDuration((endIso ? new Date(endIso) : new Date()) - new Date(startIso));
}

export function mount(root, ctx) {
  const id = ctx.params.id;
  let run = null;
  let def = null; // the workflow (its steps give the edges)
  let runSig = '';
  let selected = ctx.query.step || null;
  let execSig = '';
  let force = true; // fetch on the next tick even when the run has finished
  let poller;
  const kick = () => { force = true; if (poller) poller.kick(); };

  const nameEl = h('h1', { 'data-testid': 'workflow-run-title', tabindex: '-1' }, 'Loading…');
  const statusEl = h('span', { class: 'head-badge' });
  const actions = h('div', { class: 'page-actions' });
  const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/workflows' }, '← All workflows'));
  const notFound = h('div', { class: 'banner banner-error', role: 'alert', hidden: true });
  const summary = h('div', { class: 'card' });
  const graphBox = h('div', { class: 'wf-graph-wrap' });
  const reasons = h('ul', { class: 'wf-reasons small', 'data-testid': 'wf-step-reasons' });
  const panel = h('div', { class: 'card wf-panel', 'data-testid': 'wf-step-panel', hidden: true });

  root.append(h('section', { class: 'page', 'data-testid': 'workflow-run' },
    crumbs,
    h('div', { class: 'page-head' }, h('div', { class: 'title-line' }, nameEl, statusEl), actions),
    notFound,
    h('div', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', null, 'Steps'), h('span', { class: 'muted small' }, 'Click a step for its executions'), statusLegend()),
      graphBox, reasons),
    panel,
    summary));

  function select(stepId) {
    selected = stepId === selected ? null : stepId;
    ctx.setQuery(selected ? { step: selected } : {});
    runSig = '';
    execSig = '';
    renderRun(run);
    renderPanel(run, null);
    kick();
  }

  async function cancelRun(button) {
    const ok = await confirmDialog({
      title: 'Cancel this run?',
      message: 'Its waiting and running steps end CANCELLED (a running handler is told to stop).',
      confirmLabel: 'Cancel run',
      danger: true,
    });
    if (!ok) return;
    await runAction(button, () => ctx.api.cancelWorkflowRun(id), { success: 'Run cancelled' });
    kick();
  }

  async function retryRun(button) {
    const ok = await confirmDialog({
      title: 'Retry this run?',
      message: 'Its failed, skipped and cancelled steps and their downstream run again; succeeded steps keep their results.',
      confirmLabel: 'Retry run',
    });
    if (!ok) return;
    await runAction(button, () => ctx.api.retryWorkflowRun(id), { success: 'Retrying the failed steps' });
    kick();
  }

  function buildActions(r) {
    setChildren(actions, 
      can('operate') && UNFINISHED.has(r.status) && h('button', {
        type: 'button', class: 'btn btn-danger-ghost', 'data-testid': 'workflow-run-cancel',
        on: { click: (e) => cancelRun(e.currentTarget) },
      }, 'Cancel run'),
      can('operate') && RETRYABLE.has(r.status) && h('button', {
        type: 'button', class: 'btn btn-primary', 'data-testid': 'workflow-run-retry',
        on: { click: (e) => retryRun(e.currentTarget) },
      }, 'Retry from failure'));
  }

  function renderRun(r) {
    const sig = JSON.stringify([r, selected, Boolean(def)]);
    if (sig === runSig) return;
    const statusChanged = !run || run.status !== r.status || !actions.firstChild;
    runSig = sig;
    run = r;
    const name = def ? def.name : 'workflow';
    ctx.setTitle(`${name} run`);
    setText(nameEl, `${name} · run ${r.id.slice(0, 8)}`);
    setChildren(crumbs, h('a', { href: '#/workflows' }, '← All workflows'), ' · ',
      h('a', { href: route('workflows', r.workflow_id), 'data-testid': 'workflow-run-workflow' }, def ? def.name : 'its workflow'));
    setChildren(statusEl, badge(r.status, { 'data-testid': 'workflow-run-status' }));
    if (statusChanged) buildActions(r);
    const steps = def ? def.steps || [] : [];
    const focused = graphBox.contains(document.activeElement) ? document.activeElement.dataset.stepId : null;
    setChildren(graphBox, workflowGraph({ steps, runSteps: r.steps, selected, onSelect: select }));
    if (focused) {
      const again = [...graphBox.querySelectorAll('[data-testid="wf-step"]')].find((g) => g.dataset.stepId === focused);
      if (again) again.focus({ preventScroll: true });
    }
    const noted = r.steps.filter((st) => st.reason);
    setChildren(reasons, ...noted.map((st) => h('li', { 'data-testid': 'wf-step-reason', dataset: { stepId: st.id } },
      h('strong', null, st.id), ` ${st.status.toLowerCase()}: `, st.reason)));
    setChildren(summary, 
      h('div', { class: 'card-head' }, h('h2', null, 'Run')),
      kvList([
        ['Workflow version', def && def.version !== r.version ? `${r.version} (the workflow is now at ${def.version}; edges drawn from the current one)` : String(r.version)],
        ['Scheduled for', relTime(r.scheduled_for, { withClock: true })],
        ['Started', r.started_at ? relTime(r.started_at, { withClock: true }) : null],
        ['Finished', r.finished_at ? relTime(r.finished_at, { withClock: true }) : null],
        ['Duration', span(r.started_at, r.finished_at)],
        ['Run id', h('code', null, r.id)],
      ]),
      h('h3', null, 'Input'), jsonBlock(r.input, { 'data-testid': 'workflow-run-input' }));
  }

  function executionRows(list, step) {
    if (!list.length) return h('p', { class: 'muted', 'data-testid': 'wf-step-no-executions' }, step.status === 'SKIPPED' ? 'Skipped: it did not run.' : 'No execution yet.');
    const many = typeof step.items === 'number';
    // A retried step keeps its earlier executions: each row says its item, from the
    // execution's idempotency key (workflow-run:<run>:<step>:<item>).
    const itemOf = (x, index) => {
      const m = x && /^workflow-run:.*:(\d+)$/.exec(x.idempotency_key || '');
      return m ? m[1] : String(index);
    };
    return h('div', { class: 'table-wrap' }, h('table', { class: 'table table-inner', 'data-testid': 'wf-step-executions' },
      h('thead', null, h('tr', null, [many ? 'Item' : null, 'Status', 'Attempt', 'Duration', 'Error / result', ''].filter((x) => x !== null).map((l) => h('th', { scope: 'col' }, l)))),
      h('tbody', null, list.map(({ index, x, error }) => h('tr', { 'data-testid': 'wf-step-execution', dataset: { status: x ? x.status : '', executionId: x ? x.id : '' } },
        many ? h('td', { class: 'num' }, itemOf(x, index)) : null,
        h('td', null, x ? badge(x.status) : h('span', { class: 'muted' }, error || '—')),
        h('td', { class: 'num', 'data-testid': 'wf-execution-attempt' }, x ? String(x.attempt ?? '') : ''),
        h('td', { class: 'num' }, x ? span(x.started_at, x.finished_at) : ''),
        h('td', { class: 'err-cell' }, !x ? null : x.error
          ? h('span', { class: 'error-text', 'data-testid': 'wf-execution-error' }, truncate(x.error, 160))
          : x.result !== null && x.result !== undefined ? h('code', { class: 'small', 'data-testid': 'wf-execution-result' }, truncate(fmtJson(x.result).replace(/\s+/g, ' '), 120)) : h('span', { class: 'muted' }, '—')),
        h('td', null, x ? h('a', { href: route('executions', x.id), 'data-testid': 'wf-execution-open' }, 'Open →') : null))))));
  }

  function renderPanel(r, executions) {
    const step = r && selected ? r.steps.find((st) => st.id === selected) : null;
    panel.hidden = !step;
    if (!step) return;
    const d = def ? (def.steps || []).find((st) => st.id === step.id) : null;
    const tally = {};
    for (const e of executions || []) if (e.x) tally[e.x.status] = (tally[e.x.status] || 0) + 1;
    panel.dataset.stepId = step.id;
    setChildren(panel, 
      h('div', { class: 'card-head' },
        h('h2', null, 'Step ', h('code', { 'data-testid': 'wf-step-panel-id' }, step.id)),
        badge(step.status, { 'data-testid': 'wf-step-panel-status' }),
        h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close step', on: { click: () => select(step.id) } }, '×')),
      step.reason ? h('p', { class: 'wf-reason', 'data-testid': 'wf-step-panel-reason' }, step.reason) : null,
      kvList([
        ['Handler', d ? h('code', null, d.handler) : null],
        ['After', d && (d.after || []).length ? d.after.join(', ') : 'nothing (a first step)'],
        ['Runs when', d ? (d.when || 'success') : null],
        typeof step.items === 'number' ? ['Items', h('span', { 'data-testid': 'wf-step-items' },
          `${step.items}${Object.keys(tally).length ? ` — ${Object.entries(tally).map(([st, n]) => `${n} ${st.toLowerCase()}`).join(', ')}` : ''}`)] : null,
        ['Started', step.started_at ? relTime(step.started_at, { withClock: true }) : null],
        ['Finished', step.finished_at ? relTime(step.finished_at, { withClock: true }) : null],
      ]),
      h('h3', null, `Executions (${step.execution_ids.length})`),
      executions ? executionRows(executions, step) : h('p', { class: 'muted' }, 'Loading…'),
      step.execution_ids.length > MAX_EXECUTIONS ? h('p', { class: 'muted small' }, `The first ${MAX_EXECUTIONS} of ${step.execution_ids.length} items.`) : null);
  }

  async function loadExecutions(step, signal) {
    const ids = step.execution_ids.slice(0, MAX_EXECUTIONS);
    return Promise.all(ids.map((xid, index) => ctx.api.getExecution(xid, { signal })
      .then((x) => ({ index, x }))
      .catch((err) => {
        if (err.name === 'AbortError' || err.status === 401) throw err;
        return { index, x: null, error: err.message };
      })));
  }

  poller = ctx.poll(async (signal) => {
    if (run && !UNFINISHED.has(run.status) && !force) return; // finished: nothing changes
    force = false;
    let r;
    try {
      r = await ctx.api.getWorkflowRun(id, { signal });
      if (!def) def = await ctx.api.getWorkflow(r.workflow_id, { signal }).catch((err) => { if (err.status === 404) return null; throw err; });
    } catch (err) {
      if (err.status !== 404) throw err;
      poller.stop();
      notFound.hidden = false;
      setChildren(notFound, 'This workflow run does not exist (its workflow may have been deleted). ', h('a', { href: '#/workflows' }, 'Back to workflows'));
      if (!run) setText(nameEl, 'Workflow run not found');
      return;
    }
    renderRun(r);
    const step = selected ? r.steps.find((st) => st.id === selected) : null;
    if (step) {
      const sig = JSON.stringify(step);
      // A finished step's executions no longer change; a running one's may (attempts).
      if (sig !== execSig || !STEP_DONE.has(step.status)) {
        const list = await loadExecutions(step, signal);
        execSig = sig;
        renderPanel(r, list);
      }
    } else {
      renderPanel(r, null);
    }
    // Executions end a moment before the run advances: keep looking until it has.
    if (r.steps.some((st) => !STEP_DONE.has(st.status)) && !UNFINISHED.has(r.status)) force = true;
  });
}
