// Benchmark: whole-app memory (PSS summed over the app and its WebKit child
// processes, from /proc/<pid>/smaps_rollup) next to a minimal Tauri v2 window,
// then a soak at a fixed chat rate with the activity feed on (the demo stream
// live, so the demo evening plays). Run through run.sh:
//
//     MINIMAL_APP=$(bash bench/minimal-tauri/run.sh) KICKSTAND_APP=... \
//       SOAK_SECS=1800 bash e2e/run.sh bench memory
//
// Env: KICKSTAND_APP, MINIMAL_APP (skip the minimal window if unset),
// SOAK_SECS (default 1800), SAMPLE_SECS (default 10), SOAK_RATE (msg/s,
// default 100), SETTLE_SECS (default 10), MEM_OUT (CSV of the soak; default
// ./memory-soak.csv), MEM_JSON (summary JSON).
import fs from 'node:fs';
import path from 'node:path';
import { openApp, demoInfo, fakeControl, chatState } from '../lib/session.js';
import { tree, pssKiB } from '../lib/procs.js';

const SOAK = Number(process.env.SOAK_SECS ?? 1800);
const EVERY = Number(process.env.SAMPLE_SECS ?? 10);
const RATE = Number(process.env.SOAK_RATE ?? 100);
const SETTLE = Number(process.env.SETTLE_SECS ?? 10);
const OUT = process.env.MEM_OUT || 'memory-soak.csv';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pss(exe) {
  const ps = tree(exe).map((p) => ({ pid: p.pid, comm: p.comm, kib: pssKiB(p.pid) }));
  return { total_mib: ps.reduce((a, p) => a + p.kib, 0) / 1024, procs: ps };
}

/** Median of three samples 2 s apart (the total and its processes). */
async function settled(exe) {
  const s = [];
  for (let i = 0; i < 3; i++) { s.push(pss(exe)); if (i < 2) await sleep(2000); }
  s.sort((a, b) => a.total_mib - b.total_mib);
  return s[1];
}

const show = (label, m) => {
  const by = m.procs.map((p) => `${p.comm} ${(p.kib / 1024).toFixed(1)}`).join(', ');
  console.log(`${label}: ${m.total_mib.toFixed(1)} MiB PSS (${by})`);
};

const summary = { date: new Date().toISOString(), rate: RATE, soak_secs: SOAK };

if (process.env.MINIMAL_APP) {
  const b = await openApp(process.env.MINIMAL_APP);
  try {
    await (await b.$('[data-testid="hello"]')).waitForDisplayed({ timeout: 20000 });
    await sleep(SETTLE * 1000);
    summary.minimal = await settled(process.env.MINIMAL_APP);
    show('minimal Tauri window', summary.minimal);
  } finally {
    await b.deleteSession();
  }
  await sleep(2000);
}

const APP = process.env.KICKSTAND_APP;
const browser = await openApp(APP);
const $t = (id) => browser.$(`[data-testid="${id}"]`);
try {
  const started = Date.now();
  // The demo logs itself in: its first screen is the dashboard, stream off.
  await (await $t('activity-feed')).waitForDisplayed({ timeout: 20000 });
  await sleep(SETTLE * 1000);
  summary.idle = await settled(APP);
  show('Kickstand, demo mode, first screen: dashboard, stream offline (idle)', summary.idle);

  const demo = await demoInfo(started);
  const fake = (route, body) => fakeControl(demo, route, body);

  await browser.waitUntil(async () => (await chatState(browser)).startsWith('Connected'), { timeout: 15000 });
  await (await $t('demo-go-live')).click();
  await browser.waitUntil(async () => (await (await $t('live-state')).getText()) === 'LIVE', { timeout: 20000 });
  await sleep(SETTLE * 1000);
  summary.dashboard = await settled(APP);
  show('Kickstand, dashboard, demo stream live (demo chat 1.5 msg/s)', summary.dashboard);

  await fake('/_fake/realtime/rate', { rate: RATE });
  await sleep(Math.max(30, SETTLE) * 1000); // fill the 2,000-message history
  summary.chat = await settled(APP);
  show(`Kickstand, dashboard live, chat at ${RATE} msg/s`, summary.chat);

  // The soak: the same, for SOAK seconds.
  const t0 = Date.now();
  const rows = ['t_s,pss_total_mib,app_mib,web_mib,network_mib,other_mib'];
  const samples = [];
  while (Date.now() - t0 < SOAK * 1000) {
    const m = pss(APP);
    const part = (re) => m.procs.filter((p) => re.test(p.comm)).reduce((a, p) => a + p.kib, 0) / 1024;
    // /proc comm names are cut to 15 characters: WebKitWebProces, WebKitNetworkPr.
    const web = part(/WebProces/); const net = part(/NetworkPr/);
    const app = m.procs.filter((p) => p.comm === path.basename(APP).slice(0, 15)).reduce((a, p) => a + p.kib, 0) / 1024;
    const t = (Date.now() - t0) / 1000;
    rows.push([t.toFixed(0), m.total_mib, app, web, net, m.total_mib - app - web - net].map((x, i) => (i ? Number(x).toFixed(1) : x)).join(','));
    samples.push(m.total_mib);
    if (samples.length % 30 === 1) console.log(`soak t=${t.toFixed(0)} s: ${m.total_mib.toFixed(1)} MiB`);
    fs.writeFileSync(OUT, `${rows.join('\n')}\n`);
    await sleep(EVERY * 1000);
  }
  // How much happened, read from the window.
  summary.after = {
    chat_rows_rendered: (await browser.$$('[data-testid="chat-row"]')).length,
    feed_items: (await browser.$$('[data-testid="feed-item"]')).length,
    chat_state: await chatState(browser),
    live_state: await (await $t('live-state')).getText(),
  };
  await fake('/_fake/realtime/rate', { rate: 0 });
  if (samples.length) {
    const first = samples.slice(0, 6); const last = samples.slice(-6);
    const avg = (a) => a.reduce((x, y) => x + y, 0) / a.length;
    summary.soak = {
      samples: samples.length, start_mib: avg(first), end_mib: avg(last), growth_mib: avg(last) - avg(first),
      min_mib: Math.min(...samples), max_mib: Math.max(...samples),
    };
    console.log(`soak: ${JSON.stringify(summary.soak)} after: ${JSON.stringify(summary.after)}`);
  }
} finally {
  await browser.deleteSession();
}
if (process.env.MEM_JSON) fs.writeFileSync(process.env.MEM_JSON, JSON.stringify(summary, null, 1));
