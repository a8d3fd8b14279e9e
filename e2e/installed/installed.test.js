// The installed .deb (unpacked by scripts/test-deb.sh): its binary starts in
// demo mode under Xvfb, shows the dashboard with the demo channel live, and
// its About screen names the log folder the app is writing to.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { openApp, demoLogin } from '../lib/session.js';

let browser;
const $t = (id) => browser.$(`[data-testid="${id}"]`);

before(async () => {
  browser = await openApp();
});

after(async () => {
  await browser?.deleteSession();
});

test('the installed app shows the demo dashboard', async () => {
  await (await $t('demo-badge')).waitForDisplayed({ timeout: 30000 });
  await demoLogin(browser);
  await (await $t('live-state')).waitForDisplayed({ timeout: 20000 });
  await (await $t('demo-go-live')).click();
  await browser.waitUntil(async () => (await (await $t('live-state')).getText()) === 'LIVE', { timeout: 20000 });
  assert.ok((await (await $t('viewer-count')).getText()).length > 0);

  await (await $t('nav-about')).click();
  const logs = await (await $t('about-logs')).getText();
  assert.equal(logs, `${process.env.XDG_DATA_HOME}/dev.kickstand.app/logs`);
  const files = fs.readdirSync(logs).filter((f) => /^kickstand\..*\.log$/.test(f));
  assert.equal(files.length, 1, `one log file in ${logs}: ${fs.readdirSync(logs)}`);
  assert.match(fs.readFileSync(`${logs}/${files[0]}`, 'utf8'), /Kickstand starting/);
  if (process.env.E2E_SHOTS) await browser.saveScreenshot(`${process.env.E2E_SHOTS}/8-about.png`);
});
