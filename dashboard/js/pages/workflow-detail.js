// A workflow: its definition drawn as a graph, its schedule, and its runs (newest
// first, paged, live). Each run links to its own page (#/workflow-runs/<id>).

import { h, route, setChildren, setText } from '../dom.js';
import { fmtDuration } from '../format.js';
import { cronToWords } from '../cron-words.js';
import { badge, kvList, liveTable, pager, relTime } from '../ui.js';
import { workflowGraph } from '../workflow-graph.js';
import { triggerWorkflow } from './workflows.js';
import { can } from '../access.js';

export const title = 'Workflow';

function runDuration(r) {
  if (!r.started_at) return '—';
  const end = r.finished_at ? new Date(r.finished_at) : new Date();
  return fmtDuration(end - new Date(r.started_at));
}

/** The runs table shared with nothing else yet: status, when, how long, step tally. */
function runsTable() {
  return liveTable({
    testid: 'workflow-runs-table',
    caption: 'Runs',
    empty: 'This workflow has not run yet.',
    columns: [{ label: 'Run' }, { label: 'Status' }, { label: 'Scheduled for' }, { label: 'Started' }, { label: 'Duration', cls: 'num' }, { label: 'Steps' }],
    key: (r) => r.id,
    row: (r) => {
      const tally = {};
      for (const st of r.steps || []) tally[st.status] = (tally[st.status] || 0) + 1;
      return h('tr', { class: 'row', 'data-testid': 'workflow-run-row', dataset: { runId: r.id, status: r.status } },
        h('td', { class: 'mono small' }, h('a', { href: route('workflow-runs', r.id), 'data-testid': 'workflow-run-link' }, r.id.slice(0, 8))),
        h('td', null, badge(r.status, { 'data-testid': 'workflow-run-status' })),
        h('td', null, relTime(r.scheduled_for, { withClock: true })),
        h('td', null, r.started_at ? relTime(r.started_at) : h('span', { class: 'muted' }, '—')),
        h('td', { class: 'num' }, runDuration(r)),
        h('td', { class: 'small' }, Object.entries(tally).map(([st, n]) => `${n} ${st.toLowerCase()}`).join(', ')));
    },
  });
}

export function mount(root, ctx) {
  const id = ctx.params.id;
  let wf = null;
  let wfSig = '';
  let poller;
  const kick = () => poller && poller.kick();

  const nameEl = h('h1', { 'data-testid': 'workflow-name', tabindex: '-1' }, 'Loading…');
  const statusEl = h('span', { class: 'head-badge' });
  const actions = h('div', { class: 'page-actions' });
  const notFound = h('div', { class: 'banner banner-error', role: 'alert', hidden: true });
  const info = h('div', { class: 'card' });
  const graphBox = h('div', { class: 'wf-graph-wrap' });
  const pages = pager({ limit: 25, onChange: kick });
  const runs = runsTable();
  const runsTotal = h('span', { class: 'muted small', 'data-testid': 'workflow-runs-total' });

  root.append(h('section', { class: 'page', 'data-testid': 'workflow-detail' },
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' },
      h('a', { href: '#/workflows', 'data-testid': 'back-to-workflows' }, '← All workflows'),
      ' · ', h('a', { href: `#/audit?target_type=workflow&target_id=${encodeURIComponent(id)}` }, 'Change history')),
    h('div', { class: 'page-head' }, h('div', { class: 'title-line' }, nameEl, statusEl), actions),
    notFound,
    h('div', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', null, 'Steps')), graphBox),
    info,
    h('div', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', null, 'Runs'), runsTotal), runs.el, pages.el)));

  function render(w) {
    const sig = JSON.stringify(w);
    if (sig === wfSig) return;
    wfSig = sig;
    wf = w;
    ctx.setTitle(w.name);
    setText(nameEl, w.name);
    setChildren(statusEl, badge(w.status, { 'data-testid': 'workflow-status' }));
    setChildren(actions, can('operate') ? h('button', {
      type: 'button', class: 'btn btn-primary', 'data-testid': 'workflow-trigger',
      on: { click: (e) => triggerWorkflow(ctx, wf, e.currentTarget).then(kick) },
    }, 'Run now') : null);
    setChildren(graphBox, workflowGraph({ steps: w.steps || [] }));
    setChildren(info, 
      h('div', { class: 'card-head' }, h('h2', null, 'Definition')),
      kvList([
        ['Schedule', w.schedule ? `${cronToWords(w.schedule)} (${w.timezone})` : 'none: runs when triggered', 'workflow-field-schedule'],
        ['Version', String(w.version), 'workflow-field-version'],
        ['Next run', w.next_run_time ? relTime(w.next_run_time, { withClock: true }) : null],
        ['Description', w.description || null],
        ['Workflow id', h('code', null, w.id)],
      ]));
  }

  poller = ctx.poll(async (signal) => {
    try {
      const [w, list] = await Promise.all([
        ctx.api.getWorkflow(id, { signal }),
        ctx.api.listWorkflowRuns(id, { limit: pages.limit, cursor: pages.cursor }, { signal }),
      ]);
      render(w);
      runs.update(list.items || []);
      pages.update(list);
      setText(runsTotal, typeof list.total === 'number' ? `${list.total} total` : '');
    } catch (err) {
      if (err.status !== 404) throw err;
      poller.stop();
      notFound.hidden = false;
      setChildren(notFound, 'This workflow does not exist (it may have been deleted). ', h('a', { href: '#/workflows' }, 'Back to workflows'));
      if (!wf) setText(nameEl, 'Workflow not found');
    }
  });
}
