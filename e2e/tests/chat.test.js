// End to end: the chat panel in the real window against the embedded fake:
// turn chat on, messages arrive, send one and see it echoed, time a user out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openApp, demoLogin, demoInfo, fakeControl, chatConnected, chatState as pageChatState } from '../lib/session.js';

const SHOTS = process.env.E2E_SHOTS || '';
let browser;
let started;
const $t = (id) => browser.$(`[data-testid="${id}"]`);
const chatState = () => pageChatState(browser);

before(async () => {
  started = Date.now();
  browser = await openApp();
});

after(async () => {
  await browser?.deleteSession();
});

test('chat: on, messages, send + echo, timeout', async () => {
  await demoLogin(browser);
  // Chat is on from the login (it feeds the activity feed too).
  await chatConnected(browser);
  // The demo shows what real Kick does: Centrifugo.
  assert.equal(await chatState(), 'Connected · Centrifugo');

  // The demo chat moves on its own.
  await browser.waitUntil(async () => (await browser.$$('[data-testid="chat-name"]')).length >= 2, { timeout: 15000 });

  // Send and see it come back over the socket.
  const text = `hello from e2e ${Date.now() % 100000}`;
  await (await $t('chat-input')).setValue(text);
  await (await $t('chat-send')).click();
  await browser.waitUntil(async () => {
    for (const el of await browser.$$('[data-testid="chat-content"]')) if ((await el.getText()) === text) return true;
    return false;
  }, { timeout: 15000, timeoutMsg: 'own message not echoed' });
  assert.equal(await (await $t('chat-input')).getValue(), '');

  // Time out a chatter from the user card (two clicks: confirm).
  const names = await browser.$$('[data-testid="chat-name"]');
  let target;
  for (const n of names) if ((await n.getText()) !== 'DemoStreamer') { target = n; break; }
  assert.ok(target, 'a viewer to moderate');
  const who = await target.getText();
  await target.click();
  await (await $t('user-card')).waitForDisplayed();
  await (await $t('mod-t10')).click();
  assert.match(await (await $t('mod-t10')).getText(), /Confirm/);
  await (await $t('mod-t10')).click();
  await browser.waitUntil(async () => /10 min/.test(await (await $t('mod-result')).getText()), { timeout: 10000 });
  await browser.waitUntil(async () => {
    for (const el of await browser.$$('[data-testid="chat-notice"]')) if ((await el.getText()).includes(`${who} was timed out for 10 min`)) return true;
    return false;
  }, { timeout: 15000, timeoutMsg: 'timeout not shown in chat' });
  if (SHOTS) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await browser.saveScreenshot(path.join(SHOTS, '5-chat.png'));
  }
});

// The window keeps the newest 300 messages while it follows the chat; older
// ones come from the backend's history (2,000 kept) a page at a time when
// the streamer scrolls back, without moving what is on screen.
test('chat: scrolling back brings older messages from the backend', async () => {
  await demoLogin(browser);
  await chatConnected(browser);
  const demo = await demoInfo(started);
  await fakeControl(demo, '/_fake/realtime/burst', { count: 800 });
  const list = () => browser.execute(() => {
    const l = document.querySelector('[data-testid="chat-list"]');
    const first = l.querySelector('[data-testid="chat-row"]');
    return { height: l.scrollHeight, top: l.scrollTop, first: first?.dataset.key ?? null };
  });
  // The user card of the test before sits where the jump button shows.
  const card = await $t('user-card');
  if (await card.isExisting()) await (await card.$('button[aria-label="Close"]')).click();
  await browser.pause(2000); // the burst lands (the panel follows it)
  const before = await list();
  for (let i = 0; i < 3; i++) {
    await browser.execute(() => { document.querySelector('[data-testid="chat-list"]').scrollTop = 0; });
    await browser.pause(600);
  }
  const after = await list();
  // Three pages of 200 rows at ~26 px each came in above.
  assert.ok(after.height > before.height + 300 * 20, `older pages arrived: ${before.height} -> ${after.height} px`);
  // Back to the newest: the jump button follows again.
  const jump = await $t('chat-jump');
  if (await jump.isExisting()) await jump.click();
  else await browser.execute(() => { const l = document.querySelector('[data-testid="chat-list"]'); l.scrollTop = l.scrollHeight; });
  await browser.waitUntil(async () => (await list()).height < after.height, {
    timeout: 10000, timeoutMsg: 'following again did not shrink the list back to its page',
  });
});
