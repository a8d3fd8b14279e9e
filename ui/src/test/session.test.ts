// The session as the streamer sees it: the window shows at once while the
// backend restores, Kick being away is said plainly, a login Kick ends is
// one prompt that keeps unsaved edits (through the new login, or a failed
// try of it), a new login's own dashboard and chat, and the 30-day warning.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { afterEach, describe, expect, it } from 'vitest';
import App from '../App.svelte';
import type { AppStatus } from '../lib/bindings';
import type { ChannelView } from '../lib/bindings';

const loggedIn: AppStatus = {
  mode: 'kick',
  phase: 'logged_in',
  user: { user_id: 4250001, name: 'DemoStreamer', profile_picture: '' },
  keyring: { available: true, message: null },
  redirect_uri: 'http://localhost:53682/callback',
  scopes: ['user:read'],
  client_id: '01KAPP',
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

/** What `channel` answers (another account's channel after a login as them). */
let shownChannel: ChannelView = channel;

function backend(status: AppStatus) {
  shownChannel = channel;
  const calls: string[] = [];
  mockWindows('main');
  mockIPC(
    (cmd) => {
      calls.push(cmd);
      switch (cmd) {
        case 'app_status':
          return status;
        case 'channel_limits':
          return { title_max_chars: 140, tags_max: 10, tag_max_chars: 30 };
        case 'channel':
          return shownChannel;
        case 'chat_start':
          return { state: 'connecting', transport: null };
        case 'chat_history':
          return { items: [], status: { state: 'off', reason: null } };
        default:
          return null;
      }
    },
    { shouldMockEvents: true },
  );
  return calls;
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('start-up', () => {
  it('shows a window at once, then the restore and why it takes long', async () => {
    const calls = backend({ ...loggedIn, phase: 'starting', user: null });
    render(App);
    expect(await screen.findByTestId('starting')).toBeTruthy();
    await emit('kickstand://status', {
      ...loggedIn,
      phase: 'restoring',
      user: null,
      problem: 'Kick is unreachable. Retrying in 8 s.',
    });
    expect((await screen.findByTestId('restore-problem')).textContent).toBe('Kick is unreachable. Retrying in 8 s.');
    await fireEvent.click(screen.getByTestId('retry-now'));
    await waitFor(() => expect(calls).toContain('retry_restore'));
    await emit('kickstand://status', loggedIn);
    expect((await screen.findByTestId('user-name')).textContent).toBe('DemoStreamer');
  });
});

describe('a login Kick ends', () => {
  it('is one prompt over the dashboard, and unsaved edits survive the new login', async () => {
    const calls = backend(loggedIn);
    render(App);
    const title = (await screen.findByTestId('title-input')) as HTMLInputElement;
    await fireEvent.input(title, { target: { value: 'Ranked grind, part 2' } });

    await emit('kickstand://status', {
      ...loggedIn,
      phase: 'logged_out',
      user: null,
      prompt: 'Kick ended your login. Log in again to continue; your unsaved edits stay where they are.',
    });
    const prompt = await screen.findByTestId('relogin-prompt');
    expect(prompt.textContent).toContain('Log in again');
    expect(screen.getAllByRole('alert').length).toBe(1);
    expect((screen.getByTestId('title-input') as HTMLInputElement).value).toBe('Ranked grind, part 2');
    expect((screen.getByTestId('save-channel') as HTMLButtonElement).disabled).toBe(true);

    await fireEvent.click(screen.getByTestId('relogin'));
    await waitFor(() => expect(calls).toContain('login'));
    // The backend says a login is under way (the browser is open): the
    // dashboard and the draft stay.
    await emit('kickstand://status', { ...loggedIn, phase: 'logging_in', user: null });
    expect((await screen.findByTestId('relogin')).textContent).toContain('Waiting for your browser');
    expect((screen.getByTestId('title-input') as HTMLInputElement).value).toBe('Ranked grind, part 2');
    // The streamer closed the browser: that attempt ends, the draft stays.
    await emit('kickstand://status', { ...loggedIn, phase: 'logged_out', user: null });
    expect((await screen.findByTestId('relogin')).textContent).toContain('Log in again');
    expect((screen.getByTestId('title-input') as HTMLInputElement).value).toBe('Ranked grind, part 2');

    await fireEvent.click(screen.getByTestId('relogin'));
    await emit('kickstand://status', { ...loggedIn, phase: 'logging_in', user: null });
    await emit('kickstand://status', loggedIn);
    await waitFor(() => expect(screen.queryByTestId('relogin-prompt')).toBeNull());
    expect((screen.getByTestId('title-input') as HTMLInputElement).value).toBe('Ranked grind, part 2');
    expect((screen.getByTestId('save-channel') as HTMLButtonElement).disabled).toBe(false);
  });

  it('a login as another account keeps nothing of the ended one', async () => {
    backend(loggedIn);
    render(App);
    const title = (await screen.findByTestId('title-input')) as HTMLInputElement;
    await fireEvent.input(title, { target: { value: 'Ranked grind, part 2' } });
    await emit('kickstand://status', { ...loggedIn, phase: 'logged_out', user: null, prompt: 'Kick ended your login.' });
    await screen.findByTestId('relogin-prompt');

    shownChannel = { ...channel, broadcaster_user_id: 4250002, slug: 'nightowlnina', display_name: 'NightOwlNina', title: 'Late night lofi' };
    await emit('kickstand://status', { ...loggedIn, phase: 'logging_in', user: null });
    await emit('kickstand://status', { ...loggedIn, user: { user_id: 4250002, name: 'NightOwlNina', profile_picture: '' } });
    await waitFor(() => expect((screen.getByTestId('title-input') as HTMLInputElement).value).toBe('Late night lofi'));
  });

  it("a new login's chat panel starts its own chat", async () => {
    const calls = backend({ ...loggedIn, chat_enabled: true });
    render(App);
    await waitFor(() => expect(calls.filter((c) => c === 'chat_start').length).toBe(1));
    await emit('kickstand://status', { ...loggedIn, chat_enabled: true, phase: 'logged_out', user: null, prompt: 'Kick ended your login.' });
    await screen.findByTestId('relogin-prompt');
    await emit('kickstand://status', { ...loggedIn, chat_enabled: true, phase: 'logging_in', user: null });
    await emit('kickstand://status', { ...loggedIn, chat_enabled: true });
    await waitFor(() => expect(calls.filter((c) => c === 'chat_start').length).toBe(2));
  });

  it('a plain logout clears the dashboard', async () => {
    backend(loggedIn);
    render(App);
    await screen.findByTestId('title-input');
    await emit('kickstand://status', { ...loggedIn, phase: 'logged_out', user: null });
    expect(await screen.findByTestId('login-button')).toBeTruthy();
    expect(screen.queryByTestId('title-input')).toBeNull();
  });
});

describe('the 30-day login', () => {
  it('warns in the last week', async () => {
    backend({ ...loggedIn, relogin_warning: 'Kick will ask you to log in again in 3 days.' });
    render(App);
    expect((await screen.findByTestId('relogin-warning')).textContent).toContain('in 3 days');
  });
});
