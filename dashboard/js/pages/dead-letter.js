// Dead letter: executions that ran out of retries. Inspect, redrive, delete. Live.

import { h, route, setText } from '../dom.js';
import { truncate } from '../format.js';
import { confirmDialog, jsonBlock, kvList, liveTable, pager, relTime, runAction } from '../ui.js';
import { can } from '../access.js';

export const title = 'Dead letter';

export function mount(root, ctx) {
  let poller;
  const kick = () => poller.kick();
  const pages = pager({ limit: 50, onChange: kick });
  const total = h('span', { class: 'muted', 'data-testid': 'dlq-total' });

  async function redrive(item, button) {
    await runAction(button, () => ctx.api.redriveDeadLetter(item.id), {
      success: (x) => ({
        message: `Redriven “${item.job_name || item.job_id}”`,
        link: x && x.id ? { href: route('executions', x.id), text: 'View run' } : null,
      }),
    });
    kick();
  }

  async function remove(item, button) {
    const ok = await confirmDialog({
      title: 'Delete dead-letter entry?',
      message: `Delete the failed run of “${item.job_name || item.job_id}” from the dead-letter queue? It will not run again.`,
      details: item.error ? truncate(item.error, 200) : null,
      confirmLabel: 'Delete entry',
      danger: true,
    });
    if (!ok) return;
    await runAction(button, () => ctx.api.deleteDeadLetter(item.id), { success: 'Dead-letter entry deleted' });
    kick();
  }

  const table = liveTable({
    testid: 'dlq-table',
    caption: 'Dead-letter entries',
    empty: 'The dead-letter queue is empty.',
    columns: [
      { label: h('span', { class: 'sr-only' }, 'Details'), cls: 'col-toggle' },
      { label: 'Job' }, { label: 'Handler', cls: 'col-opt' }, { label: 'Error' }, { label: 'Attempts', cls: 'num' },
      { label: 'Reason', cls: 'col-opt' }, { label: 'Failed' },
      { label: h('span', { class: 'sr-only' }, 'Actions'), cls: 'col-actions' },
    ],
    key: (d) => d.id,
    row: (d, { expanded, toggle }) => h('tr', {
      class: ['row', 'row-clickable'], 'data-testid': 'dlq-row', dataset: { dlqId: d.id, jobName: d.job_name || '' },
      on: {
        click: (e) => {
          if (e.target.closest('button, a') || String(window.getSelection()).length) return;
          toggle();
        },
      },
    },
    h('td', { class: 'col-toggle' }, h('button', {
      type: 'button', class: 'icon-btn expander', 'aria-expanded': String(expanded), 'data-testid': 'dlq-inspect',
      'aria-label': expanded ? 'Hide details' : 'Inspect payload and error', on: { click: toggle },
    }, expanded ? '▾' : '▸')),
    h('td', { class: 'cell-name' }, d.job_id ? h('a', { href: route('jobs', d.job_id) }, d.job_name || d.job_id) : (d.job_name || '—')),
    h('td', { class: 'col-opt mono small' }, d.handler || '—'),
    h('td', { class: 'err-cell' }, d.error ? h('span', { class: 'error-text', title: d.error }, truncate(d.error, 80)) : h('span', { class: 'muted' }, '—')),
    h('td', { class: 'num' }, String(d.attempts ?? '—')),
    h('td', { class: 'col-opt' }, d.reason || '—'),
    h('td', null, relTime(d.created_at)),
    h('td', { class: 'col-actions' }, h('div', { class: 'actions' },
      can('operate') && h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'dlq-redrive', on: { click: (e) => redrive(d, e.currentTarget) } }, 'Redrive'),
      can('operate') && h('button', { type: 'button', class: 'btn btn-sm btn-danger-ghost', 'data-testid': 'dlq-delete', on: { click: (e) => remove(d, e.currentTarget) } }, 'Delete')))),
    detail: (d) => h('div', { class: 'x-detail', 'data-testid': 'dlq-detail' },
      h('div', { class: 'x-grid' },
        kvList([
          ['Entry', h('code', null, d.id)],
          ['Execution', d.execution_id ? h('a', { href: route('executions', d.execution_id), class: 'mono' }, d.execution_id) : null],
          ['Job', d.job_id ? h('a', { href: route('jobs', d.job_id) }, d.job_name || d.job_id) : null],
          ['Handler', d.handler ? h('code', null, d.handler) : null],
          ['Attempts', String(d.attempts ?? '—')],
          ['Reason', d.reason],
          ['Failed', relTime(d.created_at, { withClock: true })],
        ]),
        h('div', null,
          h('h3', null, 'Error'),
          h('pre', { class: 'json error-block', 'data-testid': 'dlq-error' }, d.error || '—'),
          h('h3', null, 'Payload'),
          jsonBlock(d.payload, { 'data-testid': 'dlq-payload' })))),
  });

  root.append(h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', { 'data-testid': 'page-title', tabindex: '-1' }, 'Dead letter'), total),
    h('p', { class: 'muted small' }, 'Runs that failed every attempt. Redrive removes the entry and queues the same run again, with its payload and a fresh retry budget.'),
    table.el,
    pages.el));

  poller = ctx.poll(async (signal) => {
    const list = await ctx.api.listDeadLetters({ limit: pages.limit, cursor: pages.cursor }, { signal });
    table.update(list.items || []);
    pages.update(list);
    setText(total, typeof list.total === 'number' ? `${list.total} ${list.total === 1 ? 'entry' : 'entries'}` : '');
  });
}
