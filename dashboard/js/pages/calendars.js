// Business calendars: each calendar's zone, working days, holidays and extra dates (live,
// GET /calendars), and a calendar's month (#/calendars/<name>: its days, the holidays
// named, from GET /calendars/{name}/days).

import { h, route, setChildren, setText } from '../dom.js';
import { kvList, liveTable, pager, relTime } from '../ui.js';
import { monthView } from '../month-view.js';

export const title = 'Calendars';

const holidaysText = (c) => (c.holidays ? `${c.holidays.country}${c.holidays.subdivision ? ` (${c.holidays.subdivision})` : ''}` : 'none');

export function mount(root, ctx) {
  if (ctx.params.name) return mountOne(root, ctx);
  let poller = null;
  const pages = pager({ limit: 50, onChange: () => poller?.kick() });
  const table = liveTable({
    testid: 'calendars-table',
    caption: 'Calendars',
    empty: 'No calendars yet. Create one with POST /api/v1/calendars or `jobsched calendars create`.',
    columns: [{ label: 'Name' }, { label: 'Time zone' }, { label: 'Working days' }, { label: 'Holidays' }, { label: 'Extra dates', cls: 'num' }, { label: 'Version', cls: 'num' }, { label: 'Updated' }],
    key: (c) => c.name,
    row: (c) => h('tr', { class: 'row', 'data-testid': 'calendar-row', dataset: { calendarName: c.name } },
      h('td', { class: 'cell-name' }, h('a', { href: route('calendars', c.name), 'data-testid': 'calendar-link' }, c.name)),
      h('td', null, c.timezone),
      h('td', null, (c.weekdays || []).join(', ')),
      h('td', { 'data-testid': 'calendar-holidays' }, holidaysText(c)),
      h('td', { class: 'num' }, String((c.dates || []).length) + (c.ics ? ' + ICS' : '')),
      h('td', { class: 'num' }, String(c.version)),
      h('td', null, relTime(c.updated_at))),
  });
  root.append(h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', { 'data-testid': 'page-title', tabindex: '-1' }, 'Calendars')),
    h('div', { class: 'card' }, table.el, pages.el)));
  poller = ctx.poll(async (signal) => {
    const page = await ctx.api.listCalendars({ limit: pages.limit, cursor: pages.cursor }, { signal });
    table.update(page.items || []);
    pages.update(page);
  });
  return undefined;
}

function mountOne(root, ctx) {
  const name = ctx.params.name;
  const heading = h('h1', { 'data-testid': 'calendar-name', tabindex: '-1' }, name);
  const info = h('div', { class: 'card' });
  const notFound = h('div', { class: 'banner banner-error', role: 'alert', hidden: true });
  const month = monthView(ctx, null);
  root.append(h('section', { class: 'page', 'data-testid': 'calendar-detail' },
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/calendars' }, '← All calendars'),
      ' · ', h('a', { href: `#/audit?target_type=calendar&target_id=${encodeURIComponent(name)}` }, 'Change history')),
    h('div', { class: 'page-head' }, heading),
    notFound, month.el, info));
  ctx.setTitle(name);
  let sig = '';
  const poller = ctx.poll(async (signal) => {
    let c;
    try {
      c = await ctx.api.getCalendar(name, { signal });
    } catch (err) {
      if (err.status !== 404) throw err;
      poller.stop();
      notFound.hidden = false;
      setText(notFound, 'This calendar does not exist (it may have been deleted).');
      return;
    }
    const now = JSON.stringify(c);
    if (now === sig) return;
    sig = now;
    month.update({ calendar: c.name, timezone: c.timezone, windows: [], blackouts: [], status: 'SCHEDULED', version: c.version });
    setChildren(info, h('div', { class: 'card-head' }, h('h2', null, 'Definition')), kvList([
      ['Time zone', c.timezone],
      ['Working days', (c.weekdays || []).join(', ')],
      ['Public holidays', holidaysText(c)],
      ['Extra closed dates', (c.dates || []).join(', ') || null],
      ['ICS events', c.ics ? 'yes' : 'none'],
      ['Jobs using it', String(c.jobs)],
      ['Version', String(c.version)],
      ['Updated', relTime(c.updated_at, { withClock: true })],
    ]));
  });
  return undefined;
}
