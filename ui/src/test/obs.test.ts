// The OBS panel: connecting (with the port checked before anything is sent
// and the password never echoed), a stale key offered a fix, go live / end
// only after a confirmation, OBS's health next to Kick's view, scenes with
// the current one marked, and every change arriving by the `obs` event.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { tick } from 'svelte';
import ObsPanel from '../lib/components/ObsPanel.svelte';
import { store } from '../lib/state.svelte';
import { events, type ObsView } from '../lib/bindings';

type Calls = { cmd: string; args: Record<string, unknown> }[];

// Numbered as the backend numbers its views: each one newer than the last.
let seq = 0;
function view(over: Partial<ObsView> = {}): ObsView {
  return {
    seq: ++seq,
    settings: { host: '127.0.0.1', port: 4455, has_password: false, enabled: true },
    state: { state: 'connected', output: 'idle' },
    scenes: ['Starting soon', 'Gameplay', 'Be right back'],
    current_scene: 'Gameplay',
    health: null,
    key: { key: 'matches' },
    arrival: null,
    kick_live: false,
    ...over,
  };
}

function backend(overrides: Record<string, (a: Record<string, unknown>) => unknown> = {}): Calls {
  const calls: Calls = [];
  mockWindows('main');
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: a });
      if (overrides[cmd]) return overrides[cmd](a);
      return null;
    },
    { shouldMockEvents: true },
  );
  return calls;
}

afterEach(() => {
  cleanup();
  clearMocks();
  store.obs = null;
});

describe('OBS panel', () => {
  it('connects with the address form; a bad port is refused before anything is sent', async () => {
    const calls = backend({
      obs_configure: (a) => view({ settings: { host: a.host as string, port: a.port as number, has_password: a.password !== null, enabled: true } }),
    });
    store.obs = view({ state: { state: 'off' }, settings: { host: '127.0.0.1', port: 4455, has_password: false, enabled: false } });
    render(ObsPanel);
    expect(screen.getByTestId('obs-state').textContent).toBe('Not connected');
    expect((screen.getByTestId('obs-host') as HTMLInputElement).value).toBe('127.0.0.1');
    await fireEvent.input(screen.getByTestId('obs-port'), { target: { value: '44a55' } });
    await fireEvent.click(screen.getByTestId('obs-connect'));
    expect(screen.getByTestId('obs-form-error').textContent).toContain('port');
    expect(calls.some((c) => c.cmd === 'obs_configure')).toBe(false);

    await fireEvent.input(screen.getByTestId('obs-port'), { target: { value: '4456' } });
    await fireEvent.input(screen.getByTestId('obs-password'), { target: { value: 'hunter2' } });
    await fireEvent.click(screen.getByTestId('obs-connect'));
    await waitFor(() => expect(calls.find((c) => c.cmd === 'obs_configure')?.args).toEqual({ host: '127.0.0.1', port: 4456, password: 'hunter2' }));
    await waitFor(() => expect(screen.getByTestId('obs-state').textContent).toBe('Connected'));
    // The form is gone and the password field with it.
    expect(screen.queryByTestId('obs-password')).toBeNull();
  });

  it('shows what the backend refused, on the field it names', async () => {
    backend({
      obs_configure: () => {
        throw { code: 'invalid_input', message: 'Enter OBS\'s address, like 127.0.0.1 (no http:// and no port).', field: 'obs_host' };
      },
    });
    store.obs = view({ state: { state: 'off' } });
    render(ObsPanel);
    await fireEvent.input(screen.getByTestId('obs-host'), { target: { value: 'http://localhost:4455' } });
    await fireEvent.click(screen.getByTestId('obs-connect'));
    expect((await screen.findByTestId('obs-form-error')).textContent).toContain('no http://');
    expect(screen.getByTestId('obs-host').getAttribute('aria-invalid')).toBe('true');
  });

  it('says a wrong password needs the streamer, and that a stopped OBS is retried', async () => {
    backend();
    store.obs = view({ state: { state: 'needs_attention', message: 'OBS refused the password. Check it in OBS: Tools → WebSocket Server Settings.' } });
    render(ObsPanel);
    expect(screen.getByTestId('obs-problem').textContent).toContain('refused the password');
    expect(screen.getByTestId('obs-form')).toBeTruthy();
    store.obs = view({ state: { state: 'not_running', message: 'OBS is not running.', retry_in_ms: 2000 } });
    await waitFor(() => expect(screen.getByTestId('obs-state').textContent).toBe('OBS not running'));
    expect(screen.getByTestId('obs-problem').textContent).toContain('Trying again by itself');
    expect(screen.queryByTestId('obs-go-live')).toBeNull();
  });

  it('does not overwrite what is being typed when the first view arrives', async () => {
    backend();
    store.obs = null;
    render(ObsPanel);
    // The field is focused and empty (cleared, about to be typed in) when the view arrives.
    const port = screen.getByTestId('obs-port') as HTMLInputElement;
    port.focus();
    store.obs = view({ state: { state: 'off' }, settings: { host: '127.0.0.1', port: 4455, has_password: false, enabled: false } });
    await tick();
    expect(port.value).toBe('');
    await fireEvent.input(port, { target: { value: '45123' } });
    expect(port.value).toBe('45123');
    // Not being typed in: the first view fills the form.
    cleanup();
    store.obs = null;
    render(ObsPanel);
    store.obs = view({ state: { state: 'off' }, settings: { host: '10.0.0.2', port: 4460, has_password: false, enabled: false } });
    await tick();
    expect((screen.getByTestId('obs-port') as HTMLInputElement).value).toBe('4460');
  });

  it('keeps the newest view: a connect answer arriving after a newer event does not undo it', async () => {
    // What the window's e2e test met: OBS refused the password within
    // milliseconds, and the event saying so came before the answer to
    // obs_configure, which was built earlier ("Connecting…").
    const off = view({ state: { state: 'off' } });
    const connecting = view({ state: { state: 'connecting' } });
    const refused = view({ state: { state: 'needs_attention', message: 'OBS refused the WebSocket password.' } });
    const calls = backend({
      obs_view: () => off,
      channel_limits: () => ({ title_max_chars: 140, tags_max: 10, tag_max_chars: 30 }),
      obs_configure: async () => {
        await events.kickstandObs.emit(refused);
        return connecting;
      },
    });
    await store.start();
    await waitFor(() => expect(store.obs?.state.state).toBe('off'));
    render(ObsPanel);
    await fireEvent.input(screen.getByTestId('obs-password'), { target: { value: 'wrong' } });
    await fireEvent.click(screen.getByTestId('obs-connect'));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'obs_configure')).toBe(true));
    // The answer handled: the password field is emptied after it.
    await waitFor(() => expect((screen.getByTestId('obs-password') as HTMLInputElement).value).toBe(''));
    await tick();
    expect(store.obs).toEqual(refused);
    expect(screen.getByTestId('obs-state').textContent).toBe('Needs attention');
    expect(screen.getByTestId('obs-problem').textContent).toContain('refused');
    // An older view by event changes nothing either; a newer one does.
    await events.kickstandObs.emit(connecting);
    expect(screen.getByTestId('obs-state').textContent).toBe('Needs attention');
    await events.kickstandObs.emit(view({ state: { state: 'connecting' } }));
    await waitFor(() => expect(screen.getByTestId('obs-state').textContent).toBe('Connecting…'));
    store.stop();
  });

  it('offers to fix a stale key, and sets OBS up without any key in the window', async () => {
    const stale = view({ key: { key: 'differs', key_differs: true, server_differs: false } });
    const calls = backend({
      obs_setup: () => 'OBS is set up for Kick: the server and stream key were checked.',
      obs_view: () => stale,
      channel_limits: () => ({ title_max_chars: 140, tags_max: 10, tag_max_chars: 30 }),
    });
    await store.start(); // listens for the backend's events
    await waitFor(() => expect(store.obs).toEqual(stale));
    render(ObsPanel);
    expect(screen.getByTestId('obs-key-state').textContent).toContain('not your current Kick key');
    const fix = screen.getByTestId('obs-setup');
    expect(fix.textContent).toContain('Fix');
    await fireEvent.click(fix);
    await waitFor(() => expect(calls.some((c) => c.cmd === 'obs_setup')).toBe(true));
    expect((await screen.findByTestId('obs-message')).textContent).toContain('set up for Kick');
    // The backend reports the new check by event.
    await events.kickstandObs.emit(view({ key: { key: 'matches' } }));
    await waitFor(() => expect(screen.getByTestId('obs-key-state').textContent).toContain('with your current key'));
    store.stop();
  });

  it('goes live and ends the stream only after a confirmation', async () => {
    const calls = backend({
      obs_go_live: () => view({ state: { state: 'streaming', reconnecting: false }, arrival: 'OBS is streaming; waiting for Kick to show the stream…' }),
      obs_end_stream: () => view(),
    });
    store.obs = view();
    render(ObsPanel);
    await fireEvent.click(screen.getByTestId('obs-go-live'));
    expect(calls.some((c) => c.cmd === 'obs_go_live')).toBe(false);
    await fireEvent.click(screen.getByTestId('obs-confirm'));
    await waitFor(() => expect(screen.getByTestId('obs-state').textContent).toBe('Streaming'));
    expect(screen.getByTestId('obs-arrival').textContent).toContain('waiting for Kick');
    // Set-up is refused while OBS streams (OBS would refuse it too).
    expect((screen.getByTestId('obs-setup') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('obs-end'));
    expect(calls.some((c) => c.cmd === 'obs_end_stream')).toBe(false);
    await fireEvent.click(screen.getByTestId('obs-confirm'));
    await waitFor(() => expect(calls.some((c) => c.cmd === 'obs_end_stream')).toBe(true));
    await waitFor(() => expect(screen.getByTestId('obs-state').textContent).toBe('Connected'));
  });

  it("shows OBS's health beside Kick's view, and switches scenes", async () => {
    const calls = backend({ obs_switch_scene: (a) => view({ state: { state: 'streaming', reconnecting: false }, current_scene: a.scene as string }) });
    store.obs = view({
      state: { state: 'streaming', reconnecting: false },
      kick_live: true,
      arrival: 'Kick shows your stream live.',
      health: { active: true, reconnecting: false, bitrate_kbps: 2480, dropped_frames: 12, total_frames: 9000, dropped_percent: 0.0013, congestion: 0.05, duration_ms: 3_725_000 },
    });
    render(ObsPanel);
    expect(screen.getByTestId('obs-bitrate').textContent).toBe('2480 kb/s');
    expect(screen.getByTestId('obs-duration').textContent).toBe('1:02:05');
    expect(screen.getByTestId('obs-health').textContent).toContain('12 (0.1%)');
    expect(screen.getByTestId('obs-kick-live').textContent).toBe('Kick: LIVE');
    const scenes = screen.getAllByTestId('obs-scene');
    expect(scenes.map((s) => s.getAttribute('aria-pressed'))).toEqual(['false', 'true', 'false']);
    await fireEvent.click(scenes[2]);
    await waitFor(() => expect(calls.find((c) => c.cmd === 'obs_switch_scene')?.args).toEqual({ scene: 'Be right back' }));
    await waitFor(() => expect(screen.getAllByTestId('obs-scene')[2].getAttribute('aria-pressed')).toBe('true'));
  });

  it('warns when OBS streams but the stream does not reach Kick', async () => {
    backend();
    store.obs = view({
      state: { state: 'streaming', reconnecting: false },
      arrival: 'OBS has been streaming for a while, but Kick still says offline: the stream is not reaching Kick.',
    });
    render(ObsPanel);
    expect(screen.getByTestId('obs-arrival').classList.contains('warn')).toBe(true);
    expect(screen.getByTestId('obs-kick-live').textContent).toBe('Kick: offline');
  });
});
