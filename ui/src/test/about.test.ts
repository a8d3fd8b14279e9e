// About: versions, the hosts in use, the log folder with its button, and the
// generated licences (every bundled package, filterable, texts on demand).
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import About from '../lib/components/About.svelte';
import licences from '../lib/licenses.json';
import { store } from '../lib/state.svelte';
import type { AppStatus } from '../lib/bindings';

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('About', () => {
  it('shows versions, hosts and the log folder, and opens it', async () => {
    const calls: string[] = [];
    mockWindows('main');
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === 'about') {
        return {
          version: '0.1.0', tauri: '2.9.0', webview: '2.48.0',
          log_dir: '/home/s/.local/share/dev.kickstand.app/logs', data_dir: '/home/s/.local/share/dev.kickstand.app',
          endpoints: { oauth: 'https://id.kick.com', api: 'https://api.kick.com', web: 'https://kick.com', site: 'https://kick.com' },
        };
      }
      if (cmd === 'open_logs_folder') throw { code: 'internal', message: 'Could not open the log folder (no file manager). It is /home/s/…/logs', field: null };
      return null;
    });
    render(About);
    expect((await screen.findByTestId('about-version')).textContent).toBe('0.1.0');
    expect(screen.getByTestId('about-api').textContent).toBe('https://api.kick.com');
    expect(screen.getByTestId('about-logs').textContent).toContain('dev.kickstand.app/logs');
    await fireEvent.click(screen.getByTestId('open-logs'));
    await waitFor(() => expect(calls).toContain('open_logs_folder'));
    expect((await screen.findByRole('alert')).textContent).toContain('no file manager');
    // Logged in to Kick: the hosts are Kick's, nothing says demo.
    expect(screen.queryByTestId('about-demo')).toBeNull();
  });

  it('says the demo talks to its built-in fake Kick, not kick.com', async () => {
    mockWindows('main');
    mockIPC((cmd) =>
      cmd === 'about'
        ? {
            version: '0.1.0', tauri: '2.9.0', webview: '2.48.0', log_dir: null, data_dir: null,
            endpoints: { oauth: 'http://127.0.0.1:4242', api: 'http://127.0.0.1:4242', web: 'http://127.0.0.1:4242', site: 'http://127.0.0.1:4242' },
          }
        : null,
    );
    store.status = { mode: 'demo' } as AppStatus;
    try {
      render(About);
      expect((await screen.findByTestId('about-demo')).textContent).toContain('nothing goes to kick.com');
    } finally {
      store.status = null;
    }
  });

  it('lists every bundled package with its licence, filterable, with the texts', async () => {
    mockWindows('main');
    mockIPC(() => null);
    render(About);
    await waitFor(() => expect(screen.getAllByTestId('licence-item').length).toBe(licences.crates.length + licences.npm.length));
    // The app's own heavy hitters are there.
    for (const name of ['tauri', 'tokio', 'reqwest', 'rusqlite', 'svelte', 'uplot']) {
      expect(screen.getAllByTestId('licence-item').some((li) => li.textContent!.includes(name))).toBe(true);
    }
    await fireEvent.input(screen.getByTestId('licence-filter'), { target: { value: 'uplot' } });
    const items = screen.getAllByTestId('licence-item');
    expect(items.length).toBe(1);
    await fireEvent.click(items[0].querySelector('button')!);
    expect(items[0].querySelector('pre')!.textContent).toMatch(/MIT License|Permission is hereby granted/);
  });
});
