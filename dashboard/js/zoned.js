// Calendar days in an IANA time zone, with Intl only: the day an instant falls on in a
// zone, and the instant a zone's day starts (DST-aware: the offset is read at the
// instant itself, twice, so a day that starts on a changeover lands right).

const FORMATS = new Map();
const pad = (n) => String(n).padStart(2, '0');

function wall(date, timeZone) {
  let f = FORMATS.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    FORMATS.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(date).filter((x) => x.type !== 'literal').map((x) => [x.type, Number(x.value)]));
  return { y: p.year, m: p.month, d: p.day, H: p.hour % 24, M: p.minute, S: p.second };
}

/** 'YYYY-MM-DD': the day `date` (a Date or ISO text) falls on in `timeZone`. */
export function dayKey(date, timeZone) {
  const w = wall(typeof date === 'string' ? new Date(date) : date, timeZone);
  return `${w.y}-${pad(w.m)}-${pad(w.d)}`;
}

function offsetMs(t, timeZone) {
  const w = wall(new Date(t), timeZone);
  return Date.UTC(w.y, w.m - 1, w.d, w.H, w.M, w.S) - Math.floor(t / 1000) * 1000;
}

/** The instant day y-m-d (m: 1..12) starts in `timeZone`. */
export function dayStart(y, m, d, timeZone) {
  const guess = Date.UTC(y, m - 1, d);
  let t = guess - offsetMs(guess, timeZone);
  t = guess - offsetMs(t, timeZone);
  return new Date(t);
}

/** The wall-clock time of an instant in a zone, 'HH:MM'. */
export function clockIn(date, timeZone) {
  const w = wall(typeof date === 'string' ? new Date(date) : date, timeZone);
  return `${pad(w.H)}:${pad(w.M)}`;
}

/** {y, m} of the month `date` falls in, in `timeZone`. */
export function monthOf(date, timeZone) {
  const w = wall(date, timeZone);
  return { y: w.y, m: w.m };
}

export const isoDay = (y, m, d) => `${y}-${pad(m)}-${pad(d)}`;
