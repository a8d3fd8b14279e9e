import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import type { Channel } from '@tauri-apps/api/core';
import { afterEach, describe, expect, it } from 'vitest';
import ChatPanel from '../lib/components/ChatPanel.svelte';
import { chat, MAX_BACK, MAX_ITEMS, OLDER_PAGE } from '../lib/chat.svelte';
import type { ChatBatch } from '../lib/bindings';
import type { ChatItem } from '../lib/bindings';

type Calls = { cmd: string; args: Record<string, unknown> }[];

/** The panel's chat stream as Rust sends it: the Channel chat_start got. */
const stream = {
  channel: null as Channel<ChatBatch> | null,
  index: 0,
  send(b: ChatBatch) {
    const id = this.channel!.id;
    const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } }).__TAURI_INTERNALS__;
    internals.runCallback(id, { index: this.index++, message: b });
  },
};

/** `all`: what the backend's history keeps (chat_history pages through it);
 *  `historyFails`: chat_history answers with this error while it returns true. */
function backend(history: ChatItem[] = [], all: ChatItem[] = history, historyFails: () => boolean = () => false): Calls {
  const calls: Calls = [];
  mockWindows('main');
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      if (cmd === 'chat_start') {
        const { onBatch, ...rest } = a;
        calls.push({ cmd, args: rest });
        stream.channel = onBatch as Channel<ChatBatch>;
        stream.index = 0;
        // History first, on the stream itself.
        stream.send({ items: history, status: { state: 'connecting', transport: null } });
        return { state: 'connecting', transport: null };
      }
      calls.push({ cmd, args: a });
      if (cmd === 'chat_stop') return { state: 'off', reason: null };
      if (cmd === 'chat_history') {
        if (historyFails()) throw { code: 'network', message: 'Kickstand could not reach its chat service', field: null };
        const at = all.findIndex((x) => x.id === a.before);
        return at < 0 ? [] : all.slice(Math.max(0, at - (a.limit as number)), at);
      }
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
  deleted: false,
  ...extra,
}) as ChatItem;

const batch = (items: ChatItem[]): ChatBatch => ({ items, status: { state: 'connected', transport: 'Centrifugo', fallback: null } });

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
    await waitFor(() => expect(screen.getByTestId('chat-state').textContent).toBe('Connected · Centrifugo'));
    expect(chat.rows.length).toBe(MAX_ITEMS);
    expect(chat.rows[0].key).toBe(`m${2500 - MAX_ITEMS}`); // the oldest were dropped
    const rendered = screen.getAllByTestId('chat-row').length;
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(80);
  });

  it('finds a line again after the history was trimmed (its index moves)', () => {
    const n = MAX_ITEMS;
    chat.apply(batch(Array.from({ length: n }, (_, i) => line(i))));
    chat.apply(batch(Array.from({ length: 100 }, (_, i) => line(n + i))));
    expect(chat.rows[0].key).toBe('m100');
    // Deleted after 100 rows left the front: the same row changes, none is added.
    const k = n + 50;
    chat.apply(batch([line(k, { deleted: true })]));
    expect(chat.rows.length).toBe(n);
    expect(chat.rows.filter((r) => r.key === `m${k}`).length).toBe(1);
    const row = chat.rows[k - 100];
    expect(row.key).toBe(`m${k}`);
    expect(row.type === 'line' && row.line.deleted).toBe(true);
    // A line that already left the history comes back as a new row at the end.
    chat.apply(batch([line(5)]));
    expect(chat.rows[chat.rows.length - 1].key).toBe('m5');
    expect(chat.appended).toBeGreaterThanOrEqual(n + 101);
  });

  it('keeps a page while following, pages back through the backend, and shrinks when following again', async () => {
    const all = Array.from({ length: 1000 }, (_, i) => line(i));
    const calls = backend(all.slice(-MAX_ITEMS), all);
    render(ChatPanel, { me: 'DemoStreamer' });
    await fireEvent.click(screen.getByTestId('chat-toggle'));
    await waitFor(() => expect(chat.rows.length).toBe(MAX_ITEMS));
    expect(chat.rows[0].key).toBe(`m${1000 - MAX_ITEMS}`);
    // Reading back: each page lands in front, in order, each row once.
    chat.setHolding(true);
    expect(await chat.loadOlder()).toBe(OLDER_PAGE);
    expect(chat.rows.length).toBe(MAX_ITEMS + OLDER_PAGE);
    expect(chat.rows.map((r) => r.key)).toEqual(all.slice(1000 - MAX_ITEMS - OLDER_PAGE).map((x) => x.id));
    expect(calls.filter((c) => c.cmd === 'chat_history')[0].args).toEqual({ before: `m${1000 - MAX_ITEMS}`, limit: OLDER_PAGE });
    // A row of an older page is found again (a deletion changes it in place).
    chat.apply(batch([line(600, { deleted: true })]));
    const r600 = chat.rows.find((r) => r.key === 'm600');
    expect(r600?.type === 'line' && r600.line.deleted).toBe(true);
    expect(chat.rows.filter((r) => r.key === 'm600').length).toBe(1);
    // New messages still arrive at the end while reading back, none dropped.
    chat.apply(batch([line(1000), line(1001)]));
    expect(chat.rows.length).toBe(MAX_ITEMS + OLDER_PAGE + 2);
    // Down to the oldest the backend keeps, then nothing more is asked for.
    while ((await chat.loadOlder()) > 0);
    expect(chat.rows[0].key).toBe('m0');
    const asked = calls.filter((c) => c.cmd === 'chat_history').length;
    expect(await chat.loadOlder()).toBe(0);
    expect(calls.filter((c) => c.cmd === 'chat_history').length).toBe(asked);
    expect(chat.rows.length).toBeLessThanOrEqual(MAX_BACK);
    // Following again: the newest page stays.
    chat.setHolding(false);
    expect(chat.rows.length).toBe(MAX_ITEMS);
    expect(chat.rows[chat.rows.length - 1].key).toBe('m1001');
  });

  it('says when older messages did not load, and the next scroll back retries', async () => {
    const all = Array.from({ length: 600 }, (_, i) => line(i));
    let failing = true;
    backend(all.slice(-MAX_ITEMS), all, () => failing);
    render(ChatPanel, { me: 'DemoStreamer' });
    await fireEvent.click(screen.getByTestId('chat-toggle'));
    await waitFor(() => expect(chat.rows.length).toBe(MAX_ITEMS));
    chat.setHolding(true);
    expect(await chat.loadOlder()).toBe(0);
    await waitFor(() => expect(screen.getByTestId('chat-older-error').textContent).toContain('could not reach its chat service'));
    expect(chat.rows.length).toBe(MAX_ITEMS); // nothing lost, nothing added
    failing = false;
    expect(await chat.loadOlder()).toBe(OLDER_PAGE);
    await waitFor(() => expect(screen.queryByTestId('chat-older-error')).toBeNull());
    expect(chat.rows.length).toBe(MAX_ITEMS + OLDER_PAGE);
    // Failing again, then following again: the message goes with the page.
    failing = true;
    expect(await chat.loadOlder()).toBe(0);
    await waitFor(() => expect(screen.getByTestId('chat-older-error')).toBeTruthy());
    chat.setHolding(false);
    await waitFor(() => expect(screen.queryByTestId('chat-older-error')).toBeNull());
  });

  it('applies the batches that arrive within one frame together, in order', async () => {
    backend([line(1)]);
    render(ChatPanel, { me: 'DemoStreamer' });
    await fireEvent.click(screen.getByTestId('chat-toggle'));
    await waitFor(() => expect(chat.rows.map((r) => r.key)).toEqual(['m1']));
    const before = chat.appended;
    stream.send(batch([line(2), line(3)]));
    stream.send(batch([line(4), line(2, { deleted: true })]));
    stream.send(batch([line(5)]));
    // Nothing is applied until the next frame, then all of it at once.
    expect(chat.rows.map((r) => r.key)).toEqual(['m1']);
    await waitFor(() => expect(chat.rows.map((r) => r.key)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']));
    expect(chat.appended - before).toBe(4);
    const m2 = chat.rows[1];
    expect(m2.type === 'line' && m2.line.deleted).toBe(true);
  });

  it('applies at once while the window is hidden (no frames come)', async () => {
    backend([line(1)]);
    render(ChatPanel, { me: 'DemoStreamer' });
    await fireEvent.click(screen.getByTestId('chat-toggle'));
    await waitFor(() => expect(chat.rows.map((r) => r.key)).toEqual(['m1']));
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    try {
      stream.send(batch([line(2)]));
      expect(chat.rows.map((r) => r.key)).toEqual(['m1', 'm2']);
    } finally {
      delete (document as unknown as Record<string, unknown>).hidden;
    }
  });

  it('applies batches from the chat stream, marks deletions and mentions', async () => {
    backend();
    render(ChatPanel, { me: 'DemoStreamer' });
    await fireEvent.click(screen.getByTestId('chat-toggle'));
    await waitFor(() => expect(stream.channel).not.toBeNull());
    stream.send(batch([line(1), line(2, { mention: true }), { type: 'notice', id: 'n1', text: 'viewer1 was banned.' }]));
    await waitFor(() => expect(screen.getAllByTestId('chat-row').length).toBe(3));
    expect(screen.getByTestId('chat-notice').textContent).toBe('viewer1 was banned.');
    expect(document.querySelector('.msg.mention')).not.toBeNull();
    // A deletion is the same line again with `deleted` set (owned by Rust).
    stream.send(batch([line(1, { deleted: true })]));
    await waitFor(() => expect(document.querySelector('.msg.deleted')?.textContent).toContain('message deleted'));
    expect(screen.getAllByTestId('chat-row').length).toBe(3);
  });

  it('shows the transport and why the chat is down', async () => {
    backend();
    render(ChatPanel, { me: 'DemoStreamer' });
    await fireEvent.click(screen.getByTestId('chat-toggle'));
    await waitFor(() => expect(stream.channel).not.toBeNull());
    stream.send({ items: [], status: { state: 'connected', transport: 'Pusher', fallback: "Kick's chat negotiation failed; using Kick's Pusher values." } });
    await waitFor(() => expect(screen.getByTestId('chat-state').textContent).toBe('Connected · Pusher'));
    expect(screen.getByTestId('chat-fallback').textContent).toContain('negotiation failed');
    stream.send({ items: [], status: { state: 'reconnecting', in_ms: 30000, transport: 'Centrifugo', reason: "Kick's chat service is unreachable, retrying in 30 s" } });
    await waitFor(() => expect(screen.getByTestId('chat-state').textContent).toBe("Kick's chat service is unreachable, retrying in 30 s"));
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

  it('turns chat on: the stream brings the kept history first, then the batches in order', async () => {
    const calls = backend([line(1), line(2)]);
    render(ChatPanel, { me: 'DemoStreamer' });
    await fireEvent.click(screen.getByTestId('chat-toggle'));
    await waitFor(() => expect(calls.map((c) => c.cmd)).toContain('chat_start'));
    expect(calls.find((c) => c.cmd === 'chat_start')?.args).toEqual({ chatroomId: null });
    stream.send(batch([line(3)]));
    await waitFor(() => expect(chat.rows.map((r) => r.key)).toEqual(['m1', 'm2', 'm3']));
    await fireEvent.click(screen.getByTestId('chat-toggle'));
    await waitFor(() => expect(calls.map((c) => c.cmd)).toContain('chat_stop'));
    expect(screen.getByTestId('chat-state').textContent).toBe('Off');
  });
});
