// The fake's chat socket speaks the real Pusher protocol: the official
// pusher-js client (the library kick.com itself uses) connects, subscribes
// and receives a Kick chat event from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import path from 'node:path';
import Pusher from 'pusher-js';

test('pusher-js connects, subscribes and receives from the fake', async () => {
  const exe = process.env.KICK_FAKE ?? path.resolve(process.cwd(), '..', 'target', 'debug', 'kick-fake');
  const fake = spawn(exe, ['--port', '0', '--tick-ms', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const line = await new Promise((resolve, reject) => {
      readline.createInterface({ input: fake.stdout }).once('line', resolve);
      fake.once('error', reject);
    });
    const info = JSON.parse(line);
    const url = new URL(info.pusher_url);
    const key = url.pathname.split('/').pop();
    const pusher = new Pusher(key, {
      cluster: 'local', wsHost: url.hostname, wsPort: Number(url.port), forceTLS: false,
      enabledTransports: ['ws'], disableStats: true,
    });
    const channel = pusher.subscribe(`chatrooms.${info.chatroom_id}.v2`);
    await new Promise((resolve, reject) => {
      channel.bind('pusher:subscription_succeeded', resolve);
      setTimeout(() => reject(new Error('no subscription_succeeded')), 10000);
    });
    assert.match(pusher.connection.socket_id, /^\d+\.\d+$/);
    const got = new Promise((resolve, reject) => {
      channel.bind('App\\Events\\ChatMessageEvent', resolve);
      setTimeout(() => reject(new Error('no chat event')), 10000);
    });
    const r = await fetch(`${info.api_base}/_fake/pusher/burst`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 1 }),
    });
    assert.equal(r.status, 200);
    const data = await got; // pusher-js decoded the double-encoded data for us
    assert.equal(data.chatroom_id, info.chatroom_id);
    assert.match(data.id, /^[0-9a-f-]{36}$/);
    assert.ok(data.sender.username);
    pusher.disconnect();
  } finally {
    fake.kill();
  }
});
