// Workers: load, heartbeat age, stale ones flagged. Live. Operate keys and above.

import { h, setText } from '../dom.js';
import { can, session } from '../access.js';
import { badge, liveTable, relTime } from '../ui.js';

export const title = 'Workers';

export function mount(root, ctx) {
  if (!can('operate')) {
    // GET /workers names hosts and processes: operate keys and above (a 403 otherwise).
    root.append(h('section', { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', { 'data-testid': 'page-title', tabindex: '-1' }, 'Workers')),
      h('p', { class: 'notice', 'data-testid': 'workers-forbidden' },
        `The worker list needs the operate scope; this key's scope is ${session.me ? session.me.scope : 'unknown'}.`)));
    return;
  }
  const summary = h('p', { class: 'summary', 'data-testid': 'workers-summary' });
  const table = liveTable({
    testid: 'workers-table',
    caption: 'Workers',
    empty: 'No workers have reported a heartbeat.',
    columns: [
      { label: 'Worker' }, { label: 'Pools' }, { label: 'Host', cls: 'col-opt' }, { label: 'PID', cls: 'num col-opt' },
      { label: 'Load' }, { label: 'Last heartbeat' }, { label: 'Started', cls: 'col-opt' },
    ],
    key: (w) => w.id,
    row: (w) => {
      const running = Number(w.running) || 0;
      const capacity = Number(w.capacity) || 0;
      const pct = capacity ? Math.min(100, Math.round((running / capacity) * 100)) : 0;
      return h('tr', {
        class: ['row', w.stale && 'row-stale'], 'data-testid': 'worker-row',
        dataset: { workerId: w.id, stale: String(Boolean(w.stale)) },
      },
      h('td', { class: 'mono' }, w.id, w.stale ? [' ', badge('STALE', { 'data-testid': 'worker-stale', title: 'No heartbeat within the expected interval' })] : null),
      h('td', { class: 'mono small', 'data-testid': 'worker-pools', title: (w.handlers || []).join(', ') }, (w.pools || []).join(', ') || '—'),
      h('td', { class: 'col-opt' }, w.host || '—'),
      h('td', { class: 'num col-opt mono' }, w.pid === null || w.pid === undefined ? '—' : String(w.pid)),
      h('td', null, h('div', {
        class: ['load', pct >= 100 && 'load-full'], 'data-testid': 'worker-load', role: 'meter',
        'aria-valuemin': 0, 'aria-valuemax': capacity, 'aria-valuenow': running, 'aria-label': `${running} of ${capacity} slots busy`,
      }, h('div', { class: 'load-bar' }, h('div', { class: 'load-fill', style: { width: `${pct}%` } })),
      h('span', { class: 'load-text' }, `${running} / ${capacity}`))),
      h('td', { class: w.stale ? 'stale-text' : null }, relTime(w.last_heartbeat, { testid: 'worker-heartbeat' })),
      h('td', { class: 'col-opt' }, relTime(w.started_at)));
    },
  });
  root.append(h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', { 'data-testid': 'page-title', tabindex: '-1' }, 'Workers')),
    summary,
    table.el));

  ctx.poll(async (signal) => {
    const res = await ctx.api.listWorkers({}, { signal });
    const items = Array.isArray(res) ? res : (res && res.items) || [];
    table.update(items);
    const stale = items.filter((w) => w.stale).length;
    const running = items.reduce((a, w) => a + (Number(w.running) || 0), 0);
    const capacity = items.filter((w) => !w.stale).reduce((a, w) => a + (Number(w.capacity) || 0), 0);
    setText(summary, `${items.length} ${items.length === 1 ? 'worker' : 'workers'}` +
      `${stale ? ` · ${stale} stale` : ''} · ${running} running / ${capacity} slots on healthy workers`);
    summary.classList.toggle('summary-bad', stale > 0 || items.length === 0);
  });
}
