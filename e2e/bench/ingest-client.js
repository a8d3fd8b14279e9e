// Benchmark client: an official JS client receiving the chat stream from a
// running fake, driven by chat-ingest.js exactly like kick-chat's
// `ingest_bench` example.
//
//     node ingest-client.js pusher|centrifugo '<fake info JSON>'
//
// pusher-js (the library kick.com's site used for years) or centrifuge-js
// (the kind of client kick.com's site runs today), each the way a page uses
// it: subscribe to the chat room's channel and decode each chat event's data
// (pusher-js JSON-decodes Kick's double-encoded data itself; with
// centrifuge-js the page parses the inner string, so this does too).
// Prints {"ready":true} once subscribed; then on stdin `start` snapshots,
// `stop` prints {messages, cpu_s, wall_s} (CPU = process.cpuUsage(), user +
// system of the whole Node process), `until N` snapshots and prints the same
// once N more messages were delivered, wall from the first of them to the
// last (the full-speed throughput against the fake's /_fake/realtime/flood,
// whose preparation is not counted), `quit` ends.
import readline from 'node:readline';
import { randomUUID } from 'node:crypto';
import Pusher from 'pusher-js';
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';

const [mode, infoText] = process.argv.slice(2);
const info = JSON.parse(infoText);
const CHAT = 'App\\Events\\ChatMessageEvent';
const channel = `chatrooms.${info.chatroom_id}.v2`;
let messages = 0;
let last = null; // keep the decoded event alive, as a consumer would read it
let until = null; // {target, report}: `until N` waiting for its Nth message
const counted = () => {
  messages += 1;
  if (until) {
    if (messages === until.first) t0 = performance.now();
    if (messages >= until.target) { until.report(); until = null; }
  }
};

async function pusher() {
  const url = new URL(info.pusher_url);
  const key = url.pathname.split('/').pop();
  const p = new Pusher(key, {
    cluster: 'local', wsHost: url.hostname, wsPort: Number(url.port), forceTLS: false,
    enabledTransports: ['ws'], disableStats: true,
  });
  const ch = p.subscribe(channel);
  ch.bind(CHAT, (data) => { last = data; counted(); });
  await new Promise((resolve, reject) => {
    ch.bind('pusher:subscription_succeeded', resolve);
    setTimeout(() => reject(new Error('pusher-js: no subscription_succeeded')), 15000);
  });
  return () => p.disconnect();
}

async function centrifuge() {
  const post = (path, body) => fetch(`${info.web_base}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  }).then((r) => r.json());
  const clientId = randomUUID();
  const desc = await post('/api/v1/realtime/connection', {
    client: { id: clientId, type: 'web' },
    capabilities: { accepted_providers: [{ provider: 'centrifugo' }] },
  });
  const conn = desc.data.connections.find((c) => c.provider === 'centrifugo');
  const c = new Centrifuge(conn.credentials.url, {
    websocket: WebSocket,
    getToken: async () => (await post('/api/v1/realtime/auth/connection', { client_id: clientId })).data.token,
  });
  const sub = c.newSubscription(channel);
  sub.on('publication', (ctx) => {
    if (ctx.data.event === CHAT) {
      last = typeof ctx.data.data === 'string' ? JSON.parse(ctx.data.data) : ctx.data.data;
      counted();
    }
  });
  const subscribed = new Promise((resolve, reject) => {
    sub.once('subscribed', resolve);
    sub.once('error', (e) => reject(new Error(JSON.stringify(e))));
    setTimeout(() => reject(new Error('centrifuge-js: not subscribed')), 15000);
  });
  sub.subscribe();
  c.connect();
  await subscribed;
  return () => c.disconnect();
}

const close = mode === 'pusher' ? await pusher() : await centrifuge();
console.log(JSON.stringify({ ready: true }));
let m0 = 0; let c0 = process.cpuUsage(); let t0 = performance.now();
const report = () => {
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({
    messages: messages - m0, cpu_s: (c.user + c.system) / 1e6, wall_s: (performance.now() - t0) / 1000,
    last_id: last?.id ?? null,
  }));
};
for await (const line of readline.createInterface({ input: process.stdin })) {
  const cmd = line.trim();
  if (cmd === 'start' || cmd.startsWith('until ')) {
    m0 = messages; c0 = process.cpuUsage(); t0 = performance.now();
    if (cmd.startsWith('until ')) until = { first: m0 + 1, target: m0 + Number(cmd.slice(6)), report };
  } else if (cmd === 'stop') {
    report();
  } else if (cmd === 'quit') break;
}
close();
process.exit(0);
