import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from '../App.svelte';
import type { AppStatus } from '../lib/bindings';
import type { ChannelView } from '../lib/bindings';
import type { LiveSnapshot } from '../lib/bindings';

type Calls = { cmd: string; args: Record<string, unknown> }[];

const loggedIn: AppStatus = {
  mode: 'demo',
  phase: 'logged_in',
  user: { user_id: 4250001, name: 'DemoStreamer', profile_picture: '' },
  keyring: { available: true, message: null },
  redirect_uri: 'http://localhost:53682/callback',
  scopes: ['user:read', 'channel:read'],
  client_id: 'demo',
  problem: null,
  prompt: null,
  login_expires_at_ms: null,
  relogin_warning: null,
  chat_transport: 'auto',
  chat_enabled: false,
};

const channel: ChannelView = {
  broadcaster_user_id: 4250001,
  slug: 'demostreamer',
  display_name: 'DemoStreamer',
  avatar_url: '',
  title: 'Chill stream',
  category: { id: 15, name: 'Just Chatting', thumbnail: '' },
  tags: ['English'],
  language: 'en',
  is_live: false,
  viewer_count: 0,
  started_at_ms: null,
};

function backend(status: AppStatus, overrides: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  const calls: Calls = [];
  mockWindows('main');
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
      if (overrides[cmd]) return overrides[cmd]((args ?? {}) as Record<string, unknown>);
      switch (cmd) {
        case 'app_status':
          return status;
        case 'channel_limits':
          return { title_max_chars: 140, tags_max: 10, tag_max_chars: 30 };
        case 'channel':
          return channel;
        case 'live_snapshot':
          return null;
        case 'watchlist_add':
          return [(args as { slug: string }).slug];
        case 'search_categories':
          return [
            { id: 15, name: 'Just Chatting', thumbnail: '' },
            { id: 120, name: 'Chess', thumbnail: '' },
          ];
        default:
          return null;
      }
    },
    { shouldMockEvents: true },
  );
  return calls;
}

beforeEach(() => vi.useRealTimers());
afterEach(() => {
  cleanup();
  clearMocks();
});

describe('connect', () => {
  const needs: AppStatus = { ...loggedIn, mode: 'kick', phase: 'needs_credentials', user: null, client_id: null };

  it('validates before saving and sends trimmed credentials', async () => {
    const calls = backend(needs);
    render(App);
    const save = await screen.findByTestId('save-credentials');
    await fireEvent.click(save);
    expect(await screen.findByText('Paste the Client ID of your Kick app.')).toBeTruthy();
    expect(calls.some((c) => c.cmd === 'save_credentials')).toBe(false);
    await fireEvent.input(screen.getByTestId('client-id'), { target: { value: ' 01KAPPID ' } });
    await fireEvent.input(screen.getByTestId('client-secret'), { target: { value: 'sekret' } });
    await fireEvent.click(save);
    await waitFor(() => expect(calls.find((c) => c.cmd === 'save_credentials')?.args).toEqual({ clientId: '01KAPPID', clientSecret: 'sekret' }));
    expect(screen.getByTestId('redirect-uri').textContent).toBe('http://localhost:53682/callback');
  });

  it('says plainly when there is no keyring', async () => {
    backend({ ...needs, keyring: { available: false, message: 'Install gnome-keyring.' } });
    render(App);
    expect((await screen.findByTestId('keyring-missing')).textContent).toContain('Install gnome-keyring.');
    expect((screen.getByTestId('save-credentials') as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('login', () => {
  it('shows Kick’s error in words', async () => {
    backend({ ...loggedIn, phase: 'logged_out', user: null }, {
      login: () => {
        throw { code: 'login_failed', message: 'Kick login failed: state did not match', field: null };
      },
    });
    render(App);
    await fireEvent.click(await screen.findByTestId('login-button'));
    expect((await screen.findByTestId('login-error')).textContent).toContain('state did not match');
  });

  it('moves to the dashboard when the status event says logged in', async () => {
    backend({ ...loggedIn, phase: 'logging_in', user: null });
    render(App);
    expect(await screen.findByTestId('login-waiting')).toBeTruthy();
    await emit('kickstand://status', loggedIn);
    expect((await screen.findByTestId('user-name')).textContent).toBe('DemoStreamer');
    expect(screen.getByTestId('demo-badge')).toBeTruthy();
  });
});

describe('channel editor', () => {
  it('blocks an over-long title and sends only what changed', async () => {
    const calls = backend(loggedIn, { update_channel: (a) => ({ ...channel, title: (a.update as { title: string }).title }) });
    render(App);
    const title = (await screen.findByTestId('title-input')) as HTMLInputElement;
    await fireEvent.input(title, { target: { value: 'x'.repeat(141) } });
    expect(screen.getByTestId('title-count').textContent).toBe('141/140');
    await fireEvent.click(screen.getByTestId('save-channel'));
    expect(await screen.findByTestId('title-error')).toBeTruthy();
    expect(calls.some((c) => c.cmd === 'update_channel')).toBe(false);

    await fireEvent.input(title, { target: { value: 'New title' } });
    await fireEvent.click(screen.getByTestId('save-channel'));
    await waitFor(() => expect(calls.find((c) => c.cmd === 'update_channel')?.args).toEqual({ update: { title: 'New title' } }));
    expect((await screen.findByTestId('save-result')).textContent).toContain('Saved');
  });

  it('shows a field error from the backend next to the field', async () => {
    backend(loggedIn, {
      update_channel: () => {
        throw { code: 'invalid_input', message: 'Kick refused this title.', field: 'title' };
      },
    });
    render(App);
    const title = await screen.findByTestId('title-input');
    await fireEvent.input(title, { target: { value: 'Bad words' } });
    await fireEvent.click(screen.getByTestId('save-channel'));
    expect((await screen.findByTestId('title-error')).textContent).toBe('Kick refused this title.');
  });

  it('caps tags at the limit and debounces category search', async () => {
    const calls = backend(loggedIn);
    render(App);
    const tag = (await screen.findByTestId('tag-input')) as HTMLInputElement;
    for (let i = 0; i < 12; i++) {
      await fireEvent.input(tag, { target: { value: `t${i}` } });
      await fireEvent.keyDown(tag, { key: 'Enter' });
    }
    expect(screen.getAllByTestId('tag-chip').length).toBe(10);

    const search = screen.getByTestId('category-search');
    for (const q of ['ch', 'che', 'ches', 'chess']) await fireEvent.input(search, { target: { value: q } });
    await waitFor(() => expect(screen.getAllByTestId('category-option').length).toBe(2));
    const searches = calls.filter((c) => c.cmd === 'search_categories');
    expect(searches).toEqual([{ cmd: 'search_categories', args: { query: 'chess' } }]);
    await fireEvent.keyDown(search, { key: 'ArrowDown' });
    await fireEvent.keyDown(search, { key: 'Enter' });
    expect(screen.getByTestId('category-current').textContent).toContain('Chess');
  });
});

describe('live and stream key', () => {
  it('updates the live card from events only', async () => {
    backend(loggedIn);
    render(App);
    expect((await screen.findByTestId('live-state')).textContent).toBe('OFFLINE');
    const snap: LiveSnapshot = {
      own: { slug: 'demostreamer', display_name: 'DemoStreamer', avatar_url: '', is_live: true, viewer_count: 1234,
        started_at_ms: Date.now() - 65_000, title: 'Live now', category: 'Just Chatting' },
      watchlist: [], interval_ms: 3000, problem: null, updated_at_ms: Date.now(),
    };
    await emit('kickstand://live', snap);
    await waitFor(() => expect(screen.getByTestId('live-state').textContent).toBe('LIVE'));
    expect(screen.getByTestId('viewer-count').textContent).toBe('1,234');
    expect(screen.getByTestId('uptime').textContent).toMatch(/^1:0\d$/);
  });

  it('reveals the key, then hides it on the backend event', async () => {
    backend(loggedIn, {
      reveal_stream_key: () => ({ ingest_url: 'rtmps://ingest/app/', stream_key: 'sk_us-west-2_SECRET', hide_at_ms: Date.now() + 30_000 }),
    });
    render(App);
    expect((await screen.findByTestId('stream-key')).textContent).not.toContain('sk_');
    await fireEvent.click(screen.getByTestId('reveal-key'));
    await waitFor(() => expect(screen.getByTestId('stream-key').textContent).toBe('sk_us-west-2_SECRET'));
    expect(screen.getByTestId('key-countdown').textContent).toMatch(/Hides in (29|30)s/);
    await emit('kickstand://stream-key-hidden', null);
    await waitFor(() => expect(screen.getByTestId('stream-key').textContent).not.toContain('sk_'));
  });

  it('hides the key when its time is up even without the event', async () => {
    backend(loggedIn, {
      reveal_stream_key: () => ({ ingest_url: 'rtmps://x/', stream_key: 'sk_short', hide_at_ms: Date.now() + 400 }),
    });
    render(App);
    await fireEvent.click(await screen.findByTestId('reveal-key'));
    await waitFor(() => expect(screen.getByTestId('stream-key').textContent).toBe('sk_short'));
    await waitFor(() => expect(screen.getByTestId('stream-key').textContent).not.toContain('sk_'), { timeout: 2000 });
  });

  it('refuses a bad watchlist entry without calling the backend', async () => {
    const calls = backend(loggedIn);
    render(App);
    await fireEvent.input(await screen.findByTestId('watch-input'), { target: { value: 'not a slug!' } });
    await fireEvent.click(screen.getByTestId('watch-add'));
    expect(await screen.findByTestId('watch-error')).toBeTruthy();
    expect(calls.some((c) => c.cmd === 'watchlist_add')).toBe(false);
    await fireEvent.input(screen.getByTestId('watch-input'), { target: { value: 'https://kick.com/NightOwlNina' } });
    await fireEvent.click(screen.getByTestId('watch-add'));
    await waitFor(() => expect(calls.find((c) => c.cmd === 'watchlist_add')?.args).toEqual({ slug: 'nightowlnina' }));
  });
});
