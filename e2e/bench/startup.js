// Benchmark: cold start of the real window, from the process's start (its
// start time in /proc, 10 ms resolution) to a screen a person can use, next
// to a minimal Tauri v2 window. WebDriver launches each app; a script in the
// page watches every frame for the screen and reports the wall-clock time it
// was first there. Run through run.sh:
//
//     MINIMAL_APP=... KICKSTAND_APP=... STORE_SESSION=.../store_session \
//       bash e2e/run.sh bench startup
//
// Targets (STARTUP_TARGETS, default all, REPS each, interleaved):
//   minimal  the hello-world window: its heading on screen
//   demo     Kickstand in demo mode: the dashboard's data (the channel's
//            title; the demo logs itself in, as a stored login does)
//   offline  Kickstand in Kick mode with a stored login and Kick unreachable
//            (a closed port): the restoring screen (issue #7: within 1 s)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { openApp } from '../lib/session.js';

const REPS = Number(process.env.REPS || 5);
const targets = (process.env.STARTUP_TARGETS || 'minimal,demo,offline').split(',');
const APP = process.env.KICKSTAND_APP;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Epoch ms of a process's start: /proc/<pid>/stat starttime is in clock
 *  ticks since boot, /proc/uptime is seconds since boot (same clock). */
function startedAtMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const up = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const now = Date.now();
  return now - up * 1000 + ticks * 10;
}

/** The newest process running `exe` (the one WebDriver just started). */
function newestPid(exe) {
  const real = fs.realpathSync(exe);
  let best = null;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readlinkSync(`/proc/${d}/exe`) !== real) continue;
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
      if (!best || ticks > best.ticks) best = { pid: Number(d), ticks };
    } catch { /* not ours, or gone */ }
  }
  return best?.pid;
}

/** In the page: the first frame where `sel` is on screen (with text, if asked). */
const WATCH = (sel, needText, done) => {
  const shown = () => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && (!needText || el.textContent.trim().length > 0);
  };
  if (shown()) { done({ t: Date.now(), already: true }); return; }
  const frame = () => (shown() ? done({ t: Date.now(), already: false }) : requestAnimationFrame(frame));
  requestAnimationFrame(frame);
};

async function launch(app, wrapperEnv) {
  let application = app;
  if (wrapperEnv) {
    // WebDriver starts the binary it is given: a wrapper sets the environment.
    application = path.join(os.tmpdir(), `kickstand-start-${process.pid}.sh`);
    const env = Object.entries(wrapperEnv).map(([k, v]) => `${k}='${v}'`).join(' ');
    fs.writeFileSync(application, `#!/bin/sh\nexec env ${env} '${app}' "$@"\n`, { mode: 0o755 });
  }
  const t0 = Date.now();
  const browser = await openApp(application);
  const pid = newestPid(app);
  return { browser, pid, startMs: pid ? startedAtMs(pid) : t0, sessionMs: Date.now() - t0 };
}

async function watch(browser, sel, needText = false, timeout = 30000) {
  browser.setTimeout({ script: timeout });
  const r = await browser.executeAsync(WATCH, sel, needText);
  // The page's own first contentful paint (Paint Timing), where WebKit has it:
  // exact even when the screen was there before the watcher attached.
  r.fcp = await browser.execute(() => {
    const e = performance.getEntriesByName('first-contentful-paint')[0];
    return e ? performance.timeOrigin + e.startTime : null;
  });
  return r;
}

const results = [];
const record = (r) => { results.push(r); console.error(JSON.stringify(r)); };

for (let rep = 0; rep < REPS; rep++) {
  for (const target of targets) {
    if (target === 'minimal' && process.env.MINIMAL_APP) {
      const { browser, startMs, sessionMs } = await launch(process.env.MINIMAL_APP);
      try {
        const r = await watch(browser, '[data-testid="hello"]');
        record({ target, rep, first_screen_ms: r.t - startMs, already: r.already, fcp_ms: r.fcp && r.fcp - startMs, session_ms: sessionMs });
      } finally { await browser.deleteSession(); }
    } else if (target === 'demo') {
      // The demo logs itself in (as a stored login would): its dashboard with
      // the channel's title is the first screen.
      const { browser, startMs, sessionMs } = await launch(APP);
      try {
        const r = await watch(browser, '[data-testid="live-title"]', true);
        // Exact even when the watcher attached late: the page's own mark
        // (LiveCard.svelte) when the channel's data was first in it.
        const mark = await browser.execute(() => {
          const e = performance.getEntriesByName('kickstand:dashboard-data')[0];
          return e ? performance.timeOrigin + e.startTime : null;
        });
        const data = mark ?? r.t;
        // Every start-up mark the page set (main.ts, state.svelte.ts), in ms from the process start.
        const marks = Object.fromEntries((await browser.execute(() => performance.getEntriesByType('mark')
          .filter((e) => e.name.startsWith('kickstand:'))
          .map((e) => [e.name.slice(10), performance.timeOrigin + e.startTime])))
          .map(([k, v]) => [k, Math.round(v - startMs)]));
        record({
          target, rep, first_screen_ms: data - startMs, already: r.already, fcp_ms: r.fcp && r.fcp - startMs,
          session_ms: sessionMs, start_to_data_ms: data - startMs, marked: mark != null, marks,
        });
      } finally { await browser.deleteSession(); }
    } else if (target === 'offline') {
      // A stored login (in this run's keyring), Kick at a closed port.
      execFileSync(process.env.STORE_SESSION, { stdio: 'ignore' });
      const closed = 'http://127.0.0.1:9';
      const { browser, startMs, sessionMs } = await launch(APP, {
        KICKSTAND_MODE: 'kick', KICKSTAND_OAUTH_BASE: closed, KICKSTAND_API_BASE: closed,
        KICKSTAND_WEB_BASE: closed, KICKSTAND_SITE_BASE: closed,
      });
      try {
        const r = await watch(browser, '[data-testid="restoring"]');
        const problem = await browser.execute(() => document.querySelector('[data-testid="restoring"]')?.textContent?.trim().slice(0, 160));
        record({ target, rep, first_screen_ms: r.t - startMs, already: r.already, session_ms: sessionMs, screen: problem });
      } finally { await browser.deleteSession(); }
    }
    await sleep(1500);
  }
}

// Quantiles by linear interpolation (the median of an even count is the
// mean of the middle two). This machine's cold starts are bimodal: now and
// then both apps lose ~500 ms before the page's script runs (the web
// process's start, not the app), so the quartiles are printed beside it.
const q = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  if (!s.length) return null;
  const i = (s.length - 1) * p, lo = Math.floor(i), hi = Math.ceil(i);
  return Math.round(s[lo] + (s[hi] - s[lo]) * (i - lo));
};
const med = (a) => q(a, 0.5);
const spread = (a) => ({ median: med(a), p25: q(a, 0.25), p75: q(a, 0.75), min: Math.min(...a), max: Math.max(...a) });
const summary = {};
for (const t of targets) {
  const rs = results.filter((r) => r.target === t);
  if (!rs.length) continue;
  summary[t] = {
    n: rs.length,
    first_screen_ms: spread(rs.map((r) => r.first_screen_ms)),
    already_on_screen_when_watched: rs.filter((r) => r.already).length,
  };
  const fcp = rs.map((r) => r.fcp_ms).filter((x) => x != null);
  if (fcp.length) summary[t].first_contentful_paint_ms = { median: med(fcp), min: Math.min(...fcp), max: Math.max(...fcp) };
  if (t === 'demo') summary[t].start_to_data_ms = spread(rs.map((r) => r.start_to_data_ms));
}
if (summary.demo && summary.minimal) {
  const d = summary.demo.start_to_data_ms, m = summary.minimal.first_screen_ms;
  summary.demo_over_minimal = {
    median: +(d.median / m.median).toFixed(2),
    p25: +(d.p25 / m.p25).toFixed(2),
    p75: +(d.p75 / m.p75).toFixed(2),
  };
}
summary.load1 = os.loadavg()[0];
console.log(JSON.stringify({ date: new Date().toISOString(), summary }, null, 1));
if (process.env.STARTUP_JSON) fs.writeFileSync(process.env.STARTUP_JSON, JSON.stringify({ results, summary }, null, 1));
