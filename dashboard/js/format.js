// Formatting of times, durations and numbers for display.

const pad = (n) => String(n).padStart(2, '0');

export function parseTime(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "14:03:09" today, "Nov 27 14:03" otherwise (browser time zone). */
export function fmtTime(iso) {
  const d = parseTime(iso);
  if (!d) return '—';
  const now = new Date();
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (d.toDateString() === now.toDateString()) return hms;
  const month = d.toLocaleString('en-US', { month: 'short' });
  const year = d.getFullYear() === now.getFullYear() ? '' : ` ${d.getFullYear()}`;
  return `${month} ${d.getDate()}${year} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Full timestamp for tooltips: "2026-11-27 14:03:09 (local)". */
export function fmtFull(iso) {
  const d = parseTime(iso);
  if (!d) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} local · ${iso}`;
}

/** "in 4s", "12s ago", "3m ago", "2h 5m ago", "3d ago". */
export function fmtRelative(iso, now = Date.now()) {
  const d = parseTime(iso);
  if (!d) return '—';
  const diff = d.getTime() - now;
  const txt = fmtSpan(Math.abs(diff));
  if (Math.abs(diff) < 1000) return 'now';
  return diff > 0 ? `in ${txt}` : `${txt} ago`;
}

/** A coarse span: "4s", "3m 10s", "2h 5m", "3d 4h". */
export function fmtSpan(ms) {
  const sec = Math.round(ms / 1000);
  if (sec < 60) return `${sec}s`;
  const min = Math.floor(sec / 60);
  if (min < 60) return sec % 60 ? `${min}m ${sec % 60}s` : `${min}m`;
  const hr = Math.floor(min / 60);
  if (hr < 24) return min % 60 ? `${hr}h ${min % 60}m` : `${hr}h`;
  const day = Math.floor(hr / 24);
  return hr % 24 ? `${day}d ${hr % 24}h` : `${day}d`;
}

/** "235 ms", "4.2 s", "3m 12s". */
export function fmtDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(Number(ms))) return '—';
  const n = Number(ms);
  if (n < 1000) return `${Math.round(n)} ms`;
  if (n < 60000) return n % 1000 === 0 ? `${n / 1000} s` : `${(n / 1000).toFixed(n < 10000 ? 2 : 1)} s`;
  return fmtSpan(n);
}

export function fmtNumber(n) {
  if (n === null || n === undefined) return '—';
  return Number(n).toLocaleString('en-US');
}

export function fmtPercent(x) {
  if (x === null || x === undefined) return '—';
  const p = Number(x) * 100;
  return `${p < 10 && p !== 0 ? p.toFixed(1) : Math.round(p)}%`;
}

/** A wall-clock time in an IANA zone: "Sun 30 Nov 2026, 06:00:00 CET". */
export function fmtInZone(iso, timeZone) {
  const d = parseTime(iso);
  if (!d) return '—';
  const opts = {
    weekday: 'short', day: '2-digit', month: 'short', year: 'numeric',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
  };
  try {
    return new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: timeZone || 'UTC' }).format(d);
  } catch {
    return new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: 'UTC' }).format(d);
  }
}

/** Pretty JSON for <pre> blocks. */
export function fmtJson(value) {
  if (value === undefined) return '';
  try { return JSON.stringify(value, null, 2); } catch { return String(value); }
}

export function truncate(text, max = 80) {
  const t = text === null || text === undefined ? '' : String(text);
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** IANA zones this browser knows, UTC first (for the time zone datalist). */
export function timeZones() {
  let zones = [];
  try { zones = Intl.supportedValuesOf('timeZone'); } catch { zones = []; }
  return ['UTC', ...zones.filter((z) => z !== 'UTC')];
}
