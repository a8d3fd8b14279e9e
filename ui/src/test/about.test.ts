// About: versions, the hosts in use, the log folder with its button, and the
// generated licences (every bundled package, filterable, texts on demand).
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import About from '../lib/components/About.svelte';
import licences from '../lib/licenses.json';

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
