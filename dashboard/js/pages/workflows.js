// Workflows: name, schedule, status, step count and the last run of each. Live: one
// request for the list per refresh, then each listed workflow's latest run
// (GET /workflows/{id}/runs?limit=1; the list has no "last run" field).

import { h, route, debounce } from '../dom.js';
import { truncate } from '../format.js';
import { badge, liveTable, pager, relTime, runAction } from '../ui.js';
import { scheduleCell } from './jobs.js';
import { can } from '../access.js';

export const title = 'Workflows';

/** Run a workflow now; resolves to the new run (or undefined when refused). */
export function triggerWorkflow(ctx, wf, button) {
  return runAction(button, () => ctx.api.triggerWorkflow(wf.id), {
    success: (r) => ({
      message: `Triggered “${wf.name}”`,
      link: r && r.id ? { href: route('workflow-runs', r.id), text: 'View run' } : null,
    }),
  });
}

export function lastRunCell(run) {
  if (!run) return h('span', { class: 'muted' }, 'never');
  return h('a', { href: route('workflow-runs', run.id), class: 'last-run', 'data-testid': 'workflow-last-run' },
    badge(run.status), ' ', relTime(run.finished_at || run.started_at || run.scheduled_for));
}

export function mount(root, ctx) {
  const filters = { name: ctx.query.name || '' };
  let poller;
  const kick = () => poller.kick();
  const pages = pager({ limit: 50, onChange: kick });
  const table = liveTable({
    testid: 'workflows-table',
    caption: 'Workflows',
    empty: filters.name ? 'No workflows match.' : 'No workflows yet. Create one with POST /api/v1/workflows or the CLI.',
    columns: [
      { label: 'Name' }, { label: 'Status' }, { label: 'Schedule' }, { label: 'Steps', cls: 'num' },
      { label: 'Last run' }, { label: h('span', { class: 'sr-only' }, 'Actions'), cls: 'col-actions' },
    ],
    key: (w) => w.id,
    row: (w, { item }) => h('tr', { class: 'row', 'data-testid': 'workflow-row', dataset: { workflowName: w.name, workflowId: w.id, status: w.status } },
      h('td', { class: 'cell-name' },
        h('a', { href: route('workflows', w.id), 'data-testid': 'workflow-link' }, w.name),
        w.description ? h('div', { class: 'muted small', title: w.description }, truncate(w.description, 60)) : null),
      h('td', null, badge(w.status, { 'data-testid': 'workflow-status' })),
      h('td', null, scheduleCell(w)),
      h('td', { class: 'num' }, String((w.steps || []).length)),
      h('td', null, lastRunCell(w.last_run)),
      h('td', { class: 'col-actions' }, h('div', { class: 'actions' },
        can('operate') && h('button', {
          type: 'button', class: 'btn btn-sm', 'data-testid': 'workflow-trigger',
          on: { click: (e) => triggerWorkflow(ctx, item(), e.currentTarget).then(kick) },
        }, 'Run now')))),
  });
  const search = h('input', {
    type: 'search', placeholder: 'Search by name', 'aria-label': 'Search workflows by name', value: filters.name,
    'data-testid': 'workflows-search',
    on: { input: debounce((e) => { filters.name = e.target.value.trim(); pages.reset(); ctx.setQuery(filters); kick(); }, 250) },
  });
  const total = h('span', { class: 'muted small', 'data-testid': 'workflows-total' });

  root.append(h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', { 'data-testid': 'page-title', tabindex: '-1' }, 'Workflows')),
    h('div', { class: 'card' },
      h('div', { class: 'toolbar' }, search, total),
      table.el,
      pages.el)));

  poller = ctx.poll(async (signal) => {
    const page = await ctx.api.listWorkflows({ name: filters.name || undefined, limit: pages.limit, cursor: pages.cursor }, { signal });
    const items = page.items || [];
    const last = await Promise.all(items.map((w) => ctx.api.listWorkflowRuns(w.id, { limit: 1 }, { signal })
      .then((r) => (r.items || [])[0] || null)
      .catch((err) => { if (err.name === 'AbortError' || err.status === 401) throw err; return null; })));
    table.update(items.map((w, i) => ({ ...w, last_run: last[i] })));
    pages.update(page);
    total.textContent = typeof page.total === 'number' ? `${page.total} total` : '';
  });
}
