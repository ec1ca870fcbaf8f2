// Live refresh: run `tick` every `interval` ms, one at a time.
//  - never starts a tick while the previous one is in flight;
//  - stops while the tab is hidden (document.hidden) and ticks as soon as it is visible;
//  - kick() refreshes now (or right after the running tick) - used after actions.

export const REFRESH_MS = 1500;

/** Shared status for the header's "live" indicator. */
export const liveStatus = {
  listeners: new Set(),
  state: { ok: true, at: null, message: '' },
  report(state) {
    this.state = state;
    for (const fn of this.listeners) fn(state);
  },
};

export class Poller {
  /**
   * @param {(signal: AbortSignal) => Promise<void>} tick
   * @param {{interval?: number, onError?: (err: Error) => void, report?: boolean}} opts
   */
  constructor(tick, { interval = REFRESH_MS, onError, report = true } = {}) {
    this.tick = tick;
    this.interval = interval;
    this.onError = onError;
    this.report = report;
    this.stopped = true;
    this.inFlight = false;
    this.kicked = false;
    this.wake = null;
    this.controller = null;
    this.onVisibility = () => { if (!document.hidden && this.wake) this.wake(); };
  }

  start() {
    if (!this.stopped) return this;
    this.stopped = false;
    document.addEventListener('visibilitychange', this.onVisibility);
    this.loop();
    return this;
  }

  stop() {
    this.stopped = true;
    document.removeEventListener('visibilitychange', this.onVisibility);
    if (this.controller) this.controller.abort();
    if (this.wake) this.wake();
  }

  /** Refresh as soon as possible (after the tick in flight, if any). */
  kick() {
    this.kicked = true;
    if (!this.inFlight && this.wake) this.wake();
  }

  sleep(ms) {
    return new Promise((resolve) => {
      const timer = ms === Infinity ? null : setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  async loop() {
    while (!this.stopped) {
      if (document.hidden) {
        if (this.report) liveStatus.report({ ...liveStatus.state, paused: true });
        await this.sleep(Infinity); // woken by visibilitychange, kick() or stop()
        continue;
      }
      this.kicked = false;
      this.inFlight = true;
      const started = Date.now();
      this.controller = new AbortController();
      try {
        await this.tick(this.controller.signal);
        if (this.report && !this.stopped) liveStatus.report({ ok: true, at: new Date(), message: '' });
      } catch (err) {
        if (err && err.name === 'AbortError') { /* page left */ } else {
          if (this.report && !this.stopped) {
            liveStatus.report({ ok: false, at: liveStatus.state.at, message: err.message || String(err) });
          }
          if (this.onError) this.onError(err);
        }
      } finally {
        this.inFlight = false;
        this.controller = null;
      }
      if (this.stopped) break;
      // Keep a steady cadence (tick start to tick start), but always leave a short gap.
      if (!this.kicked) await this.sleep(Math.max(250, this.interval - (Date.now() - started)));
    }
  }
}
