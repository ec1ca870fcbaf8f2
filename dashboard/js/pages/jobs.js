// Jobs: search / filter / sort, create and edit in a dialog, row actions. Live.

import { h, route, debounce } from '../dom.js';
import { truncate } from '../format.js';
import { cronToWords } from '../cron-words.js';
import { badge, liveTable, pager, relTime, selectField } from '../ui.js';
import { openJobForm } from '../job-form.js';
import { deleteJob, pauseJob, resumeJob, triggerJob } from '../job-actions.js';
import { HANDLERS } from '../handlers.js';
import { can } from '../access.js';
import { fillChoices } from '../contract.js';

export const title = 'Jobs';

const SORTS = [
  ['name', 'Name A→Z'],
  ['-name', 'Name Z→A'],
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['next_run_time', 'Next run soonest'],
  ['-priority', 'Priority high→low'],
  ['priority', 'Priority low→high'],
];

export function scheduleCell(job) {
  if (!job.schedule) return h('span', { class: 'muted' }, 'trigger only');
  const words = cronToWords(job.schedule);
  return h('div', { class: 'sched' },
    h('div', null, words),
    words !== job.schedule ? h('div', { class: 'mono small muted' }, job.schedule) : null);
}

export function mount(root, ctx) {
  const filters = {
    name: ctx.query.name || '',
    status: ctx.query.status || '',
    handler: ctx.query.handler || '',
    sort: ctx.query.sort || 'name',
  };
  let version = 0;
  let poller;
  const kick = () => poller.kick();
  const refilter = () => {
    version++;
    pages.reset();
    ctx.setQuery({ ...filters, sort: filters.sort === 'name' ? '' : filters.sort });
    table.setEmpty(filters.name || filters.status || filters.handler ? 'No jobs match these filters.' : 'No jobs yet. Create one with “New job”.');
    kick();
  };
  const pages = pager({ limit: 50, onChange: () => { version++; kick(); } });

  const table = liveTable({
    testid: 'jobs-table',
    caption: 'Jobs',
    empty: filters.name || filters.status || filters.handler ? 'No jobs match these filters.' : 'No jobs yet. Create one with “New job”.',
    columns: [
      { label: 'Name' }, { label: 'Status' }, { label: 'Handler', cls: 'col-opt' }, { label: 'Schedule' },
      { label: 'Next run' }, { label: 'Last run', cls: 'col-opt' }, { label: 'Priority', cls: 'num' },
      { label: h('span', { class: 'sr-only' }, 'Actions'), cls: 'col-actions' },
    ],
    key: (j) => j.id,
    row: (j, { item }) => h('tr', {
      class: ['row', j.status === 'PAUSED' && 'row-paused'], 'data-testid': 'job-row',
      dataset: { jobName: j.name, jobId: j.id, status: j.status },
    },
    h('td', { class: 'cell-name' },
      h('a', { href: route('jobs', j.id), 'data-testid': 'job-link' }, j.name),
      j.description ? h('div', { class: 'muted small', title: j.description }, truncate(j.description, 60)) : null),
    h('td', null, badge(j.status, { 'data-testid': 'job-status' }),
      j.schedule_error ? [' ', badge('SCHEDULE_ERROR', { 'data-testid': 'job-schedule-error', title: j.schedule_error })] : null,
      j.waiting ? [' ', badge('WAITING', { 'data-testid': 'job-waiting', title: j.waiting })] : null),
    h('td', { class: 'col-opt mono small' }, j.handler),
    h('td', null, scheduleCell(j)),
    h('td', null, j.status === 'PAUSED' ? h('span', { class: 'muted' }, 'paused') : relTime(j.next_run_time)),
    h('td', { class: 'col-opt' }, relTime(j.last_run_time)),
    h('td', { class: 'num' }, String(j.priority)),
    h('td', { class: 'col-actions' }, h('div', { class: 'actions' },
      !can('operate') ? null : j.status === 'PAUSED'
        ? h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'job-resume', on: { click: (e) => resumeJob(ctx, item(), e.currentTarget).then(kick) } }, 'Resume')
        : h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'job-pause', on: { click: (e) => pauseJob(ctx, item(), e.currentTarget).then(kick) } }, 'Pause'),
      can('operate') && h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'job-trigger', on: { click: (e) => triggerJob(ctx, item(), e.currentTarget).then(kick) } }, 'Trigger'),
      can('admin') && h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'job-edit', on: { click: () => openJobForm(ctx, { job: item(), onSaved: kick }) } }, 'Edit'),
      can('admin') && h('button', { type: 'button', class: 'btn btn-sm btn-danger-ghost', 'data-testid': 'job-delete', on: { click: (e) => deleteJob(ctx, item(), e.currentTarget).then(kick) } }, 'Delete')))),
  });

  const total = h('span', { class: 'muted', 'data-testid': 'jobs-total' });
  const search = h('input', {
    type: 'search', id: 'jobs-search', name: 'name', placeholder: 'Search by name…', value: filters.name,
    autocomplete: 'off', spellcheck: 'false', 'data-testid': 'jobs-search',
    on: { input: debounce((e) => { filters.name = e.target.value.trim(); refilter(); }, 250) },
  });

  const statusWords = { SCHEDULED: 'Scheduled', PAUSED: 'Paused' };
  const statusFilter = selectField({
    label: 'Status', name: 'status', testid: 'jobs-filter-status', value: filters.status,
    options: [['', 'All statuses'], ...Object.entries(statusWords)],
    onChange: (val) => { filters.status = val; refilter(); },
  });
  fillChoices(statusFilter, ctx.api, 'Job', 'status', statusWords, [['', 'All statuses']]);

  root.append(h('section', { class: 'page' },
    h('div', { class: 'page-head' },
      h('h1', { 'data-testid': 'page-title', tabindex: '-1' }, 'Jobs'), total,
      h('div', { class: 'page-actions' },
        can('admin') && h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'job-create', on: { click: () => openJobForm(ctx, { onSaved: kick }) } }, '+ New job'))),
    h('div', { class: 'toolbar' },
      h('label', { class: 'filter filter-grow', for: 'jobs-search' }, h('span', { class: 'filter-label' }, 'Search'), search),
      statusFilter,
      selectField({
        label: 'Handler', name: 'handler', testid: 'jobs-filter-handler', value: filters.handler,
        options: [['', 'All handlers'], ...[...new Set([...HANDLERS, filters.handler].filter(Boolean))].map((x) => [x, x])],
        onChange: (val) => { filters.handler = val; refilter(); },
      }),
      selectField({
        label: 'Sort', name: 'sort', testid: 'jobs-sort', value: filters.sort, options: SORTS,
        onChange: (val) => { filters.sort = val; refilter(); },
      })),
    table.el,
    pages.el));

  poller = ctx.poll(async (signal) => {
    const v = version;
    const list = await ctx.api.listJobs({ ...filters, limit: pages.limit, cursor: pages.cursor }, { signal });
    if (v !== version) return;
    table.update(list.items || []);
    pages.update(list);
    total.textContent = typeof list.total === 'number' ? `${list.total} ${list.total === 1 ? 'job' : 'jobs'}` : '';
  });
}
