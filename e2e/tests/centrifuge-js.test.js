// The fake's Centrifugo endpoint speaks the real protocol: the official
// centrifuge-js client (the kind of client kick.com's site runs) gets a
// token from the fake's realtime token endpoint, connects, subscribes and
// receives a Kick-shaped chat event, as kick.com negotiates it today.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';

test('centrifuge-js connects with a realtime token, subscribes and receives from the fake', async () => {
  const exe = process.env.KICK_FAKE ?? path.resolve(process.cwd(), '..', 'target', 'debug', 'kick-fake');
  const fake = spawn(exe, ['--port', '0', '--tick-ms', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const line = await new Promise((resolve, reject) => {
      readline.createInterface({ input: fake.stdout }).once('line', resolve);
      fake.once('error', reject);
    });
    const info = JSON.parse(line);
    const post = (p, body) => fetch(`${info.web_base}${p}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    }).then((r) => r.json());
    // Negotiate as the site does: descriptor, then a token for the same client id.
    const clientId = randomUUID();
    const desc = await post(`/api/v1/realtime/channels/${info.channel_id}/chat/connection`, {
      client: { id: clientId, type: 'web' },
      capabilities: { accepted_providers: [{ provider: 'pusher' }, { provider: 'centrifugo' }] },
    });
    const conn = desc.data.connections[0];
    assert.equal(conn.provider, 'centrifugo');
    assert.equal(desc.data.mode, 'websocket');
    let tokens = 0;
    const centrifuge = new Centrifuge(conn.credentials.url, {
      websocket: WebSocket, // Node 20 has no global WebSocket
      getToken: async () => {
        tokens += 1;
        const t = await post('/api/v1/realtime/auth/connection', { client_id: clientId });
        assert.equal(t.message, 'success');
        return t.data.token;
      },
    });
    const connected = new Promise((resolve, reject) => {
      centrifuge.once('connected', resolve);
      setTimeout(() => reject(new Error('not connected')), 10000);
    });
    const sub = centrifuge.newSubscription(`chatrooms.${info.chatroom_id}.v2`);
    const subscribed = new Promise((resolve, reject) => {
      sub.once('subscribed', resolve);
      sub.once('error', (e) => reject(new Error(JSON.stringify(e))));
      setTimeout(() => reject(new Error('not subscribed')), 10000);
    });
    const got = new Promise((resolve, reject) => {
      sub.on('publication', (ctx) => resolve(ctx.data));
      setTimeout(() => reject(new Error('no chat event')), 10000);
    });
    sub.subscribe();
    centrifuge.connect();
    const ctx = await connected;
    assert.equal(ctx.transport, 'websocket');
    assert.ok(ctx.client);
    await subscribed;
    assert.equal(tokens, 1);
    const r = await post('/_fake/realtime/burst', { count: 1 });
    assert.equal(r.ok, true);
    const pub = await got;
    // Kick's envelope: {event, data} with data a JSON string.
    assert.equal(pub.event, 'App\\Events\\ChatMessageEvent');
    const data = JSON.parse(pub.data);
    assert.equal(data.chatroom_id, info.chatroom_id);
    assert.match(data.id, /^[0-9a-f-]{36}$/);
    assert.ok(data.sender.username);
    centrifuge.disconnect();
  } finally {
    fake.kill();
  }
});
