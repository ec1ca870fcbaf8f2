// Overview: the system at a glance (GET /metrics every tick) and the last hour's
// throughput / failures chart (GET /metrics/executions, every 10 s: its buckets are minutes).

import { h, setText } from '../dom.js';
import { fmtDuration, fmtNumber, fmtPercent, fmtTime } from '../format.js';
import { badge } from '../ui.js';
import { throughputChart, chartLegend } from '../chart.js';

export const title = 'Overview';

const EXEC_STATUSES = ['PENDING', 'QUEUED', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'SKIPPED'];

/** One stat tile; returns {el, set(text, raw, sub, tone)}. */
function card(label, testid, { href, hint, text = false } = {}) {
  const value = h('div', { class: ['metric-value', text && 'metric-text'], 'data-testid': `metric-${testid}` }, '—');
  const sub = h('div', { class: 'metric-sub' });
  const labelEl = href ? h('a', { href, class: 'metric-label' }, label) : h('div', { class: 'metric-label' }, label);
  const el = h('div', { class: ['metric', text && 'metric-wide'], title: hint || null }, labelEl, value, sub);
  return {
    el,
    sub,
    set(txt, raw, subText = '', tone = '') {
      setText(value, txt);
      value.dataset.value = raw === null || raw === undefined ? '' : String(raw);
      if (subText !== null) setText(sub, subText);
      el.dataset.tone = tone;
    },
  };
}

/** A titled group of stat tiles. */
function group(titleText, cards, testid) {
  const span = cards.reduce((n, c) => n + (c.el.classList.contains('metric-wide') ? 2 : 1), 0);
  return h('section', { class: 'stat-group', 'data-testid': testid, style: { flex: `${span} 1 ${span * 92 + (span - 1) * 8 + 26}px` } },
    h('h2', { class: 'section-label' }, titleText),
    h('div', { class: 'stats' }, cards.map((c) => c.el)));
}

export function mount(root, ctx) {
  const c = {
    workers: card('Workers', 'workers-total', { href: '#/workers' }),
    stale: card('Stale', 'workers-stale', { href: '#/workers', hint: 'Stale workers: heartbeat overdue' }),
    leader: card('Scheduler leader', 'leader', { hint: 'Holder of the leader lock', text: true }),
    dlq: card('Dead letter', 'dead-letter', { href: '#/dead-letter' }),
    jobs: card('Jobs', 'jobs-total', { href: '#/jobs' }),
    scheduled: card('Scheduled', 'jobs-scheduled', { href: '#/jobs?status=SCHEDULED' }),
    paused: card('Paused', 'jobs-paused', { href: '#/jobs?status=PAUSED' }),
    ready: card('Ready', 'queue-ready', { hint: 'Queued, waiting for a worker' }),
    inflight: card('In flight', 'queue-in-flight', { hint: 'Claimed by a worker' }),
    delayed: card('Delayed', 'queue-delayed', { hint: 'Waiting out a retry backoff' }),
    t1: card('Last minute', 'throughput-last-minute', { hint: 'Finished executions' }),
    t5: card('Last 5 min', 'throughput-last-5-minutes', { hint: 'Finished executions' }),
    t60: card('Last hour', 'throughput-last-hour', { hint: 'Finished executions' }),
    f5: card('Failed, 5 min', 'failure-rate-last-5-minutes', { hint: 'Share of finished executions that failed' }),
    f60: card('Failed, 1 h', 'failure-rate-last-hour', { hint: 'Share of finished executions that failed' }),
    p50: card('p50 duration', 'duration-p50'),
    p95: card('p95 duration', 'duration-p95'),
    p99: card('p99 duration', 'duration-p99'),
    late: card('Late starts, 1 h', 'alerts-late-start', { hint: 'Runs that started later than their job allows' }),
    overran: card('Overran, 1 h', 'alerts-overran', { hint: 'Runs that took longer than their job allows' }),
  };
  const leaderTtl = h('span', { 'data-testid': 'metric-leader-ttl' });
  const statusCounts = {};
  const statusRow = h('div', { class: 'status-counts' }, EXEC_STATUSES.map((st) => {
    statusCounts[st] = h('span', { class: 'status-count-n', 'data-testid': `metric-executions-${st}` }, '—');
    return h('a', { class: 'status-count', href: `#/executions?status=${st}` }, badge(st), statusCounts[st]);
  }));
  const generated = h('span', { class: 'muted small' });
  const chartBox = h('div', { class: 'chart-box' }, h('p', { class: 'muted' }, 'Loading…'));
  const chartNote = h('span', { class: 'muted small' });

  root.append(h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', { 'data-testid': 'page-title', tabindex: '-1' }, 'Overview'), generated),
    h('div', { class: 'stat-groups' },
      group('Health', [c.workers, c.stale, c.leader, c.dlq, c.late, c.overran], 'metrics-health'),
      group('Jobs & queue', [c.jobs, c.scheduled, c.paused, c.ready, c.inflight, c.delayed], 'metrics-queue'),
      group('Throughput', [c.t1, c.t5, c.t60, c.f5, c.f60], 'metrics-throughput'),
      group('Duration (last hour)', [c.p50, c.p95, c.p99], 'metrics-duration')),
    h('div', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', null, 'Executions, last hour'), chartNote),
      chartLegend(),
      chartBox),
    h('div', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', null, 'Executions by status')),
      statusRow)));
  c.leader.sub.after(h('div', { class: 'metric-sub' }, leaderTtl));

  function render(m) {
    const jobs = m.jobs || {};
    const jb = jobs.by_status || {};
    const q = m.queue || {};
    const w = m.workers || {};
    const t = m.throughput || {};
    const f = m.failure_rate || {};
    const d = m.duration_ms || {};
    const leader = m.leader || {};
    c.workers.set(fmtNumber(w.total), w.total, w.total ? `${fmtNumber(w.total - (w.stale || 0))} healthy` : 'none running', w.total ? '' : 'bad');
    c.stale.set(fmtNumber(w.stale), w.stale, w.stale ? 'heartbeat late' : 'all fresh', w.stale ? 'bad' : 'good');
    c.leader.set(leader.id || 'none', leader.id || '', leader.id ? 'holds the lock' : 'no scheduler holds the lock', leader.id ? 'good' : 'bad');
    setText(leaderTtl, leader.id && typeof leader.ttl_ms === 'number' ? `lock TTL ${fmtDuration(leader.ttl_ms)}` : '');
    leaderTtl.dataset.value = leader.ttl_ms ?? '';
    c.dlq.set(fmtNumber(m.dead_letter), m.dead_letter, m.dead_letter ? 'to review' : 'empty', m.dead_letter ? 'bad' : 'good');
    const al = m.alerts || {};
    c.late.set(fmtNumber(al.late_start ?? 0), al.late_start ?? 0, 'SLA alerts', al.late_start ? 'bad' : 'good');
    c.overran.set(fmtNumber(al.overran ?? 0), al.overran ?? 0, 'SLA alerts', al.overran ? 'bad' : 'good');
    c.jobs.set(fmtNumber(jobs.total), jobs.total);
    c.scheduled.set(fmtNumber(jb.SCHEDULED ?? 0), jb.SCHEDULED ?? 0);
    c.paused.set(fmtNumber(jb.PAUSED ?? 0), jb.PAUSED ?? 0, '', jb.PAUSED ? 'warn' : '');
    // With more than one pool, say how the backlog splits (each pool scales on its own).
    const pools = Object.entries(q.pools || {});
    const split = pools.length > 1 ? pools.map(([name, p]) => `${name} ${fmtNumber(p.ready)}`).join(' · ') : '';
    c.ready.set(fmtNumber(q.ready), q.ready, split);
    c.inflight.set(fmtNumber(q.in_flight), q.in_flight);
    c.delayed.set(fmtNumber(q.delayed), q.delayed);
    c.t1.set(fmtNumber(t.last_minute), t.last_minute, 'executions');
    c.t5.set(fmtNumber(t.last_5_minutes), t.last_5_minutes, 'executions');
    c.t60.set(fmtNumber(t.last_hour), t.last_hour, 'executions');
    const tone = (x) => (x > 0.2 ? 'bad' : x > 0 ? 'warn' : '');
    c.f5.set(fmtPercent(f.last_5_minutes), f.last_5_minutes, '', tone(f.last_5_minutes));
    c.f60.set(fmtPercent(f.last_hour), f.last_hour, '', tone(f.last_hour));
    c.p50.set(fmtDuration(d.p50), d.p50);
    c.p95.set(fmtDuration(d.p95), d.p95);
    c.p99.set(fmtDuration(d.p99), d.p99);
    const by = (m.executions && m.executions.by_status) || {};
    for (const st of EXEC_STATUSES) {
      setText(statusCounts[st], fmtNumber(by[st] ?? 0));
      statusCounts[st].dataset.value = String(by[st] ?? 0);
    }
    setText(generated, m.generated_at ? `metrics at ${fmtTime(m.generated_at)}` : '');
  }

  ctx.poll(async (signal) => render(await ctx.api.metrics({ signal })));

  // Chart: its own slower poller; re-drawn when the data or the width changes.
  let chartData = null;
  let chartSig = '';
  let drawnWidth = 0;
  function draw() {
    if (!chartData) return;
    const width = chartBox.clientWidth || 720;
    // the bucket list is spread over the window up to now: redraw when a bucket starts
    const sig = `${Math.floor(Date.now() / ((chartData.bucket_s || 60) * 1000))}|${JSON.stringify(chartData.buckets)}`;
    if (sig === chartSig && Math.abs(width - drawnWidth) < 4) return;
    chartSig = sig;
    drawnWidth = width;
    const buckets = chartData.buckets || [];
    const total = buckets.reduce((a, b) => a + (b.succeeded || 0) + (b.failed || 0), 0);
    chartBox.replaceChildren(throughputChart(chartData, width));
    setText(chartNote, `${fmtNumber(total)} finished · ${chartData.bucket_s || 60} s buckets`);
  }
  ctx.poll(async (signal) => {
    chartData = await ctx.api.executionMetrics({ window_s: 3600, bucket_s: 60 }, { signal });
    draw();
  }, { interval: 10000, report: false });
  const ro = new ResizeObserver(() => draw());
  ro.observe(chartBox);
  ctx.onCleanup(() => ro.disconnect());
}
