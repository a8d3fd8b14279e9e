// The evening in the window: the activity feed (stream, filters, unread,
// redemptions one by one and together with Kick's per-id reasons), the
// stream stats with the viewer chart, and the rewards form's limits.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import type { Channel } from '@tauri-apps/api/core';
import { emit } from '@tauri-apps/api/event';
import { afterEach, describe, expect, it } from 'vitest';
import ActivityFeed from '../lib/components/ActivityFeed.svelte';
import Rewards from '../lib/components/Rewards.svelte';
import StreamStats from '../lib/components/StreamStats.svelte';
import { feed } from '../lib/feed.svelte';
import { store } from '../lib/state.svelte';
import type { FeedBatch, FeedItem, StreamStats as Stats } from '../lib/bindings';

type Calls = { cmd: string; args: Record<string, unknown> }[];

const stream = {
  channel: null as Channel<FeedBatch> | null,
  index: 0,
  send(b: FeedBatch) {
    const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } }).__TAURI_INTERNALS__;
    internals.runCallback(this.channel!.id, { index: this.index++, message: b });
  },
};

function backend(history: FeedItem[], overrides: Record<string, (a: Record<string, unknown>) => unknown> = {}): Calls {
  const calls: Calls = [];
  mockWindows('main');
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      if (cmd === 'feed_open') {
        stream.channel = a.onBatch as Channel<FeedBatch>;
        stream.index = 0;
        stream.send({ items: history, unread: history.filter((i) => !i.read).length, reset: true });
        calls.push({ cmd, args: {} });
        return null;
      }
      calls.push({ cmd, args: a });
      if (overrides[cmd]) return overrides[cmd](a);
      return null;
    },
    { shouldMockEvents: true },
  );
  return calls;
}

const item = (id: string, kind: FeedItem['kind'], text: string, extra: Partial<FeedItem> = {}): FeedItem => ({
  id, kind, text, at_ms: Date.now(), actor: null, detail: null, amount: null, redemption: null, read: false, ...extra,
});
const redemption = (n: number, id: string | null = `01R${n}`): FeedItem =>
  item(`redeem-${n}`, 'redemption', `viewer${n} redeemed Song request`, {
    actor: `viewer${n}`,
    detail: `song ${n}`,
    redemption: { id, reward_title: 'Song request', input: `song ${n}`, status: 'pending', error: null },
  });

afterEach(() => {
  cleanup();
  clearMocks();
  feed.close();
  store.stats = null;
});

describe('activity feed', () => {
  it('shows the kept history newest first, filters by kind and clears the unread count', async () => {
    const calls = backend([
      item('sub-1', 'sub', 'gg_gary subscribed'),
      item('kicks-2', 'kicks', 'hypehank sent 500 KICKs (Rage Quit)', { detail: 'lets go', amount: 500 }),
      item('follow-3', 'follow', 'luna_moth followed', { read: true }),
    ]);
    render(ActivityFeed);
    await waitFor(() => expect(screen.getAllByTestId('feed-item').length).toBe(3));
    expect(screen.getAllByTestId('feed-text').map((e) => e.textContent)).toEqual([
      'luna_moth followed',
      'hypehank sent 500 KICKs (Rage Quit)',
      'gg_gary subscribed',
    ]);
    expect(screen.getByTestId('feed-unread').textContent).toBe('2');
    await fireEvent.click(screen.getByTestId('feed-filter-kicks'));
    expect(screen.getAllByTestId('feed-item').length).toBe(1);
    await fireEvent.click(screen.getByTestId('feed-filter-all'));
    // A new item on the stream, then a change of an existing one.
    stream.send({ items: [item('host-4', 'host', 'raider is hosting with 42 viewers')], unread: 3, reset: false });
    await waitFor(() => expect(screen.getAllByTestId('feed-item').length).toBe(4));
    expect(screen.getAllByTestId('feed-text')[0].textContent).toBe('raider is hosting with 42 viewers');
    // "+1 follower" comes after its grace, stamped when the follower came:
    // it goes below what came since, not on top.
    stream.send({ items: [item('followers-5', 'followers', '+1 follower', { at_ms: Date.now() - 20_000 })], unread: 4, reset: false });
    await waitFor(() => expect(screen.getAllByTestId('feed-item').length).toBe(5));
    expect(screen.getAllByTestId('feed-text').map((e) => e.textContent)).toEqual([
      'raider is hosting with 42 viewers',
      'luna_moth followed',
      'hypehank sent 500 KICKs (Rage Quit)',
      'gg_gary subscribed',
      '+1 follower',
    ]);
    await fireEvent.click(screen.getByTestId('feed-mark-read'));
    await waitFor(() => expect(calls.map((c) => c.cmd)).toContain('feed_mark_read'));
    stream.send({ items: [], unread: 0, reset: false });
    await waitFor(() => expect(screen.queryByTestId('feed-unread')).toBeNull());
  });

  it('accepts one redemption, and rejects several together showing what Kick refused', async () => {
    const calls = backend([redemption(1), redemption(2), redemption(3), redemption(4, null)], {
      redemptions_decide: (a) => {
        const ids = a.ids as string[];
        return ids.length === 1
          ? { applied: 1, failed: [] }
          : { applied: ids.length - 1, failed: [[ids[0], 'Already accepted or rejected (NOT_PENDING)']] };
      },
    });
    render(ActivityFeed);
    await waitFor(() => expect(screen.getAllByTestId('feed-item').length).toBe(4));
    // One without Kick's id yet cannot be decided.
    expect(screen.getAllByTestId('feed-accept').length).toBe(3);
    expect(screen.getByText("Waiting for Kick's id…")).toBeTruthy();
    await fireEvent.click(screen.getAllByTestId('feed-accept')[0]);
    await waitFor(() => expect(calls.find((c) => c.cmd === 'redemptions_decide')?.args).toEqual({ ids: ['01R3'], accept: true }));
    expect((await screen.findByTestId('feed-result')).textContent).toBe('Accepted 1.');
    const boxes = screen.getAllByTestId('feed-select');
    await fireEvent.click(boxes[1]);
    await fireEvent.click(boxes[2]);
    expect(screen.getByTestId('feed-bulk').textContent).toContain('2 selected');
    await fireEvent.click(screen.getByTestId('feed-reject-selected'));
    await waitFor(() =>
      expect(calls.filter((c) => c.cmd === 'redemptions_decide')[1]?.args).toEqual({ ids: ['01R2', '01R1'], accept: false }),
    );
    const result = await screen.findByTestId('feed-result');
    await waitFor(() => expect(result.textContent).toContain('not done 1: Already accepted or rejected (NOT_PENDING).'));
    // Rust owns the state: the stream brings the decided items back.
    stream.send({
      items: [{ ...redemption(3), redemption: { ...redemption(3).redemption!, status: 'accepted' } }],
      unread: 4,
      reset: false,
    });
    await waitFor(() => expect(screen.getByTestId('feed-redemption-status').textContent).toBe('Accepted'));
  });

  it('says each reason once when a batch fails together', async () => {
    backend([redemption(1), redemption(2), redemption(3)], {
      redemptions_decide: (a) => {
        const ids = a.ids as string[];
        return {
          applied: 0,
          failed: [
            [ids[0], 'Already accepted or rejected (NOT_PENDING)'],
            [ids[1], 'Kick is having trouble right now (server error 500).'],
            [ids[2], 'Kick is having trouble right now (server error 500).'],
          ],
        };
      },
    });
    render(ActivityFeed);
    await waitFor(() => expect(screen.getAllByTestId('feed-select').length).toBe(3));
    for (const box of screen.getAllByTestId('feed-select')) await fireEvent.click(box);
    await fireEvent.click(screen.getByTestId('feed-reject-selected'));
    const result = await screen.findByTestId('feed-result');
    await waitFor(() =>
      expect(result.textContent).toBe(
        'Rejected 0; not done 3: Already accepted or rejected (NOT_PENDING). 2 × Kick is having trouble right now (server error 500).',
      ),
    );
  });
});

describe('stream stats', () => {
  it('shows the numbers and draws the viewer chart from the stats event', async () => {
    backend([], { stream_stats: () => null });
    await store.start().catch(() => {});
    render(StreamStats);
    expect(await screen.findByTestId('stats-empty')).toBeTruthy();
    const now = Date.now();
    const stats: Stats = {
      live: true, started_at_ms: now - 3_605_000, ended_at_ms: null, title: 'Ranked',
      current_viewers: 88, peak_viewers: 120, average_viewers: 90, new_followers: 6, subs: 3, gifted_subs: 8, kicks: 1600,
      chat_per_minute: 42,
      samples: [0, 1, 2, 3].map((i) => ({ at_ms: now - (4 - i) * 60_000, viewers: 60 + i * 10 })),
    };
    await emit('kickstand://stats', stats);
    await waitFor(() => expect(screen.getByTestId('stat-viewers').textContent).toBe('88'));
    expect(screen.getByTestId('stat-peak').textContent).toBe('120');
    expect(screen.getByTestId('stat-kicks').textContent).toBe('1,600');
    expect(screen.getByTestId('stats-live').textContent).toContain('LIVE 1:00:');
    const chart = screen.getByTestId('viewer-chart');
    expect(chart.classList.contains('hidden')).toBe(false);
    // The chart library loads with the first samples.
    await waitFor(() => expect(chart.querySelector('canvas')).not.toBeNull());
    store.stop();
  });
});

describe('rewards', () => {
  it('refuses a title over Kick’s limit on the field before sending, then creates', async () => {
    const calls = backend([], {
      rewards: () => [],
      reward_create: (a) => ({ id: '01NEW', ...(a.edit as object), is_paused: false }),
    });
    render(Rewards);
    await fireEvent.click(await screen.findByTestId('reward-new'));
    await fireEvent.input(screen.getByTestId('reward-title'), { target: { value: 'x'.repeat(51) } });
    await fireEvent.click(screen.getByTestId('reward-save'));
    expect((await screen.findByTestId('reward-title-error')).textContent).toContain('50 characters');
    expect(calls.some((c) => c.cmd === 'reward_create')).toBe(false);
    await fireEvent.input(screen.getByTestId('reward-title'), { target: { value: 'Hydrate' } });
    await fireEvent.click(screen.getByTestId('reward-save'));
    await waitFor(() => expect(calls.find((c) => c.cmd === 'reward_create')).toBeTruthy());
    expect((calls.find((c) => c.cmd === 'reward_create')!.args.edit as { title: string }).title).toBe('Hydrate');
  });
});
