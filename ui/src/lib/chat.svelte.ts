// Chat state: a bounded list fed by per-frame batches from the backend.
import type { ChatBatch } from './bindings';
import type { ChatLine } from './bindings';
import type { ChatStatus } from './bindings';

export const MAX_ITEMS = 2000;

export type Row =
  | { key: string; type: 'line'; line: ChatLine; deleted: boolean }
  | { key: string; type: 'notice'; text: string };

class ChatStore {
  /** Replaced (not mutated) on every batch: cheap for Svelte to diff. */
  rows = $state.raw<Row[]>([]);
  status = $state<ChatStatus>({ state: 'off', reason: null });
  private seq = 0;

  apply(b: ChatBatch, replace = false) {
    this.status = b.status;
    if (!b.items.length && !replace) return;
    let rows = replace ? [] : this.rows.slice();
    // A message seen twice (a replay) is shown once: keyed rows must be unique.
    const present = new Set(rows.map((r) => r.key));
    for (const it of b.items) {
      if (it.type === 'line') {
        const { type: _t, ...line } = it;
        if (present.has(line.id)) continue;
        present.add(line.id);
        rows.push({ key: line.id, type: 'line', line: line as ChatLine, deleted: false });
      } else if (it.type === 'notice') {
        rows.push({ key: `n${this.seq++}`, type: 'notice', text: it.text });
      } else if (it.type === 'deleted') {
        let i = rows.length - 1;
        while (i >= 0 && !(rows[i].type === 'line' && rows[i].key === it.message_id)) i--;
        if (i >= 0) rows[i] = { ...(rows[i] as Extract<Row, { type: 'line' }>), deleted: true };
      }
    }
    if (rows.length > MAX_ITEMS) rows = rows.slice(rows.length - MAX_ITEMS);
    this.rows = rows;
  }

  clear() {
    this.rows = [];
  }
}

export const chat = new ChatStore();
