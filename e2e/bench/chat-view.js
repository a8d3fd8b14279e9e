// Benchmark: the chat view in the real window while the fake pushes chat at
// a fixed rate. Measures frame times (requestAnimationFrame deltas) and the
// number of rendered chat rows. Run through run.sh:
//     bash e2e/run.sh bench            (rate from CHAT_RATE, default 500 msg/s)
import { openApp, demoInfo, demoLogin, chatConnected, chatState, fakeControl } from '../lib/session.js';

const RATE = Number(process.env.CHAT_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECS || 10);
/** In the page: `secs` of requestAnimationFrame deltas, and the chat rows seen. */
const MEASURE = (secs, done) => {
  const deltas = [];
  let maxRows = 0;
  let last = performance.now();
  const end = last + secs * 1000;
  const names = new Set();
  function frame(t) {
    deltas.push(t - last);
    last = t;
    maxRows = Math.max(maxRows, document.querySelectorAll('[data-testid="chat-row"]').length);
    for (const el of document.querySelectorAll('[data-testid="chat-row"]')) names.add(el.dataset.key);
    if (t < end) requestAnimationFrame(frame);
    else {
      deltas.sort((a, b) => a - b);
      const q = (p) => deltas[Math.min(deltas.length - 1, Math.floor(p * deltas.length))];
      done({ frames: deltas.length, fps: deltas.length / secs, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: deltas[deltas.length - 1], maxRows, distinctRowsSeen: names.size });
    }
  }
  requestAnimationFrame(frame);
};

const r = (x) => Math.round(x * 10) / 10;
const line = (o, stats) => JSON.stringify({ ...o, ...stats, p50: r(stats.p50), p95: r(stats.p95), p99: r(stats.p99), max: r(stats.max), fps: r(stats.fps) });

// The same frames in the minimal Tauri window (no work at all): what this
// machine's display timer gives when nothing is drawn.
if (process.env.MINIMAL_APP) {
  const b = await openApp(process.env.MINIMAL_APP);
  try {
    await (await b.$('[data-testid="hello"]')).waitForDisplayed({ timeout: 20000 });
    await b.pause(2000);
    b.setTimeout({ script: (SECONDS + 30) * 1000 });
    console.log(line({ app: 'minimal', seconds: SECONDS }, await b.executeAsync(MEASURE, SECONDS)));
  } finally {
    await b.deleteSession();
  }
}

const started = Date.now();
const browser = await openApp();
try {
  await demoLogin(browser);
  await chatConnected(browser);
  const transport = await chatState(browser);
  const demo = await demoInfo(started);
  await fakeControl(demo, '/_fake/realtime/rate', { rate: RATE });
  await new Promise((r) => setTimeout(r, 2000)); // fill the history first
  const stats = await browser.executeAsync(MEASURE, SECONDS);
  await fakeControl(demo, '/_fake/realtime/rate', { rate: 0 });
  console.log(line({ rate: RATE, seconds: SECONDS, transport }, stats));
} finally {
  await browser.deleteSession();
}
