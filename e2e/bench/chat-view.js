// Benchmark: the chat view in the real window while the fake pushes chat at
// a fixed rate, next to the minimal Tauri window doing nothing (what this
// machine's display timer gives a window that draws nothing). Per frame:
//   - the frame interval (requestAnimationFrame to requestAnimationFrame);
//   - the frame's work on the page's thread: from the frame's callback to
//     the first task after it (a MessageChannel message posted from the
//     callback runs once the frame's style, layout and paint are done), so
//     a busy frame shows even where the display timer hides it;
//   - whether the frame missed a display refresh (an interval over 1.5
//     refresh periods, 25 ms at 60 Hz).
// The chat rows in the DOM and the messages seen on screen are sampled
// every tenth frame (reading the DOM every frame would be work of its own).
// Run through run.sh:
//     CHAT_RATE=2000 BENCH_SECS=10 MINIMAL_APP=... KICKSTAND_APP=... bash e2e/run.sh bench chat-view
import { openApp, demoInfo, demoLogin, chatConnected, chatState, fakeControl } from '../lib/session.js';

const RATE = Number(process.env.CHAT_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECS || 10);
/** In the page: `secs` of frames (intervals and work), and the chat rows seen. */
const MEASURE = (secs, done) => {
  const deltas = [];
  const work = [];
  let maxRows = 0;
  let frames = 0;
  const names = new Set();
  const ch = new MessageChannel();
  let t0 = 0;
  ch.port1.onmessage = () => work.push(performance.now() - t0);
  let last = null;
  let end = null;
  function frame(t) {
    if (last !== null) deltas.push(t - last);
    last = t;
    if (end === null) end = t + secs * 1000;
    t0 = performance.now();
    ch.port2.postMessage(0);
    if (++frames % 10 === 0) {
      const rows = document.querySelectorAll('[data-testid="chat-row"]');
      maxRows = Math.max(maxRows, rows.length);
      for (const el of rows) names.add(el.dataset.key);
    }
    if (t < end) requestAnimationFrame(frame);
    else {
      setTimeout(() => {
        const q = (a, p) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
        const missed = deltas.filter((d) => d > 25).length;
        deltas.sort((a, b) => a - b);
        work.sort((a, b) => a - b);
        done({
          frames: deltas.length, fps: deltas.length / secs,
          p50: q(deltas, 0.5), p95: q(deltas, 0.95), p99: q(deltas, 0.99), max: deltas[deltas.length - 1],
          missed_pct: (100 * missed) / deltas.length,
          work_p50: q(work, 0.5), work_p95: q(work, 0.95), work_p99: q(work, 0.99), work_max: work[work.length - 1],
          maxRows, distinctRowsSeen: names.size,
        });
      }, 50);
    }
  }
  requestAnimationFrame(frame);
};

const r = (x) => Math.round(x * 10) / 10;
const line = (o, s) => JSON.stringify({
  ...o, ...s,
  ...Object.fromEntries(['fps', 'p50', 'p95', 'p99', 'max', 'missed_pct', 'work_p50', 'work_p95', 'work_p99', 'work_max'].map((k) => [k, r(s[k])])),
});

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
  await new Promise((res) => setTimeout(res, 2000)); // fill the history first
  browser.setTimeout({ script: (SECONDS + 30) * 1000 });
  const stats = await browser.executeAsync(MEASURE, SECONDS);
  await fakeControl(demo, '/_fake/realtime/rate', { rate: 0 });
  console.log(line({ app: 'kickstand', rate: RATE, seconds: SECONDS, transport }, stats));
} finally {
  await browser.deleteSession();
}
