// Executions: every run, newest first, live; filter by status / handler / job.

import { h, route } from '../dom.js';
import { pager, selectField } from '../ui.js';
import { fillChoices } from '../contract.js';
import { EXECUTION_STATUSES, executionsTable } from '../executions-view.js';
import { HANDLERS } from '../handlers.js';

export const title = 'Executions';

export function mount(root, ctx) {
  const filters = {
    status: ctx.query.status || '',
    handler: ctx.query.handler || '',
    job_id: ctx.query.job_id || '',
  };
  let version = 0;
  let poller;
  const refilter = () => {
    version++;
    pages.reset();
    ctx.setQuery(filters);
    table.setEmpty(filters.status || filters.handler || filters.job_id ? 'No executions match these filters.' : 'No executions yet.');
    poller.kick();
  };
  const pages = pager({ limit: 50, onChange: () => { version++; poller.kick(); } });
  const table = executionsTable(ctx, { onChanged: () => poller.kick() });
  const total = h('span', { class: 'muted', 'data-testid': 'executions-total' });
  const jobChip = h('span', { class: 'chip', hidden: !filters.job_id },
    h('span', { class: 'chip-text' }, 'Job: ', h('a', { href: filters.job_id ? route('jobs', filters.job_id) : '#/jobs' }, filters.job_id)),
    h('button', {
      type: 'button', class: 'icon-btn', 'aria-label': 'Clear job filter',
      on: { click: () => { filters.job_id = ''; jobChip.hidden = true; refilter(); } },
    }, '×'));

  const statusWords = Object.fromEntries(EXECUTION_STATUSES.map((st) => [st, st]));
  const statusFilter = selectField({
    label: 'Status', name: 'status', testid: 'executions-filter-status', value: filters.status,
    options: [['', 'All statuses'], ...Object.entries(statusWords)],
    onChange: (v) => { filters.status = v; refilter(); },
  });
  // Every status the API has, even one this page has no words for yet.
  fillChoices(statusFilter, ctx.api, 'Execution', 'status', statusWords, [['', 'All statuses']]);

  root.append(h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', { 'data-testid': 'page-title', tabindex: '-1' }, 'Executions'), total),
    h('div', { class: 'toolbar' },
      statusFilter,
      selectField({
        label: 'Handler', name: 'handler', testid: 'executions-filter-handler', value: filters.handler,
        options: [['', 'All handlers'], ...[...new Set([...HANDLERS, filters.handler].filter(Boolean))].map((x) => [x, x])],
        onChange: (v) => { filters.handler = v; refilter(); },
      }),
      jobChip),
    table.el,
    pages.el));

  poller = ctx.poll(async (signal) => {
    const v = version;
    const list = await ctx.api.listExecutions({ ...filters, limit: pages.limit, cursor: pages.cursor }, { signal });
    if (v !== version) return; // filters changed meanwhile: the kicked tick will render
    table.update(list.items || []);
    pages.update(list);
    total.textContent = typeof list.total === 'number' ? `${list.total} total` : '';
    if (list.items && list.items[0] && filters.job_id && list.items[0].job_name) {
      jobChip.querySelector('a').textContent = list.items[0].job_name;
    }
  });
}
