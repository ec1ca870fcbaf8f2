// Cron expression -> English, for the common patterns; anything else falls back
// to the raw expression. 5 fields (min hour day month weekday) or 6 with a
// leading seconds field, as the API accepts.
//
//   cronToWords('*/5 * * * * *') -> 'every 5 seconds'
//   cronToWords('0 6 * * *')     -> 'at 06:00 every day'
//   cronToWords('0 0 * * 0')     -> 'at 00:00 on Sunday'
//   cronToWords('*/45 * * * * *') -> 'at seconds 0 and 45 of every minute' (not "every 45")

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];
const DAY_NAMES = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };
const MONTH_NAMES = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12 };

const pad = (n) => String(n).padStart(2, '0');

function joinAnd(items) {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function ordinal(n) {
  const rem100 = n % 100;
  if (rem100 >= 11 && rem100 <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] || 'th'}`;
}

/**
 * One cron field -> {kind: 'any'} | {kind: 'step', step, from} |
 * {kind: 'list', items: [{from, to}], values: [n...]} ; null when not understood.
 */
function parseField(text, min, max, names) {
  let t = text.toUpperCase();
  if (names) t = t.replace(/[A-Z]{3}/g, (w) => (w in names ? String(names[w]) : w));
  if (t === '*' || t === '?') return { kind: 'any' };
  const step = /^(\*|\d+)\/(\d+)$/.exec(t);
  if (step) {
    const n = Number(step[2]);
    const from = step[1] === '*' ? min : Number(step[1]);
    if (n < 1 || from < min || from > max) return null;
    if (n === 1 && from === min) return { kind: 'any' };
    // "*/45" in a 60-value field fires at 0 and 45: not "every 45". Only a step that
    // divides the field's range is an even period; any other is a list of values.
    if (from !== min || (max - min + 1) % n !== 0) {
      const values = [];
      for (let v = from; v <= max; v += n) values.push(v);
      if (values.length <= 12) return { kind: 'list', items: values.map((v) => ({ from: v, to: v })), values };
    }
    return { kind: 'step', step: n, from };
  }
  const items = [];
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < min || to > max || to < from) return null;
    items.push({ from, to });
  }
  const values = [];
  for (const { from, to } of items) for (let v = from; v <= to; v++) values.push(v);
  return { kind: 'list', items, values: [...new Set(values)].sort((a, b) => a - b) };
}

const single = (f) => f.kind === 'list' && f.values.length === 1;
const fixed = (f) => f.kind === 'list' && f.items.every((i) => i.from === i.to);
const oneRange = (f) => f.kind === 'list' && f.items.length === 1 && f.items[0].to > f.items[0].from;

function weekdayPhrase(dow) {
  const vals = [...new Set(dow.values.map((v) => (v === 7 ? 0 : v)))].sort((a, b) => a - b);
  const key = vals.join(',');
  if (key === '1,2,3,4,5') return 'on weekdays';
  if (key === '0,6') return 'on weekends';
  if (key === '0,1,2,3,4,5,6') return null; // every day
  if (oneRange(dow) && dow.items[0].to - dow.items[0].from >= 2 && dow.items[0].to <= 6) {
    return `on ${DAYS[dow.items[0].from]} through ${DAYS[dow.items[0].to]}`;
  }
  return `on ${joinAnd(vals.map((v) => DAYS[v]))}`;
}

function monthDayPhrase(dom) {
  if (oneRange(dom) && dom.items[0].to - dom.items[0].from >= 2) {
    return `on days ${dom.items[0].from} through ${dom.items[0].to}`;
  }
  return `on the ${joinAnd(dom.values.map(ordinal))}`;
}

/** The calendar part: {text, daily}; null when not understood. */
function dayPart(dom, month, dow) {
  if (dom.kind === 'step' || month.kind === 'step' || dow.kind === 'step') return null;
  const domSet = dom.kind !== 'any';
  const monSet = month.kind !== 'any';
  const dowText = dow.kind === 'any' ? null : weekdayPhrase(dow);
  if (domSet && dowText) return null; // cron ORs these: too subtle for words
  const monthText = monSet ? joinAnd(month.values.map((m) => MONTHS[m - 1])) : null;
  if (domSet) {
    return { text: `${monthDayPhrase(dom)} of ${monSet ? monthText : 'every month'}`, daily: false };
  }
  if (dowText) return { text: monSet ? `${dowText} in ${monthText}` : dowText, daily: false };
  if (monSet) return { text: `every day in ${monthText}`, daily: false };
  return { text: 'every day', daily: true };
}

function timesList(hours, minutes, seconds) {
  const out = [];
  for (const hr of hours) {
    for (const mi of minutes) {
      for (const se of seconds) out.push(`${pad(hr)}:${pad(mi)}${se === null ? '' : `:${pad(se)}`}`);
    }
  }
  return out.length <= 8 ? `at ${joinAnd(out)}` : null;
}

/** The time-of-day part: {text, periodic}; null when not understood. */
function timePart(sec, min, hour) {
  const hasSec = sec && !(single(sec) && sec.values[0] === 0);
  if (hasSec) {
    if (min.kind === 'any' && hour.kind === 'any') {
      if (sec.kind === 'any') return { text: 'every second', periodic: true };
      if (sec.kind === 'step' && sec.from === 0) return { text: `every ${sec.step} seconds`, periodic: true };
      if (single(sec)) return { text: `at second ${sec.values[0]} of every minute`, periodic: true };
      if (fixed(sec) && sec.values.length <= 6) return { text: `at seconds ${joinAnd(sec.values.map(String))} of every minute`, periodic: true };
      return null;
    }
    if (fixed(sec) && fixed(min) && fixed(hour)) {
      const t = timesList(hour.values, min.values, sec.values);
      return t && { text: t, periodic: false };
    }
    return null;
  }
  const hourRange = oneRange(hour) ? `between ${pad(hour.items[0].from)}:00 and ${pad(hour.items[0].to)}:59` : null;
  if (min.kind === 'any' || (min.kind === 'step' && min.from === 0)) {
    const every = min.kind === 'any' ? 'every minute' : `every ${min.step} minutes`;
    if (hour.kind === 'any') return { text: every, periodic: true };
    if (single(hour)) return { text: `${every} between ${pad(hour.values[0])}:00 and ${pad(hour.values[0])}:59`, periodic: true };
    if (hourRange) return { text: `${every} ${hourRange}`, periodic: true };
    return null;
  }
  if (fixed(min) && min.values.length > 1 && min.values.length <= 6 && hour.kind === 'any') {
    return { text: `at ${joinAnd(min.values.map(String))} minutes past every hour`, periodic: true };
  }
  if (single(min)) {
    const m = min.values[0];
    if (hour.kind === 'any') {
      return { text: m === 0 ? 'every hour' : `at ${m} minutes past every hour`, periodic: true };
    }
    if (hour.kind === 'step' && hour.from === 0) {
      const text = m === 0 ? `every ${hour.step} hours` : `every ${hour.step} hours, at ${m} minutes past the hour`;
      return { text, periodic: true };
    }
    if (oneRange(hour)) {
      const { from, to } = hour.items[0];
      return { text: `every hour from ${pad(from)}:${pad(m)} to ${pad(to)}:${pad(m)}`, periodic: true };
    }
  }
  if (fixed(min) && fixed(hour)) {
    const t = timesList(hour.values, min.values, [null]);
    return t && { text: t, periodic: false };
  }
  return null;
}

/** English for a cron expression, or the expression itself when it is not a common pattern. */
export function cronToWords(expression) {
  if (expression === null || expression === undefined) return '';
  const raw = String(expression).trim();
  const parts = raw.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) return raw;
  const [secT, minT, hourT, domT, monT, dowT] = parts.length === 6 ? parts : [null, ...parts];
  const sec = secT === null ? null : parseField(secT, 0, 59);
  const min = parseField(minT, 0, 59);
  const hour = parseField(hourT, 0, 23);
  const dom = parseField(domT, 1, 31);
  const month = parseField(monT, 1, 12, MONTH_NAMES);
  const dow = parseField(dowT, 0, 7, DAY_NAMES);
  if ((secT !== null && !sec) || !min || !hour || !dom || !month || !dow) return raw;
  const time = timePart(sec, min, hour);
  const day = dayPart(dom, month, dow);
  if (!time || !day) return raw;
  if (time.periodic && day.daily) return time.text;
  return `${time.text} ${day.text}`;
}
