// Throughput / failures chart as inline SVG (no library): stacked bars of
// succeeded + failed executions per bucket, and the p95 duration as a line
// on its own (right-hand) scale.

import { s, h } from './dom.js';
import { fmtDuration } from './format.js';

const pad2 = (n) => String(n).padStart(2, '0');

/** Top of a scale with `ticks` even steps of a round size (integers when `whole`). */
function niceMax(v, ticks = 4, whole = false) {
  if (!(v > 0)) return ticks;
  const raw = v / ticks;
  const exp = 10 ** Math.floor(Math.log10(raw));
  const steps = whole ? [1, 2, 3, 4, 5, 6, 8, 10] : [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
  for (const m of steps) {
    const step = m * exp;
    if (step >= raw && (!whole || Number.isInteger(step))) return step * ticks;
  }
  return Math.ceil(raw) * ticks;
}

function hhmm(d) { return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`; }

/**
 * throughputChart(data, width) -> <svg>
 * data = {buckets: [{start, succeeded, failed, p95_duration_ms}], bucket_s}
 */
/**
 * The API lists only buckets that have finished executions (epoch-aligned starts).
 * Spread them over the whole window, with empty buckets in the gaps, so one busy
 * minute is one bar at its place in the hour, not the whole chart.
 */
export function denseBuckets(data, now = Date.now()) {
  const sparse = (data && data.buckets) || [];
  const step = Number(data && data.bucket_s) * 1000;
  const windowMs = Number(data && data.window_s) * 1000;
  if (!(step > 0) || !(windowMs >= step)) return sparse;
  const byStart = new Map();
  for (const b of sparse) {
    const t = Date.parse(b.start);
    if (!Number.isNaN(t)) byStart.set(t, b);
  }
  const last = Math.floor(now / step) * step;
  const latest = Math.max(last, ...byStart.keys());
  let count = Math.min(1000, Math.ceil(windowMs / step));
  const first = Math.min(latest, ...byStart.keys());
  if (first <= latest - count * step) count += 1; // the window's first, partial bucket
  const out = [];
  for (let i = count - 1; i >= 0; i--) {
    const t = latest - i * step;
    out.push(byStart.get(t) || { start: new Date(t).toISOString(), succeeded: 0, failed: 0, p95_duration_ms: null });
  }
  return out;
}

export function throughputChart(data, width = 720) {
  const buckets = denseBuckets(data);
  const W = Math.max(280, Math.round(width));
  const H = W < 500 ? 180 : 220;
  const m = { top: 12, right: 52, bottom: 24, left: 36 };
  const iw = W - m.left - m.right;
  const ih = H - m.top - m.bottom;
  const n = Math.max(buckets.length, 1);
  const totalOk = buckets.reduce((a, b) => a + (b.succeeded || 0), 0);
  const totalFail = buckets.reduce((a, b) => a + (b.failed || 0), 0);
  const maxCount = niceMax(Math.max(0, ...buckets.map((b) => (b.succeeded || 0) + (b.failed || 0))), 4, true);
  const durations = buckets.map((b) => b.p95_duration_ms).filter((v) => typeof v === 'number');
  const maxDur = niceMax(Math.max(0, ...durations));
  const x = (i) => m.left + (i * iw) / n;
  const bw = Math.max(1, iw / n - (n > 90 ? 0.5 : 1.5));
  const y = (v) => m.top + ih - (v / maxCount) * ih;
  const yd = (v) => m.top + ih - (v / maxDur) * ih;

  const svg = s('svg', {
    class: 'chart', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'data-testid': 'throughput-chart',
    'aria-label': `Executions per ${data && data.bucket_s ? `${data.bucket_s} s` : 'bucket'}: ${totalOk} succeeded, ${totalFail} failed in the window`,
  });

  // grid + left axis (counts)
  for (let i = 0; i <= 4; i++) {
    const v = (maxCount * i) / 4;
    const gy = y(v);
    svg.append(
      s('line', { class: 'grid', x1: m.left, x2: m.left + iw, y1: gy, y2: gy }),
      s('text', { class: 'axis', x: m.left - 6, y: gy + 3, 'text-anchor': 'end' }, Number.isInteger(v) ? String(v) : v.toFixed(1)),
    );
    if (durations.length) {
      svg.append(s('text', { class: 'axis axis-dur', x: m.left + iw + 6, y: yd((maxDur * i) / 4) + 3 }, fmtDuration((maxDur * i) / 4)));
    }
  }

  // bars
  const bars = s('g', { class: 'bars' });
  buckets.forEach((b, i) => {
    const ok = b.succeeded || 0;
    const fail = b.failed || 0;
    const start = new Date(b.start);
    const label = `${Number.isNaN(start.getTime()) ? b.start : hhmm(start)} — ${ok} succeeded, ${fail} failed` +
      (typeof b.p95_duration_ms === 'number' ? `, p95 ${fmtDuration(b.p95_duration_ms)}` : '');
    const g = s('g', { class: 'bar' }, s('title', null, label));
    // an invisible full-height hit area so the tooltip works on empty buckets too
    g.append(s('rect', { class: 'hit', x: x(i), y: m.top, width: iw / n, height: ih }));
    if (ok) g.append(s('rect', { class: 'ok', x: x(i), y: y(ok), width: bw, height: Math.max(0.5, y(0) - y(ok)) }));
    if (fail) g.append(s('rect', { class: 'fail', x: x(i), y: y(ok + fail), width: bw, height: Math.max(0.5, y(ok) - y(ok + fail)) }));
    bars.append(g);
  });
  svg.append(bars);

  // p95 line (gaps where there is no data)
  let path = '';
  let pen = false;
  buckets.forEach((b, i) => {
    if (typeof b.p95_duration_ms !== 'number') { pen = false; return; }
    path += `${pen ? 'L' : 'M'}${(x(i) + bw / 2).toFixed(1)},${yd(b.p95_duration_ms).toFixed(1)}`;
    pen = true;
  });
  if (path) svg.append(s('path', { class: 'p95', d: path }));

  // x axis labels: about six, on bucket boundaries
  svg.append(s('line', { class: 'baseline', x1: m.left, x2: m.left + iw, y1: y(0), y2: y(0) }));
  const every = Math.max(1, Math.round(n / (W < 500 ? 4 : 6)));
  buckets.forEach((b, i) => {
    if (i % every !== 0) return;
    const d = new Date(b.start);
    if (Number.isNaN(d.getTime())) return;
    svg.append(s('text', { class: 'axis', x: x(i), y: H - 6, 'text-anchor': i === 0 ? 'start' : 'middle' }, hhmm(d)));
  });
  return svg;
}

export function chartLegend() {
  return h('div', { class: 'legend' },
    h('span', { class: 'legend-item' }, h('i', { class: 'sw sw-ok' }), 'succeeded'),
    h('span', { class: 'legend-item' }, h('i', { class: 'sw sw-fail' }), 'failed'),
    h('span', { class: 'legend-item' }, h('i', { class: 'sw sw-p95' }), 'p95 duration (right axis)'));
}
