// Chat state: a bounded list fed by the backend's chat stream (a Tauri
// Channel opened by chat_start): the history first, then one batch per frame.
import { Channel } from '@tauri-apps/api/core';
import { api } from './api';
import type { ChatBatch, ChatLine, ChatStatus } from './bindings';

export const MAX_ITEMS = 2000;

export type Row =
  | { key: string; type: 'line'; line: ChatLine }
  | { key: string; type: 'notice'; text: string };

class ChatStore {
  /** Replaced (not mutated) on every batch: cheap for Svelte to diff. */
  rows = $state.raw<Row[]>([]);
  status = $state<ChatStatus>({ state: 'off', reason: null });
  private stream: Channel<ChatBatch> | null = null;

  /** Turns chat on and opens the stream; its first batch is the history. */
  async start(chatroomId: number | null) {
    const stream = new Channel<ChatBatch>();
    let first = true;
    stream.onmessage = (b) => {
      if (this.stream !== stream) return; // an older stream
      this.apply(b, first);
      first = false;
    };
    this.stream = stream;
    const status = await api.chatStart(chatroomId, stream);
    if (first) this.status = status;
  }

  async stop() {
    this.stream = null;
    this.status = await api.chatStop();
  }

  apply(b: ChatBatch, replace = false) {
    this.status = b.status;
    if (!b.items.length && !replace) return;
    let rows = replace ? [] : this.rows.slice();
    // Index of the newest rows by key: a line that comes again (deleted, or
    // replayed) replaces its row, so keys stay unique.
    const at = new Map<string, number>();
    for (let i = Math.max(0, rows.length - MAX_ITEMS); i < rows.length; i++) at.set(rows[i].key, i);
    for (const it of b.items) {
      const row: Row = it.type === 'line'
        ? { key: it.id, type: 'line', line: lineOf(it) }
        : { key: it.id, type: 'notice', text: it.text };
      const i = at.get(row.key);
      if (i !== undefined) rows[i] = row;
      else {
        at.set(row.key, rows.length);
        rows.push(row);
      }
    }
    if (rows.length > MAX_ITEMS) rows = rows.slice(rows.length - MAX_ITEMS);
    this.rows = rows;
  }

  clear() {
    this.stream = null;
    this.rows = [];
  }
}

function lineOf(it: Extract<ChatBatch['items'][number], { type: 'line' }>): ChatLine {
  const { type: _t, ...line } = it;
  return line as ChatLine;
}

export const chat = new ChatStore();
