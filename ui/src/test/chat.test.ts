import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { afterEach, describe, expect, it } from 'vitest';
import ChatPanel from '../lib/components/ChatPanel.svelte';
import { chat, MAX_ITEMS } from '../lib/chat.svelte';
import { store } from '../lib/state.svelte';
import type { ChatBatch } from '../lib/bindings';
import type { ChatItem } from '../lib/bindings';

type Calls = { cmd: string; args: Record<string, unknown> }[];

function backend(): Calls {
  const calls: Calls = [];
  mockWindows('main');
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
      if (cmd === 'chat_start') return { state: 'connecting' };
      if (cmd === 'chat_history') return { items: [], status: { state: 'connected' } };
      if (cmd === 'chat_moderate') return 'Banned.';
      if (cmd === 'app_status') throw { code: 'internal', message: 'not needed', field: null };
      return null;
    },
    { shouldMockEvents: true },
  );
  return calls;
}

const line = (i: number, extra: Partial<Record<string, unknown>> = {}): ChatItem => ({
  type: 'line',
  id: `m${i}`,
  user_id: 7300000 + (i % 5),
  username: `viewer${i % 5}`,
  color: '#FF6B6B',
  badges: i % 2 ? ['subscriber'] : [],
  spans: [{ kind: 'text', text: `message ${i} ` }, { kind: 'emote', id: '37226', name: 'KEKW' }],
  reply_to: null,
  created_at_ms: Date.now(),
  mention: false,
  ...extra,
}) as ChatItem;

const batch = (items: ChatItem[]): ChatBatch => ({ items, status: { state: 'connected' } });

afterEach(() => {
  cleanup();
  clearMocks();
  chat.clear();
  chat.status = { state: 'off', reason: null };
});

describe('chat panel', () => {
  it('shows a message delivered twice once, and keeps rendering', async () => {
    backend();
    render(ChatPanel, { me: 'DemoStreamer' });
    chat.apply(batch([line(1), line(2), line(1)]));
    chat.apply(batch([line(2), line(3)]));
    expect(chat.rows.map((r) => r.key)).toEqual(['m1', 'm2', 'm3']);
    await waitFor(() => expect(screen.getAllByTestId('chat-row').length).toBe(3));
  });

  it('keeps history bounded and renders only a window of rows', async () => {
    backend();
    render(ChatPanel, { me: 'DemoStreamer' });
    chat.apply(batch(Array.from({ length: 2500 }, (_, i) => line(i))));
    await waitFor(() => expect(screen.getByTestId('chat-state').textContent).toBe('Connected'));
    expect(chat.rows.length).toBe(MAX_ITEMS);
    expect(chat.rows[0].key).toBe('m500'); // the oldest were dropped
    const rendered = screen.getAllByTestId('chat-row').length;
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(80);
  });

  it('applies batches from the backend event, marks deletions and mentions', async () => {
    backend();
    await store.start().catch(() => {});
    render(ChatPanel, { me: 'DemoStreamer' });
    await emit('kickstand://chat', batch([line(1), line(2, { mention: true }), { type: 'notice', text: 'viewer1 was banned.' }]));
    await waitFor(() => expect(screen.getAllByTestId('chat-row').length).toBe(3));
    expect(screen.getByTestId('chat-notice').textContent).toBe('viewer1 was banned.');
    expect(document.querySelector('.msg.mention')).not.toBeNull();
    await emit('kickstand://chat', batch([{ type: 'deleted', message_id: 'm1' }]));
    await waitFor(() => expect(document.querySelector('.msg.deleted')?.textContent).toContain('message deleted'));
    store.stop();
  });

  it('sends within the 500-character limit, as bot and as a reply', async () => {
    const calls = backend();
    render(ChatPanel, { me: 'DemoStreamer' });
    chat.apply(batch([line(7)]));
    const input = (await screen.findByTestId('chat-input')) as HTMLInputElement;
    await fireEvent.input(input, { target: { value: 'x'.repeat(501) } });
    expect(screen.getByTestId('chat-count').textContent).toBe('501/500');
    expect((screen.getByTestId('chat-send') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByLabelText('Reply'));
    await fireEvent.click(screen.getByTestId('chat-as-bot'));
    await fireEvent.input(input, { target: { value: ' hi chat ' } });
    await fireEvent.click(screen.getByTestId('chat-send'));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === 'chat_send')?.args).toEqual({ request: { content: 'hi chat', as_bot: true, reply_to: 'm7' } }),
    );
  });

  it('asks for confirmation before a ban', async () => {
    const calls = backend();
    render(ChatPanel, { me: 'DemoStreamer' });
    chat.apply(batch([line(3)]));
    await fireEvent.click(await screen.findByTestId('chat-name'));
    await fireEvent.click(screen.getByTestId('mod-ban'));
    expect(calls.some((c) => c.cmd === 'chat_moderate')).toBe(false);
    expect(screen.getByTestId('mod-ban').textContent).toContain('Confirm');
    await fireEvent.click(screen.getByTestId('mod-ban'));
    await waitFor(() => expect(calls.find((c) => c.cmd === 'chat_moderate')?.args).toEqual({ action: { action: 'ban', user_id: 7300003 } }));
    expect((await screen.findByTestId('mod-result')).textContent).toBe('Banned.');
  });

  it('turns chat on and loads the kept history', async () => {
    const calls = backend();
    render(ChatPanel, { me: 'DemoStreamer' });
    await fireEvent.click(screen.getByTestId('chat-toggle'));
    await waitFor(() => expect(calls.map((c) => c.cmd)).toEqual(expect.arrayContaining(['chat_start', 'chat_history'])));
    expect(calls.find((c) => c.cmd === 'chat_start')?.args).toEqual({ chatroomId: null });
  });
});
