// Chat state: a bounded list fed by the backend's chat stream (a Tauri
// Channel opened by chat_start): the newest messages first, then one batch
// per frame; older messages a page at a time from the backend's history
// (chat_history) when the panel is scrolled back.
import { Channel } from '@tauri-apps/api/core';
import { api, errorText } from './api';
import type { ChatBatch, ChatItem, ChatLine, ChatStatus } from './bindings';

/** Rows kept while the panel follows the newest messages (the backend's
 *  first page is this long too). Every row kept costs the web view memory,
 *  and a busy chat replaces them all within seconds. */
export const MAX_ITEMS = 300;
/** Rows kept while the streamer reads back (the backend keeps as many). */
export const MAX_BACK = 2000;
/** Rows asked for per page when scrolling back. */
export const OLDER_PAGE = 200;

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
  /** The panel is scrolled back: keep up to MAX_BACK rows, not MAX_ITEMS. */
  private holding = false;
  private loadingOlder = false;
  /** The backend had nothing before the oldest row (it is the oldest kept). */
  private atStart = false;
  /** Why the last page of older messages did not come (shown above the
   *  rows; scrolling back again retries), or null. */
  olderError = $state<string | null>(null);

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
      this.atStart = false;
    }
    if (replace) this.list = [];
    const rows = this.list;
    let added = 0;
    for (const it of b.items) {
      const row = rowOf(it);
      // A line that comes again (deleted, or replayed) replaces its row, so keys stay unique.
      const seq = this.seqOf.get(row.key);
      if (seq !== undefined) rows[seq - this.base] = row;
      else {
        this.seqOf.set(row.key, this.base + rows.length);
        rows.push(row);
        added++;
      }
    }
    this.trim(this.holding ? MAX_BACK : MAX_ITEMS);
    this.version++;
    // A history that replaces the rows is not new messages.
    if (added && !replace) this.appended += added;
  }

  /** Drops the oldest rows beyond `max`. */
  private trim(max: number) {
    const rows = this.list;
    if (rows.length <= max) return;
    const drop = rows.length - max;
    for (let i = 0; i < drop; i++) this.seqOf.delete(rows[i].key);
    this.base += drop;
    rows.splice(0, drop);
    this.atStart = false;
  }

  /** The panel reads back (true) or follows the newest rows again (false:
   *  the list shrinks back to MAX_ITEMS). */
  setHolding(on: boolean) {
    if (this.holding === on) return;
    this.holding = on;
    if (!on) this.olderError = null; // following again: older pages are not wanted
    if (!on && this.list.length > MAX_ITEMS) {
      this.trim(MAX_ITEMS);
      this.version++;
    }
  }

  /** Asks the backend for the page before the oldest row and puts it in
   *  front; returns how many rows came (0: nothing older, or busy). */
  async loadOlder(): Promise<number> {
    const room = MAX_BACK - this.list.length;
    if (this.loadingOlder || this.atStart || room <= 0 || !this.list.length || !this.stream) return 0;
    const oldest = this.list[0].key;
    this.loadingOlder = true;
    try {
      const items = await api.chatHistory(oldest, Math.min(OLDER_PAGE, room));
      this.olderError = null;
      // The rows moved on meanwhile (trimmed, replaced): this page no longer fits.
      if (this.list[0]?.key !== oldest) return 0;
      if (!items.length) {
        this.atStart = true;
        return 0;
      }
      const fresh = items.map(rowOf).filter((r) => !this.seqOf.has(r.key));
      this.base -= fresh.length;
      fresh.forEach((r, i) => this.seqOf.set(r.key, this.base + i));
      this.list.unshift(...fresh);
      this.version++;
      return fresh.length;
    } catch (e) {
      this.olderError = errorText(e); // scrolling back again retries
      return 0;
    } finally {
      this.loadingOlder = false;
    }
  }

  /** The session ended: its rows and its stream go, and chat reads "off"
   *  until a panel starts it for the next session (a stale "Connected"
   *  would keep a new panel from starting it). */
  clear() {
    this.status = { state: 'off', reason: null };
    this.stream = null;
    this.pending = [];
    this.pendingItems = 0;
    this.holding = false;
    this.atStart = false;
    this.olderError = null;
    this.seqOf.clear();
    this.base = 0;
    this.list = [];
    this.version++;
  }
}

function rowOf(it: ChatItem): Row {
  return it.type === 'line' ? { key: it.id, type: 'line', line: lineOf(it) } : { key: it.id, type: 'notice', text: it.text };
}

function lineOf(it: Extract<ChatItem, { type: 'line' }>): ChatLine {
  const { type: _t, ...line } = it;
  return line as ChatLine;
}

export const chat = new ChatStore();
