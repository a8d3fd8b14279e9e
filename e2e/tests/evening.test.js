// End to end: the streamer's evening in the real window against the
// embedded fake (demo mode): a gifted sub and a KICKs gift triggered at the
// fake appear once in the activity feed; a redemption accepted from the
// feed is accepted at the fake; the stats panel draws the viewer chart
// while the demo stream runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openApp, demoInfo, demoLogin, chatConnected } from '../lib/session.js';

const SHOTS = process.env.E2E_SHOTS || '';
let browser;
let demo;
const $t = (id) => browser.$(`[data-testid="${id}"]`);

async function fake(route, body) {
  const r = await fetch(`${demo.api_base}${route}`, {
    method: body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(r.ok, `${route}: ${r.status}`);
  return r.json();
}

async function feedTexts() {
  const out = [];
  for (const el of await browser.$$('[data-testid="feed-text"]')) out.push(await el.getText());
  return out;
}

before(async () => {
  const started = Date.now();
  browser = await openApp();
  // This app's embedded fake (an earlier test's app wrote the file too).
  demo = await demoInfo(started);
});

after(async () => {
  await browser?.deleteSession();
});

test('the evening: feed once per action, redemption accepted at Kick, viewer chart', async () => {
  await demoLogin(browser);
  await (await $t('activity-feed')).waitForDisplayed({ timeout: 15000 });
  // The feed needs the socket: chat on.
  await chatConnected(browser);
  await browser.pause(500);

  // Go live (the demo's button): the demo evening starts and viewers are sampled.
  await (await $t('demo-go-live')).click();
  await browser.waitUntil(async () => (await (await $t('live-state')).getText()) === 'LIVE', { timeout: 20000 });

  // A gifted sub and a KICKs gift at the fake: each shown once.
  const tag = `e2e${Date.now() % 100000}`;
  await fake('/_fake/realtime/event', { kind: 'gift', username: `${tag}_gifter`, count: 3 });
  await fake('/_fake/realtime/event', { kind: 'kicks', username: `${tag}_kicker`, count: 250, text: 'e2e kicks' });
  await browser.waitUntil(async () => {
    const t = await feedTexts();
    return t.some((x) => x.startsWith(`${tag}_gifter gifted 3 subs`)) && t.some((x) => x.startsWith(`${tag}_kicker sent 250 KICKs`));
  }, { timeout: 20000, timeoutMsg: 'gift and KICKs in the feed' });
  await browser.pause(1500); // any twin or duplicate would have arrived by now
  const t = await feedTexts();
  assert.equal(t.filter((x) => x.startsWith(`${tag}_gifter gifted`)).length, 1, t.join('\n'));
  assert.equal(t.filter((x) => x.startsWith(`${tag}_kicker sent`)).length, 1, t.join('\n'));

  // A redemption: shown, its id fetched from Kick, accepted from the feed.
  const made = await fake('/_fake/redemptions/new', { user: `${tag}_fan`, input: 'play e2e' });
  const id = made.ids[0];
  await (await $t('feed-filter-redemptions')).click();
  let accept;
  await browser.waitUntil(async () => {
    for (const item of await browser.$$('[data-testid="feed-item"]')) {
      if ((await item.getText()).includes(`${tag}_fan redeemed`)) {
        const buttons = await item.$$('[data-testid="feed-accept"]');
        if (buttons.length) { accept = buttons[0]; return true; }
      }
    }
    return false;
  }, { timeout: 20000, timeoutMsg: 'the redemption with its Accept button' });
  await accept.click();
  await browser.waitUntil(async () => (await (await $t('feed-result')).getText()).startsWith('Accepted 1'), { timeout: 10000 });
  const list = await fake('/_fake/redemptions');
  const at = (list.redemptions ?? list).find((r) => r.id === id);
  assert.equal(at?.status, 'accepted', JSON.stringify(at));
  await (await $t('feed-filter-all')).click();

  // The stats panel: numbers and the viewer chart as samples come in.
  await browser.waitUntil(async () => Number(await (await $t('viewer-chart')).getAttribute('data-samples')) >= 5, {
    timeout: 40000, timeoutMsg: 'viewer samples',
  });
  assert.ok((await $t('viewer-chart')).$('canvas'));
  assert.ok(Number((await (await $t('stat-kicks')).getText()).replace(/,/g, '')) >= 250);
  if (SHOTS) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await browser.saveScreenshot(path.join(SHOTS, '6-evening.png'));
  }
});
