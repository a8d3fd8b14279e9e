// The activity feed: a bounded list fed by the backend's feed stream (a
// Tauri Channel opened by feed_open): everything kept first, then changes.
import { Channel } from '@tauri-apps/api/core';
import { api } from './api';
import type { FeedBatch, FeedItem, FeedKind } from './bindings';

export const MAX_ITEMS = 3000;

/** Filters: what the chips group together. */
export const GROUPS: { key: string; label: string; kinds: FeedKind[] }[] = [
  { key: 'all', label: 'All', kinds: [] },
  { key: 'follows', label: 'Follows', kinds: ['follow', 'followers'] },
  { key: 'subs', label: 'Subs', kinds: ['sub', 'resub', 'gifted_subs'] },
  { key: 'kicks', label: 'KICKs', kinds: ['kicks'] },
  { key: 'redemptions', label: 'Redemptions', kinds: ['redemption'] },
  { key: 'hosts', label: 'Hosts', kinds: ['host'] },
  { key: 'mod', label: 'Mod', kinds: ['ban', 'timeout'] },
  { key: 'stream', label: 'Stream', kinds: ['live', 'offline', 'title_changed', 'category_changed'] },
];

class FeedStore {
  /** Oldest first, replaced (not mutated) on every batch. */
  items = $state.raw<FeedItem[]>([]);
  unread = $state(0);
  private stream: Channel<FeedBatch> | null = null;

  async open() {
    const stream = new Channel<FeedBatch>();
    stream.onmessage = (b) => {
      if (this.stream === stream) this.apply(b);
    };
    this.stream = stream;
    await api.feedOpen(stream);
  }

  apply(b: FeedBatch) {
    let items = b.reset ? [] : this.items.slice();
    const at = new Map<string, number>();
    items.forEach((it, i) => at.set(it.id, i));
    let unordered = false;
    for (const it of b.items) {
      const i = at.get(it.id);
      if (i !== undefined) items[i] = it;
      else {
        at.set(it.id, items.length);
        unordered ||= items.length > 0 && items[items.length - 1].at_ms > it.at_ms;
        items.push(it);
      }
    }
    // In time order, as the backend keeps them: a "+N followers" item comes
    // after its grace, stamped when the followers came (a stable sort keeps
    // items of one time in arrival order).
    if (unordered) items.sort((a, b) => a.at_ms - b.at_ms);
    if (items.length > MAX_ITEMS) items = items.slice(items.length - MAX_ITEMS);
    this.items = items;
    this.unread = b.unread;
  }

  async markAllRead() {
    await api.feedMarkRead();
  }

  close() {
    this.stream = null;
    this.items = [];
    this.unread = 0;
  }
}

export const feed = new FeedStore();
