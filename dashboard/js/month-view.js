// A job's month, for a job with a calendar, windows, blackouts or a business-day rule:
// each day business or not (the holiday's name), its open windows and blackouts, the
// job's occurrences with what became of them, and "why?" for a clicked day or
// occurrence (GET /jobs/{id}/explain?at=). Days are laid out in the calendar's zone (the
// zone its days are judged in), else the job's.
//
// Reads, per month shown and every 10 s: GET /calendars/{name}/days (when the job has a
// calendar), GET /jobs/{id}/occurrences for the month, GET /jobs/{id}/next-runs.

import { h, route, setChildren, setText } from './dom.js';
import { fmtInZone } from './format.js';
import { badge } from './ui.js';
import { clockIn, dayKey, dayStart, isoDay, monthOf } from './zoned.js';

const REFRESH_MS = 10_000;
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const OUTCOME_WORDS = {
  ran: 'ran', caught_up: 'ran late', backfilled: 'backfilled', skipped: 'skipped',
  missed: 'missed', upcoming: 'upcoming', deferred: 'deferred',
};
const EXPLAIN_WORDS = {
  ran: 'Ran', skipped: 'Skipped', deferred: 'Deferred', upcoming: 'Upcoming',
  not_an_occurrence: 'Not an occurrence',
};
const MONTHS = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const LONG_DAY = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** Whether a job has anything a month view shows. */
export function hasCalendarRules(job) {
  return Boolean(job.calendar || job.business_day_rule || (job.windows || []).length || (job.blackouts || []).length);
}

/** The weekdays (0 = Monday) a window's `days` names ("mon-fri", "sat"). */
function windowDays(days) {
  const out = new Set();
  for (const item of days || []) {
    const [a, b = a] = String(item).toLowerCase().split('-');
    const i = WEEKDAYS.indexOf(a);
    const j = WEEKDAYS.indexOf(b);
    if (i < 0 || j < 0) continue;
    if (i <= j) for (let k = i; k <= j; k++) out.add(k);
    else { for (let k = i; k < 7; k++) out.add(k); for (let k = 0; k <= j; k++) out.add(k); }
  }
  return out;
}

/** What the ledger's entry shows: 'deferred' when a window holds an upcoming run. */
function shownOutcome(o) {
  if (o.outcome === 'upcoming' && o.reason && /deferred/i.test(o.reason)) return 'deferred';
  return o.outcome;
}

/**
 * monthView(ctx, jobId) -> {el, update(job)}: update with the job on each refresh; the
 * card shows itself only for a job with calendar rules. With jobId null it shows a
 * calendar's days alone: update({calendar: name, timezone}) (the Calendars page).
 */
export function monthView(ctx, jobId) {
  let job = null;
  let zone = 'UTC';
  let month = null; // {y, m}
  let version = 0;
  let poller = null;
  let jobKey = '';

  const title = h('span', { class: 'month-title', 'data-testid': 'month-title', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'month-prev', 'aria-label': 'Previous month', on: { click: () => move(-1) } }, '‹');
  const next = h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'month-next', 'aria-label': 'Next month', on: { click: () => move(1) } }, '›');
  const today = h('button', { type: 'button', class: 'btn btn-sm', on: { click: () => { month = monthOf(new Date(), zone); changed(); } } }, 'Today');
  const grid = h('div', { class: 'month-grid-wrap' });
  const zoneNote = h('span', { class: 'muted small', 'data-testid': 'month-zone' });
  const explainBox = h('div', { class: 'month-explain', 'data-testid': 'month-explain', hidden: true, role: 'status', 'aria-live': 'polite' });
  const nextRuns = h('ul', { class: 'month-next-runs small', 'data-testid': 'month-next-runs' });
  const note = h('p', { class: 'muted small', hidden: true, 'data-testid': 'month-truncated' });
  const legend = h('ul', { class: 'month-legend small', 'data-testid': 'month-legend', 'aria-label': 'Legend' },
    h('li', null, h('span', { class: 'month-swatch day-business' }), ' business day'),
    h('li', null, h('span', { class: 'month-swatch day-weekend' }), ' weekend'),
    h('li', null, h('span', { class: 'month-swatch day-holiday' }), ' holiday / closed'),
    h('li', null, h('span', { class: 'month-swatch day-blackout' }), ' blackout'),
    !jobId ? null : ['ran', 'skipped', 'deferred', 'upcoming'].map((o) => h('li', null, h('span', { class: ['occ-dot', `occ-${o}`] }), ` ${OUTCOME_WORDS[o]}`)));

  const el = h('div', { class: 'card month-card', 'data-testid': 'job-month', hidden: true },
    h('div', { class: 'card-head' },
      h('h2', null, 'Calendar'),
      zoneNote,
      h('div', { class: 'month-nav' }, prev, title, next, today)),
    legend,
    grid,
    note,
    explainBox,
    jobId ? h('h3', null, 'Next runs') : null,
    jobId ? nextRuns : null);

  function move(delta) {
    const idx = month.y * 12 + (month.m - 1) + delta;
    month = { y: Math.floor(idx / 12), m: (idx % 12) + 1 };
    changed();
  }

  function changed() {
    ctx.setQuery({ month: `${month.y}-${String(month.m).padStart(2, '0')}` });
    explainBox.hidden = true;
    version++;
    grid.setAttribute('aria-busy', 'true');
    if (poller) poller.kick();
  }

  async function explain(at, label, verdict) {
    const asked = ++explainSeq;
    explainBox.hidden = false;
    if (!jobId) { // a calendar alone: its verdict on the day is the answer
      setChildren(explainBox, h('div', { class: 'month-explain-head' }, h('strong', null, label)),
        h('p', { 'data-testid': 'month-explain-day' }, !verdict ? 'No calendar data.' : verdict.business ? 'A business day.' : `Not a business day: ${verdict.reason}.`));
      return;
    }
    setChildren(explainBox, h('p', { class: 'muted' }, `Why? ${label}…`));
    try {
      const x = await ctx.api.explainJob(jobId, { at });
      if (asked !== explainSeq) return;
      setChildren(explainBox, 
        h('div', { class: 'month-explain-head' },
          h('strong', null, label), ' ',
          h('span', { class: ['occ-tag', `occ-${x.outcome}`], 'data-testid': 'month-explain-outcome', dataset: { outcome: x.outcome } }, EXPLAIN_WORDS[x.outcome] || x.outcome),
          h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close', on: { click: () => { explainBox.hidden = true; } } }, '×')),
        verdict && !verdict.business && !(x.reason || '').includes(verdict.reason) ? h('p', { 'data-testid': 'month-explain-day' }, `Not a business day: ${verdict.reason}.`) : null,
        x.reason ? h('p', { 'data-testid': 'month-explain-reason' }, x.reason) : h('p', { class: 'muted', 'data-testid': 'month-explain-reason' }, 'No rule moved or held it.'),
        x.deferred_to ? h('p', null, `Deferred to ${fmtInZone(x.deferred_to, zone)}.`) : null,
        x.execution_id ? h('p', null, h('a', { href: route('executions', x.execution_id), 'data-testid': 'month-explain-run' }, 'Open its run →')) : null);
    } catch (err) {
      if (asked !== explainSeq) return;
      if (err.status === 401) return;
      setChildren(explainBox, h('p', { class: 'error-text' }, `Could not explain: ${err.message}`));
    }
  }
  let explainSeq = 0;

  function render(days, ledger, ahead) {
    const { y, m } = month;
    setText(title, MONTHS.format(new Date(Date.UTC(y, m - 1, 1))));
    const count = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const verdicts = new Map((days || []).map((d) => [d.date, d]));
    const byDay = new Map();
    for (const o of ledger.items || []) {
      const k = dayKey(o.scheduled_for, zone);
      if (!byDay.has(k)) byDay.set(k, []);
      byDay.get(k).push(o);
    }
    const windows = (job.windows || []).map((w) => ({ days: windowDays(w.days), text: `${w.from}–${w.to}` }));
    const blackouts = (job.blackouts || []).map((b) => [new Date(b.start).getTime(), new Date(b.end).getTime()]);
    const todayKey = dayKey(new Date(), zone);

    const cells = [];
    const lead = new Date(Date.UTC(y, m - 1, 1)).getUTCDay(); // 0 = Sunday
    for (let i = 0; i < (lead + 6) % 7; i++) cells.push(h('td', { class: 'month-pad', 'aria-hidden': 'true' }));
    for (let d = 1; d <= count; d++) {
      const key = isoDay(y, m, d);
      const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
      const verdict = verdicts.get(key) || null;
      const start = dayStart(y, m, d, zone).getTime();
      const end = dayStart(...(d === count ? [m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1] : [y, m, d + 1]), zone).getTime();
      let kind = 'plain';
      if (verdict) kind = verdict.business ? 'business' : verdict.reason === 'weekend' ? 'weekend' : 'holiday';
      const open = (!verdict || verdict.business) ? windows.filter((w) => w.days.has(weekday)).map((w) => w.text) : [];
      const blackout = blackouts.some(([a, b]) => a < end && b > start);
      const occs = byDay.get(key) || [];
      const words = [LONG_DAY.format(new Date(Date.UTC(y, m - 1, d))),
        verdict ? (verdict.business ? 'business day' : verdict.reason) : null,
        blackout ? 'blackout' : null,
        open.length ? `open ${open.join(', ')}` : null,
        occs.length ? `${occs.length} occurrence${occs.length === 1 ? '' : 's'}` : null].filter(Boolean).join(', ');
      cells.push(h('td', {
        class: ['month-day', `day-${kind}`, blackout && 'day-blackout', key === todayKey && 'is-today'],
        'data-testid': 'month-day', dataset: { date: key, kind },
      },
      h('button', {
        type: 'button', class: 'month-day-num', 'data-testid': 'month-day-button', 'aria-label': `${words}: why?`,
        on: { click: () => (occs.length ? explain(occs[0].scheduled_for, `${key} ${clockIn(occs[0].scheduled_for, zone)}`, verdict) : explain(new Date(start).toISOString(), key, verdict)) },
      }, String(d)),
      verdict && !verdict.business && kind !== 'weekend' ? h('div', { class: 'month-day-reason', 'data-testid': 'month-day-reason' }, verdict.reason) : null,
      blackout ? h('div', { class: 'month-day-blackout', 'data-testid': 'month-day-blackout' }, 'blackout') : null,
      open.length ? h('div', { class: 'month-day-window muted', 'data-testid': 'month-day-window' }, open.join(', ')) : null,
      occs.length ? h('ul', { class: 'month-occs' }, occs.slice(0, 6).map((o) => {
        const shown = shownOutcome(o);
        const when = clockIn(o.scheduled_for, zone);
        return h('li', null, h('button', {
          type: 'button', class: ['occ-tag', `occ-${shown}`], 'data-testid': 'month-occurrence',
          dataset: { outcome: shown, at: o.scheduled_for },
          title: o.reason || OUTCOME_WORDS[shown],
          on: { click: () => explain(o.scheduled_for, `${key} ${when}`, verdict) },
        }, `${when} ${OUTCOME_WORDS[shown] || shown}`));
      }), occs.length > 6 ? h('li', { class: 'muted small' }, `+${occs.length - 6} more`) : null) : null));
    }
    while (cells.length % 7) cells.push(h('td', { class: 'month-pad', 'aria-hidden': 'true' }));
    const rows = [];
    for (let i = 0; i < cells.length; i += 7) rows.push(h('tr', null, cells.slice(i, i + 7)));
    setChildren(grid, h('table', { class: 'month-grid', 'data-testid': 'month-grid' },
      h('caption', { class: 'sr-only' }, `${MONTHS.format(new Date(Date.UTC(y, m - 1, 1)))}: days and occurrences`),
      h('thead', null, h('tr', null, ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((w) => h('th', { scope: 'col' }, w)))),
      h('tbody', null, rows)));
    grid.removeAttribute('aria-busy');
    note.hidden = !ledger.truncated;
    setText(note, ledger.truncated ? 'This month holds more occurrences than shown (the first 500).' : '');
    setChildren(nextRuns, ...((ahead && ahead.items) || []).slice(0, 5).map((r) => h('li', { 'data-testid': 'month-next-run' },
      fmtInZone(r.utc || r.at, zone), r.reason ? h('span', { class: 'muted' }, ` — ${r.reason}`) : null)));
    if (!nextRuns.firstChild) nextRuns.append(h('li', { class: 'muted' }, job.status === 'PAUSED' ? 'Paused.' : 'None ahead.'));
  }

  async function tick(signal) {
    if (!job || el.hidden) return;
    const asked = version;
    const { y, m } = month;
    const count = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const since = dayStart(y, m, 1, zone).toISOString();
    const until = dayStart(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1, zone).toISOString();
    const [days, ledger, ahead] = await Promise.all([
      job.calendar
        ? ctx.api.calendarDays(job.calendar, { since: isoDay(y, m, 1), until: isoDay(y, m, count) }, { signal }).then((r) => r.items)
        : Promise.resolve(null),
      jobId ? ctx.api.jobOccurrences(jobId, { since, until, limit: 500 }, { signal }) : { items: [] },
      jobId ? ctx.api.jobNextRuns(jobId, { count: 5 }, { signal }).catch((err) => { if (err.name === 'AbortError' || err.status === 401) throw err; return null; }) : null,
    ]);
    if (asked !== version) return; // the month changed meanwhile: the next tick draws it
    render(days, ledger, ahead);
  }

  return {
    el,
    async update(j) {
      const show = hasCalendarRules(j);
      el.hidden = !show;
      if (!show) return;
      const key = JSON.stringify([j.calendar, j.timezone, j.windows, j.blackouts, j.business_day_rule, j.non_business_day, j.status, jobId ? null : j.version]);
      job = j;
      if (key === jobKey) return;
      jobKey = key;
      zone = j.timezone || 'UTC';
      if (j.calendar && jobId) {
        try { zone = (await ctx.api.getCalendar(j.calendar)).timezone || zone; } catch (err) { if (err.status === 401) return; }
      }
      setChildren(zoneNote, j.calendar && jobId
        ? ['calendar ', h('a', { href: route('calendars', j.calendar), 'data-testid': 'month-calendar-link' }, j.calendar), ', ']
        : null, `days in ${zone}`);
      if (!month) {
        const q = /^(\d{4})-(\d{2})$/.exec(ctx.query.month || '');
        month = q ? { y: Number(q[1]), m: Math.min(12, Math.max(1, Number(q[2]))) } : monthOf(new Date(), zone);
      }
      version++;
      if (!poller) poller = ctx.poll(tick, { interval: REFRESH_MS, report: false });
      else poller.kick();
    },
  };
}
