// Job detail: every field, the schedule in words, the next runs in the job's time
// zone, and its latest executions (expandable to every attempt and the output). Live:
// one request per refresh, GET /jobs/{id}?include=executions&executions_limit=N, while
// that page holds the N latest asked for. "Show more" raises N; past what that page
// holds (the API's page maximum, or its byte budget), each refresh follows next_cursor
// through GET /jobs/{id}/executions, appending page after page until N are shown or
// the history ends. Filtering is the Executions page's job (#/executions?job_id=<id>).

import { h, setChildren, setText } from '../dom.js';
import { fmtDuration, fmtInZone, fmtJson } from '../format.js';
import { cronToWords } from '../cron-words.js';
import { badge, kvList, relTime } from '../ui.js';
import { openJobForm } from '../job-form.js';
import { deleteJob, openTriggerDialog, pauseJob, resumeJob, triggerJob } from '../job-actions.js';
import { executionsTable } from '../executions-view.js';
import { can } from '../access.js';
import { monthView } from '../month-view.js';
import { flowView } from '../flow-view.js';

const STEP = 20; // executions shown at first, and added by "Show more"
const TIMELINE_HOURS = 24; // the occurrence ledger shown: this far back, and what is next
const TIMELINE_AHEAD_MS = 3600 * 1000;
const OUTCOME_WORDS = {
  ran: 'ran on time', caught_up: 'ran late (caught up)', backfilled: 'backfilled',
  skipped: 'skipped', missed: 'missed', upcoming: 'upcoming',
};
const PAGE_MAX = 200; // the API's largest page (limit, executions_limit)

export const title = 'Job';

const OVERLAP_WORDS = {
  allow: 'runs may overlap',
  skip: 'skip occurrences while a run is unfinished',
  buffer_one: 'one occurrence waits for the unfinished run',
  cancel_previous: 'a new occurrence cancels the unfinished run',
};

export function mount(root, ctx) {
  const id = ctx.params.id;
  let job = null;
  let jobSig = '';
  let shown = STEP;
  let poller;
  const kick = () => poller && poller.kick();

  const nameEl = h('h1', { 'data-testid': 'job-name', tabindex: '-1' }, 'Loading…');
  const statusEl = h('span', { class: 'head-badge' });
  const actions = h('div', { class: 'page-actions' });
  const info = h('div', { class: 'detail-grid' });
  const table = executionsTable(ctx, { showJob: false, onChanged: kick, empty: 'This job has not run yet.' });
  const execTotal = h('span', { class: 'muted small', 'data-testid': 'job-executions-total' });
  const notFound = h('div', { class: 'banner banner-error', role: 'alert', hidden: true });
  // The tick could not compute this job's schedule (see schedule_error); other jobs run.
  const scheduleError = h('div', { class: 'banner banner-error', role: 'alert', hidden: true, 'data-testid': 'job-schedule-error' });
  // No live worker serves its handler on its pool: its runs wait (they are not failed).
  const waiting = h('div', { class: 'banner banner-warn', role: 'status', hidden: true, 'data-testid': 'job-waiting' });
  const allLink = h('a', { href: `#/executions?job_id=${encodeURIComponent(id)}`, 'data-testid': 'job-executions-all' }, 'Filter and page through all →');
  const shownInfo = h('span', { class: 'pager-info', 'data-testid': 'job-executions-shown' });
  const more = h('button', {
    type: 'button', class: 'btn btn-sm', 'data-testid': 'job-executions-more',
    on: { click: () => { shown += STEP; more.disabled = true; kick(); } },
  }, `Show ${STEP} more`);
  const execFoot = h('div', { class: 'pager', hidden: true }, shownInfo, h('span', { class: 'pager-btns' }, more));

  // The occurrence ledger: every expected occurrence and what became of it.
  const timeline = h('ol', { class: 'timeline', 'data-testid': 'job-timeline', 'aria-label': 'Occurrences' });
  const timelineLegend = h('div', { class: 'timeline-legend small', 'data-testid': 'job-timeline-legend' });
  const timelineNotes = h('ul', { class: 'timeline-notes small', 'data-testid': 'job-timeline-notes' });
  const timelineCard = h('div', { class: 'card', hidden: true, 'data-testid': 'job-timeline-card' },
    h('div', { class: 'card-head' }, h('h2', null, `Occurrences (last ${TIMELINE_HOURS} h)`), timelineLegend),
    timeline, timelineNotes);

  // Business days, holidays, windows and the occurrences of a job with calendar rules.
  const month = monthView(ctx, id);
  // Flow-control keys: running, waiting, and the limit that holds the waiting runs.
  const flow = flowView(ctx, id);

  const execCard = h('div', { class: 'card' },
    h('div', { class: 'card-head' },
      h('h2', null, 'Executions'), execTotal,
      h('div', { class: 'card-tools small' }, allLink)),
    table.el,
    execFoot);

  const page = h('section', { class: 'page', 'data-testid': 'job-detail' },
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/jobs', 'data-testid': 'back-to-jobs' }, '← All jobs'),
      ' · ', h('a', { href: `#/audit?target_type=job&target_id=${encodeURIComponent(id)}`, 'data-testid': 'job-history' }, 'Change history')),
    h('div', { class: 'page-head' }, h('div', { class: 'title-line' }, nameEl, statusEl), actions),
    notFound,
    scheduleError,
    waiting,
    info,
    flow.el,
    month.el,
    timelineCard,
    execCard);
  root.append(page);


  function buildActions() {
    const active = document.activeElement && actions.contains(document.activeElement)
      ? document.activeElement.getAttribute('data-testid') : null;
    const paused = job.status === 'PAUSED';
    setChildren(actions, // not replaceChildren: an action the scope lacks is false, not "false"
      can('admin') && h('button', { type: 'button', class: 'btn', 'data-testid': 'job-edit', on: { click: () => openJobForm(ctx, { job, onSaved: (j) => { if (j) render(j); kick(); } }) } }, 'Edit'),
      !can('operate') ? null : paused
        ? h('button', { type: 'button', class: 'btn', 'data-testid': 'job-resume', on: { click: (e) => resumeJob(ctx, job, e.currentTarget).then((j) => { if (j) render(j); kick(); }) } }, 'Resume')
        : h('button', { type: 'button', class: 'btn', 'data-testid': 'job-pause', on: { click: (e) => pauseJob(ctx, job, e.currentTarget).then((j) => { if (j) render(j); kick(); }) } }, 'Pause'),
      can('operate') && h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'job-trigger', on: { click: (e) => triggerJob(ctx, job, e.currentTarget).then(kick) } }, 'Trigger now'),
      can('operate') && h('button', { type: 'button', class: 'btn', 'data-testid': 'job-trigger-custom', on: { click: () => openTriggerDialog(ctx, job, kick) } }, 'Trigger with…'),
      can('admin') && h('button', {
        type: 'button', class: 'btn btn-danger-ghost', 'data-testid': 'job-delete',
        on: { click: async (e) => { if (await deleteJob(ctx, job, e.currentTarget)) ctx.navigate('#/jobs'); } },
      }, 'Delete'));
    if (active) {
      const swap = { 'job-pause': 'job-resume', 'job-resume': 'job-pause' }[active] || active;
      const el = actions.querySelector(`[data-testid="${swap}"]`);
      if (el) el.focus();
    }
  }

  function render(j) {
    const statusChanged = !job || job.status !== j.status;
    job = j;
    const sig = JSON.stringify(j);
    if (sig === jobSig) return;
    jobSig = sig;
    ctx.setTitle(j.name);
    setText(nameEl, j.name);
    statusEl.replaceChildren(badge(j.status, { 'data-testid': 'job-status' }));
    if (statusChanged || !actions.firstChild) buildActions();
    waiting.hidden = !j.waiting;
    setText(waiting, j.waiting ? `Its runs wait: ${j.waiting}. They run once a worker serving it starts.` : '');
    scheduleError.hidden = !j.schedule_error;
    setText(scheduleError, j.schedule_error ? `This job cannot be scheduled: ${j.schedule_error}. Edit its schedule or time zone to fix it.` : '');

    const tz = j.timezone || 'UTC';
    const words = j.schedule ? cronToWords(j.schedule) : 'No schedule — runs only when triggered';
    const upcoming = Array.isArray(j.upcoming_runs) ? j.upcoming_runs : [];
    info.replaceChildren(
      h('div', { class: 'card' },
        h('div', { class: 'card-head' }, h('h2', null, 'Schedule')),
        h('p', { class: 'sched-words', 'data-testid': 'job-schedule-words' }, words),
        kvList([
          ['Cron', j.schedule ? h('code', null, j.schedule) : null, 'job-schedule'],
          ['Time zone', tz, 'job-field-timezone'],
          ['Next run', j.status === 'PAUSED' ? h('span', { class: 'muted' }, 'paused') : relTime(j.next_run_time, { withClock: true }), 'job-field-next_run_time'],
          ['Last run', relTime(j.last_run_time, { withClock: true }), 'job-field-last_run_time'],
        ]),
        j.schedule ? [
          h('h3', null, `Next runs (${tz})`),
          upcoming.length
            ? h('ol', { class: 'upcoming', 'data-testid': 'upcoming-runs' }, upcoming.map((iso) => h('li', { 'data-testid': 'upcoming-run' },
              h('span', null, fmtInZone(iso, tz)), ' ', h('span', { class: 'muted small' }, relTime(iso)))))
            : h('p', { class: 'muted' }, j.status === 'PAUSED' ? 'Paused: resume to see upcoming runs.' : 'No upcoming runs.'),
        ] : null),
      h('div', { class: 'card' },
        h('div', { class: 'card-head' }, h('h2', null, 'Configuration')),
        kvList([
          ['Handler', h('code', null, j.handler), 'job-field-handler'],
          ['Pool', h('code', null, j.pool), 'job-field-pool'],
          ['Max concurrency', j.max_concurrency ? String(j.max_concurrency) : 'no cap', 'job-field-max_concurrency'],
          ['Priority', String(j.priority), 'job-field-priority'],
          ['Max retries', String(j.max_retries), 'job-field-max_retries'],
          ['Timeout', `${fmtDuration(j.timeout_ms)} (${j.timeout_ms} ms)`, 'job-field-timeout_ms'],
          ['Retry backoff', `${fmtDuration(j.retry_backoff_ms)} doubling, max ${fmtDuration(j.retry_backoff_max_ms)}`, 'job-field-retry_backoff_ms'],
          ['Overlap', OVERLAP_WORDS[j.overlap_policy] || j.overlap_policy, 'job-field-overlap_policy'],
          ['Catch-up', j.catch_up === 'all' ? `all, within ${fmtDuration(j.catch_up_window_s * 1000)}, at most ${j.catch_up_max}` : j.catch_up, 'job-field-catch_up'],
          ['DST', `missing time: ${j.dst_gap}; repeated time: ${j.dst_overlap}`, 'job-field-dst'],
          ['Alerts', [j.max_start_delay_ms ? `start later than ${fmtDuration(j.max_start_delay_ms)}` : null,
            j.max_duration_ms ? `longer than ${fmtDuration(j.max_duration_ms)}` : null].filter(Boolean).join('; ') || 'none', 'job-field-alerts'],
          ['Notify', j.notify_url ? h('code', null, j.notify_url) : null, 'job-field-notify_url'],
          ['Created', relTime(j.created_at, { withClock: true }), 'job-field-created_at'],
          ['Updated', relTime(j.updated_at, { withClock: true }), 'job-field-updated_at'],
          ['Job id', h('code', null, j.id), 'job-field-id'],
        ])),
      h('div', { class: 'card' },
        j.description ? [h('h2', null, 'Description'), h('p', { class: 'description', 'data-testid': 'job-field-description' }, j.description)] : null,
        h('h2', null, 'Payload'),
        h('pre', { class: 'json', 'data-testid': 'job-field-payload' }, fmtJson(j.payload))));
  }

  // The `shown` latest executions: the page that came with the job, then the pages
  // after it, each from the previous one's next_cursor (pages chain from this refresh's
  // first page, so none is repeated or skipped however many runs started since).
  async function latestExecutions(head, signal) {
    const items = [...(head.items || [])];
    const seen = new Set(items.map((x) => x.id));
    let cursor = head.next_cursor || null;
    while (cursor && items.length < shown) {
      const limit = Math.min(PAGE_MAX, shown - items.length);
      const page = await ctx.api.listJobExecutions(id, { limit, cursor }, { signal });
      const fresh = (page.items || []).filter((x) => !seen.has(x.id));
      for (const x of fresh) { seen.add(x.id); items.push(x); }
      cursor = fresh.length ? page.next_cursor || null : null; // an empty page ends it
    }
    const total = typeof head.total === 'number' ? head.total : items.length;
    return { items, total, more: Boolean(cursor) };
  }

  function renderExecutions({ items, total, more: canGrow }) {
    table.update(items);
    setText(execTotal, `${total} total`);
    setText(shownInfo, canGrow ? `Latest ${items.length} of ${total}` : '');
    more.hidden = !canGrow;
    more.disabled = false;
    setText(more, `Show ${Math.max(1, Math.min(STEP, total - items.length))} more`);
    execFoot.hidden = !canGrow;
  }

  function renderTimeline(ledger, tz) {
    const items = ledger.items || [];
    const counts = {};
    for (const o of items) counts[o.outcome] = (counts[o.outcome] || 0) + 1;
    timeline.replaceChildren(...items.map((o) => {
      const words = `${fmtInZone(o.scheduled_for, tz)}: ${OUTCOME_WORDS[o.outcome]}${o.reason ? ` — ${o.reason}` : ''}`;
      const mark = h('span', { class: ['tl', `tl-${o.outcome}`], title: words, role: 'img', 'aria-label': words });
      return h('li', { 'data-testid': 'timeline-occurrence', 'data-outcome': o.outcome },
        o.execution_id ? h('a', { href: `#/executions/${encodeURIComponent(o.execution_id)}` }, mark) : mark);
    }));
    timelineLegend.replaceChildren(...Object.entries(counts).map(([outcome, n]) =>
      h('span', { class: 'tl-key' }, h('span', { class: ['tl', `tl-${outcome}`] }), ` ${OUTCOME_WORDS[outcome]} ${n}`)));
    const notable = items.filter((o) => o.reason && o.outcome !== 'ran').slice(-5);
    timelineNotes.replaceChildren(...notable.map((o) => h('li', null, h('span', { class: 'muted' }, fmtInZone(o.scheduled_for, tz)), ' ', o.reason)));
  }

  poller = ctx.poll(async (signal) => {
    let j;
    let runs;
    try {
      j = await ctx.api.getJob(id, { include: 'executions', executions_limit: Math.min(PAGE_MAX, shown) }, { signal });
      runs = await latestExecutions(j.executions || { items: [], total: 0 }, signal);
      timelineCard.hidden = !(j.schedule || j.run_at);
      if (!timelineCard.hidden) {
        const until = new Date(Date.now() + TIMELINE_AHEAD_MS);
        const since = new Date(until.getTime() - TIMELINE_HOURS * 3600 * 1000 - TIMELINE_AHEAD_MS);
        try {
          const ledger = await ctx.api.jobOccurrences(id, { since: since.toISOString(), until: until.toISOString() }, { signal });
          renderTimeline(ledger, j.timezone || 'UTC');
        } catch (err) {
          // The timeline is extra: the rest of the page still shows without it.
          if (err.name === 'AbortError' || err.status === 401) throw err;
          timelineCard.hidden = true;
        }
      }
    } catch (err) {
      if (err.status === 404) {
        poller.stop();
        notFound.hidden = false;
        execCard.hidden = true;
        actions.replaceChildren();
        notFound.replaceChildren('This job does not exist (it may have been deleted). ', h('a', { href: '#/jobs' }, 'Back to jobs'));
        if (!job) setText(nameEl, 'Job not found');
        return;
      }
      throw err;
    }
    const rest = { ...j };
    delete rest.executions; // shown from runs, with the pages after it
    render(rest);
    month.update(rest);
    flow.update(rest);
    renderExecutions(runs);
  });
}
