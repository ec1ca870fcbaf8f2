// A job's flow control (issue 24): its controls in words, and per key its unfinished runs
// had resolved to: running, waiting, the limit holding the waiting ones and when the next
// may start (GET /flow?job_id=, every 3 s). Shown for a job with controls, or while any
// key has runs (a handler's default controls apply to jobs that declare none).

import { h, setChildren, setText } from './dom.js';
import { fmtDuration } from './format.js';
import { liveTable, relTime } from './ui.js';

const REFRESH_MS = 3000;
const CONTROLS = ['concurrency', 'rate', 'debounce', 'singleton'];
const LIMIT_WORDS = {
  concurrency: 'concurrency limit',
  rate: 'rate limit',
  debounce: 'debounce (collecting triggers)',
};
const SINGLETON_WORDS = {
  skip: 'a new trigger is skipped',
  replace_queued: 'a new trigger replaces the queued run',
  cancel_running: 'a new trigger cancels the running one',
};

/** A control's key in words: a literal, or the payload path it is read from. */
function keyWords(key) {
  if (key && typeof key === 'object' && typeof key.$ref === 'string') return `per ${key.$ref}`;
  return `key “${key}”`;
}

/** One control of a job, in words. */
export function controlWords(name, c) {
  const key = keyWords(c.key);
  if (name === 'concurrency') return `at most ${c.limit} running at once, ${key}`;
  if (name === 'rate') return `at most ${c.limit} ${c.mode === 'reject' ? 'accepted triggers' : 'starts'} per ${fmtDuration(c.period_ms)}, ${key}${c.mode === 'reject' ? ' (over it: 429)' : ''}`;
  if (name === 'debounce') return `triggers within ${fmtDuration(c.delay_ms)} collapse into one run${c.max_delay_ms ? `, started at most ${fmtDuration(c.max_delay_ms)} after the first` : ''}, ${key}`;
  if (name === 'singleton') return `one run at a time: ${SINGLETON_WORDS[c.mode] || c.mode}, ${key}`;
  return JSON.stringify(c);
}

/** flowView(ctx, jobId) -> {el, update(job)} */
export function flowView(ctx, jobId) {
  let job = null;
  let items = [];
  let poller = null;
  const controls = h('ul', { class: 'flow-controls small', 'data-testid': 'flow-controls' });
  const total = h('span', { class: 'muted small', 'data-testid': 'flow-total' });
  const table = liveTable({
    testid: 'flow-table',
    caption: 'Flow-control keys',
    empty: 'No unfinished runs under a key.',
    columns: [{ label: 'Key' }, { label: 'Running', cls: 'num' }, { label: 'Waiting', cls: 'num' }, { label: 'Limited by' }, { label: 'Next start' }],
    key: (k) => k.key,
    row: (k) => h('tr', { class: ['row', k.limited_by && 'row-limited'], 'data-testid': 'flow-row', dataset: { key: k.key, limitedBy: k.limited_by || '' } },
      h('td', { class: 'mono' }, k.key),
      h('td', { class: 'num', 'data-testid': 'flow-running' }, String(k.running)),
      h('td', { class: 'num', 'data-testid': 'flow-waiting' }, String(k.waiting)),
      h('td', { 'data-testid': 'flow-limited-by' }, k.limited_by
        ? h('span', { class: ['tag', 'tag-limit'] }, LIMIT_WORDS[k.limited_by] || k.limited_by)
        : h('span', { class: 'muted' }, k.waiting ? 'nothing: next in line' : '—')),
      h('td', { 'data-testid': 'flow-next-start' }, k.next_start_at ? relTime(k.next_start_at, { withClock: true }) : h('span', { class: 'muted' }, '—'))),
  });
  const el = h('div', { class: 'card', 'data-testid': 'job-flow', hidden: true },
    h('div', { class: 'card-head' }, h('h2', null, 'Flow control'), total),
    controls,
    table.el);

  const declared = (j) => CONTROLS.filter((name) => j && j[name]);

  function show() {
    el.hidden = !(declared(job).length || items.length);
  }

  async function tick(signal) {
    const page = await ctx.api.flow({ job_id: jobId }, { signal });
    items = page.items || [];
    table.update(items);
    const waiting = items.reduce((n, k) => n + k.waiting, 0);
    setText(total, items.length ? `${items.length} key${items.length === 1 ? '' : 's'}, ${waiting} waiting` : '');
    show();
  }

  return {
    el,
    update(j) {
      job = j;
      const names = declared(j);
      setChildren(controls, names.length
        ? names.map((name) => h('li', { 'data-testid': 'flow-control', dataset: { control: name } }, h('strong', null, name), ': ', controlWords(name, j[name])))
        : h('li', { class: 'muted' }, 'None declared on the job (its handler’s defaults, if any, apply).'));
      show();
      if (!poller) poller = ctx.poll(tick, { interval: REFRESH_MS, report: false });
    },
  };
}
