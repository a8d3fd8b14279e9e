// Benchmark: chat ingest, kick-chat against the official clients, on the same
// stream from the same release `kick-fake`, one client at a time:
//   kick-chat (Pusher)      vs pusher-js
//   kick-chat (Centrifugo)  vs centrifuge-js
// For each offered rate: set the fake's chat rate, let it settle, then count
// the chat messages each client delivers in BENCH_SECS and the CPU time its
// process spent (Rust: /proc/self/stat; Node: process.cpuUsage()). The fake's
// own CPU (/proc/<pid>/stat) and what it published are recorded too, to tell
// when the fake, not the client, is the limit.
//
//     cargo build --release -p kick-fake --bin kick-fake
//     cargo build --release -p kick-chat --example ingest_bench
//     (cd e2e && npm ci)
//     node e2e/bench/chat-ingest.js [rates...]      # default 1000 5000 10000 20000
//     node e2e/bench/chat-ingest.js flood=200000 [rates...]
//
// `flood=N`: after the rates (none unless given), each client also takes N
// messages at full speed (`/_fake/realtime/flood`: prepared first, then
// published as fast as the client's socket takes them), twice; its
// throughput is N over the time from its first message to its last. The
// fake's CPU over that time is recorded beside it (sampled every 10 ms): near
// 100 % of a core means the fake, not the client, may have set the pace.
//
// Env: KICK_FAKE, KICK_CHAT_BENCH (binaries; default $CARGO_TARGET_DIR or
// target/release), BENCH_SECS (default 5), BENCH_CLIENTS (comma list),
// BENCH_JSON (write every sample there).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..', '..');
const target = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
const FAKE = process.env.KICK_FAKE || path.join(target, 'release', 'kick-fake');
const RUST = process.env.KICK_CHAT_BENCH || path.join(target, 'release', 'examples', 'ingest_bench');
const SECS = Number(process.env.BENCH_SECS || 5);
const args = process.argv.slice(2);
const FLOOD = Number((args.find((a) => a.startsWith('flood=')) || 'flood=0').slice(6));
const FLOOD_RUNS = Number(process.env.FLOOD_RUNS || 2);
const rates = args.map(Number).filter((x) => x > 0);
if (rates.length === 0 && !FLOOD) rates.push(1000, 5000, 10000, 20000);
const CLK = 100; // _SC_CLK_TCK on Linux
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function lines(child) {
  const rl = readline.createInterface({ input: child.stdout });
  const queue = []; const waiters = [];
  rl.on('line', (l) => (waiters.length ? waiters.shift()(l) : queue.push(l)));
  return (ms = 30000) => new Promise((resolve, reject) => {
    if (queue.length) return resolve(queue.shift());
    const t = setTimeout(() => reject(new Error('no answer from client')), ms);
    waiters.push((l) => { clearTimeout(t); resolve(l); });
  });
}

function cpuOf(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK;
}

const fake = spawn(FAKE, ['--port', '0', '--tick-ms', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
const info = JSON.parse(await lines(fake)());
const ctl = (p, body) => fetch(`${info.api_base}${p}`, body === undefined ? {} : {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
}).then((r) => r.json());
const setRate = (rate) => ctl('/_fake/realtime/rate', { rate });
const hub = () => fetch(`${info.web_base}/_fake/realtime/stats`).then((r) => r.json());

const clients = {
  'kick-chat/pusher': () => spawn(RUST, [info.web_base, info.pusher_url_template, String(info.chatroom_id), 'pusher']),
  'pusher-js': () => spawn(process.execPath, [path.join(here, 'ingest-client.js'), 'pusher', JSON.stringify(info)]),
  'kick-chat/centrifugo': () => spawn(RUST, [info.web_base, info.pusher_url_template, String(info.chatroom_id), 'centrifugo']),
  'centrifuge-js': () => spawn(process.execPath, [path.join(here, 'ingest-client.js'), 'centrifugo', JSON.stringify(info)]),
};
const which = (process.env.BENCH_CLIENTS || Object.keys(clients).join(',')).split(',');

const samples = [];
try {
  for (const name of which) {
    const child = clients[name]();
    child.stderr.on('data', (d) => process.stderr.write(`[${name}] ${d}`));
    child.stdin.on('error', () => {});
    const next = lines(child);
    const hello = JSON.parse(await next());
    if (!hello.ready) throw new Error(`${name}: ${JSON.stringify(hello)}`);
    for (const rate of rates) {
      await setRate(rate);
      await sleep(1500); // settle: connection warm, queues in steady state
      const [h0, f0, l0] = [await hub(), cpuOf(fake.pid), os.loadavg()[0]];
      const t0 = performance.now();
      child.stdin.write('start\n');
      await sleep(SECS * 1000);
      child.stdin.write('stop\n');
      const r = JSON.parse(await next());
      const wall = (performance.now() - t0) / 1000;
      const [h1, f1] = [await hub(), cpuOf(fake.pid)];
      await setRate(0);
      await sleep(1500); // drain
      const s = {
        client: name, rate, offered: (h1.published - h0.published) / wall, fake_lagged: (h1.lagged ?? 0) - (h0.lagged ?? 0), delivered: r.messages / r.wall_s,
        cpu_us_per_msg: r.messages ? (r.cpu_s / r.messages) * 1e6 : null,
        cpu_pct: (r.cpu_s / r.wall_s) * 100, fake_cpu_pct: ((f1 - f0) / wall) * 100, load1: l0,
      };
      samples.push(s);
      process.stderr.write(`${JSON.stringify(s)}\n`);
    }
    for (let run = 0; FLOOD && run < FLOOD_RUNS; run++) {
      await sleep(1000);
      const h0 = await hub();
      child.stdin.write(`until ${FLOOD}\n`);
      await sleep(200); // the client has its snapshot before the first message
      // The fake's CPU, sampled every 10 ms: what it spent while the client
      // took the flood (its preparation, before, is not counted).
      const fakeCpu = [];
      const sampler = setInterval(() => fakeCpu.push([performance.now(), cpuOf(fake.pid)]), 10);
      const sent = await ctl('/_fake/realtime/flood', { count: FLOOD });
      if (!sent.ok) throw new Error(`flood: ${JSON.stringify(sent)}`);
      const r = JSON.parse(await next(180000));
      const tEnd = performance.now();
      clearInterval(sampler);
      const within = fakeCpu.filter(([t]) => t >= tEnd - r.wall_s * 1000);
      const fakeBusy = within.length > 1 ? (within[within.length - 1][1] - within[0][1]) / ((within[within.length - 1][0] - within[0][0]) / 1000) : null;
      const [h1] = [await hub()];
      const s = {
        client: name, flood: FLOOD, run, delivered: r.messages / r.wall_s, wall_s: r.wall_s,
        cpu_us_per_msg: (r.cpu_s / r.messages) * 1e6, cpu_pct: (r.cpu_s / r.wall_s) * 100,
        fake_cpu_pct: fakeBusy == null ? null : fakeBusy * 100, fake_publish_s: sent.secs,
        fake_lagged: (h1.lagged ?? 0) - (h0.lagged ?? 0),
      };
      samples.push(s);
      process.stderr.write(`${JSON.stringify(s)}\n`);
    }
    child.stdin.write('quit\n');
    await new Promise((r) => { child.once('exit', r); setTimeout(r, 3000); });
    child.kill();
  }
} finally {
  await setRate(0).catch(() => {});
  fake.kill();
}
if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify(samples, null, 1));

// One row per rate and transport: kick-chat next to the official client.
const f = (x, d = 0) => (x == null ? '–' : x.toFixed(d));
const get = (c, rate) => samples.find((s) => s.client === c && s.rate === rate);
console.log('| transport | offered msg/s (published) | kick-chat delivered msg/s | official delivered msg/s | kick-chat CPU µs/msg | official CPU µs/msg | CPU ratio official/kick-chat | kick-chat CPU % | official CPU % | fake CPU % (kick-chat run / official run) | load |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const [t, ours, theirs] of [['Pusher', 'kick-chat/pusher', 'pusher-js'], ['Centrifugo', 'kick-chat/centrifugo', 'centrifuge-js']]) {
  for (const rate of rates) {
    const a = get(ours, rate); const b = get(theirs, rate);
    if (!a || !b) continue;
    console.log(`| ${t} | ${f(rate)} (${f(a.offered)} / ${f(b.offered)}) | ${f(a.delivered)} | ${f(b.delivered)} | ${f(a.cpu_us_per_msg, 2)} | ${f(b.cpu_us_per_msg, 2)} | ${f(b.cpu_us_per_msg / a.cpu_us_per_msg, 1)}x | ${f(a.cpu_pct, 1)} | ${f(b.cpu_pct, 1)} | ${f(a.fake_cpu_pct)} / ${f(b.fake_cpu_pct)} | ${f(a.load1, 1)} / ${f(b.load1, 1)} |`);
  }
}

if (FLOOD) {
  const best = (c) => samples.filter((s) => s.client === c && s.flood).sort((a, b) => b.delivered - a.delivered)[0];
  console.log('');
  console.log(`| transport, ${FLOOD} messages at full speed | kick-chat msg/s | official msg/s | ratio | kick-chat CPU µs/msg | official CPU µs/msg | fake CPU % (kick-chat / official) |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [t, ours, theirs] of [['Pusher', 'kick-chat/pusher', 'pusher-js'], ['Centrifugo', 'kick-chat/centrifugo', 'centrifuge-js']]) {
    const a = best(ours); const b = best(theirs);
    if (!a || !b) continue;
    console.log(`| ${t} (best of ${FLOOD_RUNS}) | ${f(a.delivered)} | ${f(b.delivered)} | ${f(a.delivered / b.delivered, 1)}x | ${f(a.cpu_us_per_msg, 2)} | ${f(b.cpu_us_per_msg, 2)} | ${f(a.fake_cpu_pct)} / ${f(b.fake_cpu_pct)} |`);
  }
}
