// End to end with real OBS Studio: the real window (demo mode, its fake Kick
// with a real RTMP ingest) connects to OBS (a wrong password said so, then
// the right one), sets OBS up for Kick without showing the key, finds a
// stale key and fixes it, goes live (the ingest sees the publish, the window
// shows live with OBS's health), switches a scene, ends the stream, and says
// when OBS is not running. Throughout, the stream key is in no file the app
// wrote (logs included), not in the page and not in the web view's memory.
//
// Runs from scripts/test-obs.sh (in a loopback-only network namespace:
// OBS's WebSocket server listens on every interface).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openApp, demoInfo, demoLogin } from '../lib/session.js';
import { ObsStudio, comm, filesContaining, freePort, processTree, searchMemory } from './obs-studio.js';

const SHOTS = process.env.E2E_SHOTS || '';
const WORK = process.env.E2E_WORK;
const PASSWORD = 'e2e-obs-Pw7';
let browser;
let demo;
let obs;
const $t = (id) => browser.$(`[data-testid="${id}"]`);
const text = async (id) => (await $t(id)).getText();

async function fake(route) {
  const r = await fetch(`${demo.api_base}${route}`);
  assert.ok(r.ok, `${route}: ${r.status}`);
  return r.json();
}

// What the OBS panel shows, for a wait that timed out.
async function panel() {
  return browser.execute(() => {
    const q = (id) => document.querySelector(`[data-testid="${id}"]`);
    return {
      text: q('obs-panel')?.innerText ?? '(no panel)',
      port: q('obs-port')?.value,
      host: q('obs-host')?.value,
      connect: q('obs-connect') ? { disabled: q('obs-connect').disabled, text: q('obs-connect').textContent } : null,
    };
  });
}

async function until(what, f, timeout = 20000) {
  try {
    await browser.waitUntil(f, { timeout, interval: 200, timeoutMsg: what });
  } catch (e) {
    let seen = '';
    try {
      seen = JSON.stringify(await panel(), null, 1);
    } catch (e2) {
      seen = `(the page could not be read: ${e2.message})`;
    }
    throw new Error(`${what}: not within ${timeout} ms. The OBS panel: ${seen}`, { cause: e });
  }
}

before(async () => {
  assert.ok(WORK, 'E2E_WORK (e2e/run.sh sets it)');
  obs = new ObsStudio({ port: await freePort(), password: PASSWORD });
  await obs.start();
  const started = Date.now();
  browser = await openApp();
  demo = await demoInfo(started);
  assert.ok(demo.ingest_url?.startsWith('rtmp://127.0.0.1:'), `the demo runs its RTMP ingest: ${JSON.stringify(demo)}`);
});

after(async () => {
  await browser?.deleteSession();
  await obs?.kill();
  obs?.cleanup();
});

test('OBS from the window: connect, set up, stale key, go live, health, scene, end, OBS gone; the key never shown', async () => {
  await demoLogin(browser);
  await (await $t('obs-panel')).waitForDisplayed({ timeout: 15000 });
  assert.equal(await text('obs-state'), 'Not connected');

  // A wrong password: said so, and no retrying until the streamer acts.
  await (await $t('obs-port')).setValue(String(obs.port));
  await (await $t('obs-password')).setValue('not-the-password');
  await (await $t('obs-connect')).click();
  await until('wrong password said', async () => (await text('obs-state')) === 'Needs attention');
  assert.match(await text('obs-problem'), /refused the WebSocket password/);
  if (SHOTS) await browser.saveScreenshot(path.join(SHOTS, '7-obs-wrong-password.png'));

  // The right one: connected; the key in OBS is checked at once (a fresh
  // OBS streams elsewhere or nowhere) and a fix is offered.
  await (await $t('obs-password')).setValue(PASSWORD);
  await (await $t('obs-connect')).click();
  await until('connected', async () => (await text('obs-state')) === 'Connected');
  await until('the key checked', async () => (await $t('obs-key-state')).isExisting());
  assert.notEqual(await (await $t('obs-key-state')).getAttribute('data-key'), 'matches');
  assert.match(await text('obs-setup'), /Fix/);

  // Set up OBS for Kick: OBS now has the demo's ingest and a key.
  await (await $t('obs-setup')).click();
  await until('set up', async () => (await text('obs-message')).includes('set up for Kick'));
  await until('key matches', async () => (await (await $t('obs-key-state')).getAttribute('data-key')) === 'matches');
  const service = await obs.request('GetStreamServiceSettings');
  assert.equal(service.streamServiceType, 'rtmp_custom');
  assert.equal(service.streamServiceSettings.server, demo.ingest_url, 'the URL exactly as Kick gives it');
  const KEY = service.streamServiceSettings.key;
  assert.ok(KEY && KEY.length >= 16, 'OBS holds a stream key');

  // A stale key put into OBS behind Kickstand's back: found and fixed.
  await obs.request('SetStreamServiceSettings', {
    streamServiceType: 'rtmp_custom',
    streamServiceSettings: { server: demo.ingest_url, key: 'sk_us-west-2_STALEkeyFromLastYear' },
  });
  await (await $t('obs-check')).click();
  await until('stale key found', async () => (await (await $t('obs-key-state')).getAttribute('data-key')) === 'differs');
  assert.match(await text('obs-key-state'), /not your current Kick key/);
  await (await $t('obs-setup')).click();
  await until('fixed', async () => (await (await $t('obs-key-state')).getAttribute('data-key')) === 'matches');
  assert.equal((await obs.request('GetStreamServiceSettings')).streamServiceSettings.key, KEY);

  // A scene added in OBS shows up by OBS's own event.
  const scene = `BRB e2e ${Date.now() % 100000}`;
  await obs.request('CreateScene', { sceneName: scene });
  await until('new scene listed', async () => {
    for (const el of await browser.$$('[data-testid="obs-scene"]')) if ((await el.getText()) === scene) return true;
    return false;
  });

  // Go live, after a confirmation.
  await (await $t('obs-go-live')).click();
  assert.equal((await obs.request('GetStreamStatus')).outputActive, false, 'nothing before the confirmation');
  await (await $t('obs-confirm')).click();
  await until('streaming', async () => (await text('obs-state')).startsWith('Streaming'), 40000);
  await until('the fake ingest saw the publish', async () => {
    const r = await fake('/_fake/ingest');
    return r.publishes.some((p) => p.call === 'publish' && p.accepted);
  });
  await until('the window shows live', async () => (await text('live-state')) === 'LIVE', 30000);
  await until('Kick live beside OBS', async () => (await text('obs-kick-live')) === 'Kick: LIVE');
  await until('arrival confirmed', async () => (await text('obs-arrival')).includes('Kick shows your stream live'));
  await until('a bitrate', async () => /^\d+ kb\/s$/.test(await text('obs-bitrate')) && !(await text('obs-bitrate')).startsWith('0 '));
  assert.match(await text('obs-duration'), /^\d+:\d\d/);

  // Switch the scene from the window; OBS confirms it.
  for (const el of await browser.$$('[data-testid="obs-scene"]')) if ((await el.getText()) === scene) await el.click();
  await until('scene current in the window', async () => {
    for (const el of await browser.$$('[data-testid="obs-scene"]')) {
      if ((await el.getText()) === scene) return (await el.getAttribute('aria-pressed')) === 'true';
    }
    return false;
  });
  assert.equal((await obs.request('GetCurrentProgramScene')).currentProgramSceneName, scene);
  if (SHOTS) await browser.saveScreenshot(path.join(SHOTS, '7-obs.png'));

  // End the stream, after a confirmation: offline again.
  await (await $t('obs-end')).click();
  await (await $t('obs-confirm')).click();
  await until('OBS stopped', async () => (await text('obs-state')) === 'Connected', 30000);
  await until('the window shows offline', async () => (await text('live-state')) === 'OFFLINE', 30000);
  assert.equal((await obs.request('GetStreamStatus')).outputActive, false);

  // OBS goes away: said so, retried.
  await obs.kill();
  await until('OBS not running', async () => /not running|Reconnecting/.test(await text('obs-state')));
  await until('the reason', async () => /not running/i.test(await text('obs-problem')));

  // The key: not in the page, not in any file the app wrote (its logs, its
  // settings, WebKit's caches), not in the web view's memory.
  const html = await browser.getPageSource();
  assert.ok(!html.includes(KEY), 'the key is in the page');
  assert.deepEqual(filesContaining(WORK, KEY), [], 'the key is in a file');
  const app = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).find((d) => {
    try {
      return fs.readlinkSync(`/proc/${d}/exe`) === fs.realpathSync(process.env.KICKSTAND_APP);
    } catch {
      return false;
    }
  });
  assert.ok(app, 'the app process');
  const web = processTree(Number(app)).filter((p) => comm(p).startsWith('WebKitWebProces'));
  assert.ok(web.length > 0, 'the web view process');
  for (const pid of web) {
    // The scene name reached the web view through the same events: the
    // search would find a string that is there.
    const found = searchMemory(pid, [KEY, scene]);
    assert.ok(found.includes(scene), 'the memory search works (the scene name is there)');
    assert.ok(!found.includes(KEY), 'the key is in the web view memory');
  }
});
