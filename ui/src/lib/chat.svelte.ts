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
  /** The kept rows, oldest first. Changed in place (a busy chat would
   *  otherwise copy 2,000 rows per frame: garbage the collector has to catch
   *  up with); `version` tells readers it changed. */
  private list: Row[] = [];
  private version = $state(0);
  get rows(): readonly Row[] {
    void this.version;
    return this.list;
  }
  /** Rows ever appended (not replaced): counts new messages when the history is full. */
  appended = $state(0);
  status = $state<ChatStatus>({ state: 'off', reason: null });
  private stream: Channel<ChatBatch> | null = null;
  /** Where each key sits: `seq - base` is its index in `rows`. */
  private seqOf = new Map<string, number>();
  private base = 0;
  /** Batches that arrived since the last frame (applied together, once per frame). */
  private pending: ChatBatch[] = [];
  private pendingItems = 0;

  /** Turns chat on and opens the stream; its first batch is the history. */
  async start(chatroomId: number | null) {
    const stream = new Channel<ChatBatch>();
    let first = true;
    stream.onmessage = (b) => {
      if (this.stream !== stream) return; // an older stream
      if (first) {
        first = false;
        this.pending = [];
        this.pendingItems = 0;
        this.apply(b, true);
        return;
      }
      // The backend sends at most five batches a second, but its timer is not
      // the window's: two batches can land in one frame. Apply once per frame.
      // A hidden or minimised window draws no frames: apply at once there,
      // and never hold more than a history's worth waiting for a frame.
      this.pending.push(b);
      this.pendingItems += b.items.length;
      const hidden = typeof document !== 'undefined' && document.hidden;
      if (hidden || this.pendingItems >= MAX_ITEMS) this.flush();
      else if (this.pending.length === 1) {
        nextFrame(() => {
          if (this.stream === stream) this.flush();
        });
      }
    };
    this.stream = stream;
    const status = await api.chatStart(chatroomId, stream);
    if (first) this.status = status;
  }

  /** Applies the batches waiting for a frame, as one. */
  private flush() {
    const bs = this.pending;
    this.pending = [];
    this.pendingItems = 0;
    if (bs.length === 1) this.apply(bs[0]);
    else if (bs.length) this.apply({ status: bs[bs.length - 1].status, items: bs.flatMap((x) => x.items) });
  }

  async stop() {
    this.stream = null;
    this.pending = [];
    this.pendingItems = 0;
    this.status = await api.chatStop();
  }

  apply(b: ChatBatch, replace = false) {
    this.status = b.status;
    if (!b.items.length && !replace) return;
    if (replace) {
      this.seqOf.clear();
      this.base = 0;
    }
    if (replace) this.list = [];
    const rows = this.list;
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
      rows.splice(0, drop);
    }
    this.version++;
    // A history that replaces the rows is not new messages.
    if (added && !replace) this.appended += added;
  }

  clear() {
    this.stream = null;
    this.pending = [];
    this.pendingItems = 0;
    this.seqOf.clear();
    this.base = 0;
    this.list = [];
    this.version++;
  }
}

function lineOf(it: Extract<ChatBatch['items'][number], { type: 'line' }>): ChatLine {
  const { type: _t, ...line } = it;
  return line as ChatLine;
}

export const chat = new ChatStore();
