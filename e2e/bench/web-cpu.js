// Benchmark (a diagnostic): the CPU the app's WebKit web process spends with
// the demo's dashboard live, then with chat at RATE msg/s (% of one core,
// from /proc/<pid>/stat; the app's own process too), to tell which part of
// the page the time goes to.
// Variants, in the page before the measurement:
//   NONE=sel1,sel2   `display: none` on those elements (not laid out, not painted)
//   JS=...           a script run in the page (e.g. one that wraps a DOM
//                    getter to time it, or requestAnimationFrame to throttle)
//   RESET=... READ=...  scripts run when the chat stage starts and ends; what
//                    READ returns is printed
// Run through run.sh:
//     KICKSTAND_APP=$PWD/target/release/kickstand bash e2e/run.sh bench web-cpu
import fs from 'node:fs';
import { openApp, testIds, demoInfo, fakeControl, chatState } from '../lib/session.js';
import { tree, cpuSeconds, webProcess } from '../lib/procs.js';

const RATE = Number(process.env.RATE ?? 100);
const SECS = Number(process.env.BENCH_SECS ?? 20);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const APP = process.env.KICKSTAND_APP;
const appProcess = () => tree(APP).find((p) => p.exe === fs.realpathSync(APP)).pid;
/** % of one core each process used over `secs` from now. */
async function cpuOver(pids, secs) {
  const c0 = pids.map(cpuSeconds);
  await sleep(secs * 1000);
  return pids.map((p, i) => Math.round((1000 * (cpuSeconds(p) - c0[i])) / secs) / 10);
}

const browser = await openApp(APP);
const $t = testIds(browser);
try {
  const started = Date.now();
  await (await $t('activity-feed')).waitForDisplayed({ timeout: 20000 });
  const demo = await demoInfo(started);
  await browser.waitUntil(async () => (await chatState(browser)).startsWith('Connected'), { timeout: 15000 });
  await (await $t('demo-go-live')).click();
  if (process.env.NONE) {
    await browser.execute((s) => {
      for (const sel of s.split(',')) for (const e of document.querySelectorAll(sel)) e.style.display = 'none';
    }, process.env.NONE);
  }
  if (process.env.JS) await browser.execute(process.env.JS);
  await sleep(8000);
  const pids = [webProcess(APP), appProcess()];
  const live = await cpuOver(pids, 10);
  await fakeControl(demo, '/_fake/realtime/rate', { rate: RATE });
  await sleep(5000);
  if (process.env.RESET) await browser.execute(process.env.RESET);
  const chat = await cpuOver(pids, SECS);
  const read = process.env.READ ? await browser.execute(process.env.READ) : undefined;
  await fakeControl(demo, '/_fake/realtime/rate', { rate: 0 });
  console.log(JSON.stringify({
    date: new Date().toISOString(), rate: RATE, none: process.env.NONE ?? null,
    web_cpu_pct: { live: live[0], chat: chat[0] }, app_cpu_pct: { live: live[1], chat: chat[1] }, read,
  }));
} finally {
  await browser.deleteSession();
}
