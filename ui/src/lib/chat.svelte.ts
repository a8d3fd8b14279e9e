// Chat state: a bounded list fed by the backend's chat stream (a Tauri
// Channel opened by chat_start): the history first, then one batch per frame.
import { Channel } from '@tauri-apps/api/core';
import { api } from './api';
import type { ChatBatch, ChatLine, ChatStatus } from './bindings';

export const MAX_ITEMS = 2000;

export type Row =
  | { key: string; type: 'line'; line: ChatLine }
  | { key: string; type: 'notice'; text: string };

/** Runs `f` before the next frame is drawn (or soon, where no frames are drawn). */
const nextFrame: (f: () => void) => void =
  typeof requestAnimationFrame === 'function' ? (f) => requestAnimationFrame(() => f()) : (f) => setTimeout(f, 0);

class ChatStore {
  /** Replaced (not mutated) on every batch: cheap for Svelte to diff. */
  rows = $state.raw<Row[]>([]);
  /** Rows ever appended (not replaced): counts new messages when the history is full. */
  appended = $state(0);
  status = $state<ChatStatus>({ state: 'off', reason: null });
  private stream: Channel<ChatBatch> | null = null;
  /** Where each key sits: `seq - base` is its index in `rows`. */
  private seqOf = new Map<string, number>();
  private base = 0;
  /** Batches that arrived since the last frame (applied together, once per frame). */
  private pending: ChatBatch[] = [];

  /** Turns chat on and opens the stream; its first batch is the history. */
  async start(chatroomId: number | null) {
    const stream = new Channel<ChatBatch>();
    let first = true;
    stream.onmessage = (b) => {
      if (this.stream !== stream) return; // an older stream
      if (first) {
        first = false;
        this.pending = [];
        this.apply(b, true);
        return;
      }
      // The backend sends at most one batch per ~16 ms, but its timer is not
      // the window's: two batches can land in one frame. Apply once per frame.
      this.pending.push(b);
      if (this.pending.length === 1) {
        nextFrame(() => {
          if (this.stream !== stream) return;
          const bs = this.pending;
          this.pending = [];
          if (bs.length === 1) this.apply(bs[0]);
          else if (bs.length) this.apply({ status: bs[bs.length - 1].status, items: bs.flatMap((x) => x.items) });
        });
      }
    };
    this.stream = stream;
    const status = await api.chatStart(chatroomId, stream);
    if (first) this.status = status;
  }

  async stop() {
    this.stream = null;
    this.pending = [];
    this.status = await api.chatStop();
  }

  apply(b: ChatBatch, replace = false) {
    this.status = b.status;
    if (!b.items.length && !replace) return;
    if (replace) {
      this.seqOf.clear();
      this.base = 0;
    }
    let rows = replace ? [] : this.rows.slice();
    let added = 0;
    for (const it of b.items) {
      const row: Row = it.type === 'line'
        ? { key: it.id, type: 'line', line: lineOf(it) }
        : { key: it.id, type: 'notice', text: it.text };
      // A line that comes again (deleted, or replayed) replaces its row, so keys stay unique.
      const seq = this.seqOf.get(row.key);
      if (seq !== undefined) rows[seq - this.base] = row;
      else {
        this.seqOf.set(row.key, this.base + rows.length);
        rows.push(row);
        added++;
      }
    }
    if (rows.length > MAX_ITEMS) {
      const drop = rows.length - MAX_ITEMS;
      for (let i = 0; i < drop; i++) this.seqOf.delete(rows[i].key);
      this.base += drop;
      rows = rows.slice(drop);
    }
    this.rows = rows;
    if (added) this.appended += added;
  }

  clear() {
    this.stream = null;
    this.pending = [];
    this.seqOf.clear();
    this.base = 0;
    this.rows = [];
  }
}

function lineOf(it: Extract<ChatBatch['items'][number], { type: 'line' }>): ChatLine {
  const { type: _t, ...line } = it;
  return line as ChatLine;
}

export const chat = new ChatStore();
