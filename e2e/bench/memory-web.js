// Benchmark (a diagnostic): where the web process's memory goes while chat
// is busy. The app in demo mode, its dashboard live, then chat at RATE msg/s
// for STEPS x 20 s; at each stage the web process's PSS and its anonymous
// part (/proc/<pid>/smaps_rollup), and the CPU time it used since the stage
// before (/proc/<pid>/stat). Variants, to tell the parts apart:
//   NAV=settings   show another screen while chat runs (the chat panel and
//                  the dashboard unmounted; the chat store still fed)
//   HIDE=selector  hide an element (visibility: hidden: laid out, not painted)
// Run through run.sh:
//     KICKSTAND_APP=$PWD/target/release/kickstand NAV=settings \
//       MEM_JSON=/abs/path.json bash e2e/run.sh bench memory-web
import fs from 'node:fs';
import { openApp, testIds, demoInfo, fakeControl, chatState } from '../lib/session.js';
import { cpuSeconds, webProcess } from '../lib/procs.js';

const RATE = Number(process.env.RATE ?? 100);
const STEPS = Number(process.env.STEPS ?? 3);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let lastCpu = null;
function sample(label) {
  const pid = webProcess(process.env.KICKSTAND_APP);
  const roll = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (k) => Number((roll.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) ?? [0, 0])[1]);
  const cpu = { s: cpuSeconds(pid), at: Date.now() };
  const cpu_pct = lastCpu ? (100 * (cpu.s - lastCpu.s)) / ((cpu.at - lastCpu.at) / 1000) : null;
  lastCpu = cpu;
  const s = { stage: label, pss_mib: kib('Pss') / 1024, anon_mib: kib('Pss_Anon') / 1024, file_mib: kib('Pss_File') / 1024, cpu_pct };
  console.log(`${label}: web process PSS ${s.pss_mib.toFixed(1)} MiB (anonymous ${s.anon_mib.toFixed(1)}, files ${s.file_mib.toFixed(1)})` +
    (cpu_pct === null ? '' : `, CPU ${cpu_pct.toFixed(1)} % of a core since the stage before`));
  return s;
}

const browser = await openApp();
const $t = testIds(browser);
const out = { date: new Date().toISOString(), rate: RATE, nav: process.env.NAV ?? null, hide: process.env.HIDE ?? null, stages: [] };
try {
  const started = Date.now();
  await (await $t('activity-feed')).waitForDisplayed({ timeout: 20000 });
  await sleep(10000);
  out.stages.push(sample('idle'));
  const demo = await demoInfo(started);
  await browser.waitUntil(async () => (await chatState(browser)).startsWith('Connected'), { timeout: 15000 });
  await (await $t('demo-go-live')).click();
  await browser.waitUntil(async () => (await (await $t('live-state')).getText()) === 'LIVE', { timeout: 20000 });
  await sleep(10000);
  out.stages.push(sample('live'));
  if (process.env.NAV) {
    await (await $t(`nav-${process.env.NAV}`)).click();
    await sleep(10000);
    out.stages.push(sample(`live, ${process.env.NAV} shown`));
  }
  if (process.env.HIDE) {
    await browser.execute((sel) => { document.querySelector(sel).style.visibility = 'hidden'; }, process.env.HIDE);
  }
  await fakeControl(demo, '/_fake/realtime/rate', { rate: RATE });
  for (let i = 1; i <= STEPS; i++) {
    await sleep(20000);
    out.stages.push(sample(`chat at ${RATE} msg/s for ${i * 20} s`));
  }
  await fakeControl(demo, '/_fake/realtime/rate', { rate: 0 });
} finally {
  await browser.deleteSession();
}
if (process.env.MEM_JSON) fs.writeFileSync(process.env.MEM_JSON, `${JSON.stringify(out, null, 1)}\n`);
