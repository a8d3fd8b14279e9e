// What the window tests and benchmarks start with: a WebDriver session on
// the app (through run.sh's tauri-driver), the demo's embedded fake Kick,
// the demo login and the chat panel's state.
import fs from 'node:fs';
import path from 'node:path';
import { remote } from 'webdriverio';

/** A WebDriver session on `app` (default: the app run.sh was given). */
export function openApp(app = process.env.KICKSTAND_APP) {
  return remote({
    hostname: '127.0.0.1',
    port: Number(process.env.WEBDRIVER_PORT || 4444),
    logLevel: 'warn',
    capabilities: { 'tauri:options': { application: app } },
  });
}

/** `$t('x')` finds `[data-testid="x"]` in `browser`. */
export const testIds = (browser) => (id) => browser.$(`[data-testid="${id}"]`);

/** The demo's fake Kick as this app started it ({ oauth_base, api_base,
 *  broadcaster_user_id, slug, ingest_url }): the info file the app writes,
 *  once it is newer than `since` (an earlier app wrote it too). */
export async function demoInfo(since) {
  const info = process.env.KICKSTAND_DEMO_INFO_FILE;
  for (let i = 0; i < 200 && !(fs.existsSync(info) && fs.statSync(info).mtimeMs >= since); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return JSON.parse(fs.readFileSync(info, 'utf8'));
}

/** POSTs a control route of the demo's fake and returns its JSON. */
export async function fakeControl(demo, route, body) {
  const r = await fetch(`${demo.api_base}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  if (!r.ok) throw new Error(`${route}: ${r.status}`);
  return r.json();
}

/** The demo logs itself in at start: waits for its dashboard (the user's
 *  name in the header). */
export async function demoLogin(browser) {
  try {
    await (await testIds(browser)('user-name')).waitForDisplayed({ timeout: 20000 });
  } catch (e) {
    throw new Error(`the demo's dashboard did not show within 20 s; the window: ${await shown(browser)}; ` +
      `the app's log ends: ${appLogTail()}`, { cause: e });
  }
}

/** The last lines of the app's newest log file (the app's log folder under
 *  run.sh's XDG_DATA_HOME; no secret is ever logged), for a failed wait. */
export function appLogTail(chars = 2500) {
  try {
    const dir = path.join(process.env.XDG_DATA_HOME ?? '', 'dev.kickstand.app', 'logs');
    const files = fs.readdirSync(dir).filter((f) => f.includes('log')).map((f) => path.join(dir, f));
    const newest = files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
    return newest ? `${newest}:\n${fs.readFileSync(newest, 'utf8').slice(-chars)}` : `(no log file in ${dir})`;
  } catch (e) {
    return `(no log: ${e.message})`;
  }
}

/** What the window shows, in words, for a wait that timed out. */
export async function shown(browser) {
  try {
    return await browser.execute(() => {
      const text = (document.body?.innerText ?? '').replace(/\s+/g, ' ').trim();
      return `${document.readyState}; "${text.slice(0, 600)}"`;
    });
  } catch (e) {
    return `(the page could not be read: ${e.message})`;
  }
}

/** The chat panel's state text as the page has it: WebKitWebDriver's getText
 *  reads this span as "" although it is on screen; textContent does not. */
export const chatState = (browser) =>
  browser.execute(() => document.querySelector('[data-testid="chat-state"]')?.textContent ?? '');

/** Chat on (it is on from login; turned on only if not) and connected. */
export async function chatConnected(browser) {
  const toggle = await testIds(browser)('chat-toggle');
  await toggle.waitForDisplayed({ timeout: 15000 });
  await browser.pause(500);
  if ((await toggle.getText()) === 'Turn on') await toggle.click();
  await browser.waitUntil(async () => (await chatState(browser)).startsWith('Connected'), { timeout: 15000 });
}
