// The typed boundary to the Rust backend: one function per command, one
// listener per event. Types are generated from Rust (ts-rs) into ./bindings.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { AppError } from './bindings/AppError';
import type { AppStatus } from './bindings/AppStatus';
import type { CategoryView } from './bindings/CategoryView';
import type { ChannelLimits } from './bindings/ChannelLimits';
import type { ChannelUpdate } from './bindings/ChannelUpdate';
import type { ChannelView } from './bindings/ChannelView';
import type { LiveEntry } from './bindings/LiveEntry';
import type { LiveSnapshot } from './bindings/LiveSnapshot';
import type { Notice } from './bindings/Notice';
import type { StreamKeyReveal } from './bindings/StreamKeyReveal';
import type { ChatBatch } from './bindings/ChatBatch';
import type { ChatSendRequest } from './bindings/ChatSendRequest';
import type { ChatStatus } from './bindings/ChatStatus';
import type { ModAction } from './bindings/ModAction';

export const api = {
  appStatus: () => invoke<AppStatus>('app_status'),
  saveCredentials: (clientId: string, clientSecret: string) =>
    invoke<AppStatus>('save_credentials', { clientId, clientSecret }),
  forgetCredentials: () => invoke<AppStatus>('forget_credentials'),
  useDemo: () => invoke<AppStatus>('use_demo'),
  useKick: () => invoke<AppStatus>('use_kick'),
  retryRestore: () => invoke<void>('retry_restore'),
  login: () => invoke<AppStatus>('login'),
  cancelLogin: () => invoke<void>('cancel_login'),
  logout: () => invoke<AppStatus>('logout'),
  channel: () => invoke<ChannelView>('channel'),
  channelLimits: () => invoke<ChannelLimits>('channel_limits'),
  updateChannel: (update: ChannelUpdate) => invoke<ChannelView>('update_channel', { update }),
  searchCategories: (query: string) => invoke<CategoryView[]>('search_categories', { query }),
  liveSnapshot: () => invoke<LiveSnapshot | null>('live_snapshot'),
  watchlistAdd: (slug: string) => invoke<string[]>('watchlist_add', { slug }),
  watchlistRemove: (slug: string) => invoke<string[]>('watchlist_remove', { slug }),
  revealStreamKey: () => invoke<StreamKeyReveal>('reveal_stream_key'),
  hideStreamKey: () => invoke<void>('hide_stream_key'),
  copyStreamKey: () => invoke<void>('copy_stream_key'),
  demoSetLive: (live: boolean) => invoke<void>('demo_set_live', { live }),
  chatStart: (chatroomId: number | null = null) => invoke<ChatStatus>('chat_start', { chatroomId }),
  chatStop: () => invoke<ChatStatus>('chat_stop'),
  chatHistory: () => invoke<ChatBatch>('chat_history'),
  chatSend: (request: ChatSendRequest) => invoke<void>('chat_send', { request }),
  chatModerate: (action: ModAction) => invoke<string>('chat_moderate', { action }),
};

export const EVENTS = {
  status: 'kickstand://status',
  channel: 'kickstand://channel',
  live: 'kickstand://live',
  streamKeyHidden: 'kickstand://stream-key-hidden',
  notice: 'kickstand://notice',
  wentLive: 'kickstand://went-live',
  chat: 'kickstand://chat',
} as const;

export interface Handlers {
  status: (s: AppStatus) => void;
  channel: (c: ChannelView) => void;
  live: (l: LiveSnapshot) => void;
  streamKeyHidden: () => void;
  notice: (n: Notice) => void;
  wentLive: (e: LiveEntry) => void;
  chat: (b: ChatBatch) => void;
}

/** Subscribes to every backend event; returns one function that unsubscribes all. */
export async function subscribe(h: Handlers): Promise<UnlistenFn> {
  const offs = await Promise.all([
    listen<AppStatus>(EVENTS.status, (e) => h.status(e.payload)),
    listen<ChannelView>(EVENTS.channel, (e) => h.channel(e.payload)),
    listen<LiveSnapshot>(EVENTS.live, (e) => h.live(e.payload)),
    listen<null>(EVENTS.streamKeyHidden, () => h.streamKeyHidden()),
    listen<Notice>(EVENTS.notice, (e) => h.notice(e.payload)),
    listen<LiveEntry>(EVENTS.wentLive, (e) => h.wentLive(e.payload)),
    listen<ChatBatch>(EVENTS.chat, (e) => h.chat(e.payload)),
  ]);
  return () => offs.forEach((off) => off());
}

/** The words to show for any failure of a command. */
export function errorText(e: unknown): string {
  const a = e as Partial<AppError> | undefined;
  if (a && typeof a === 'object' && typeof a.message === 'string') return a.message;
  if (typeof e === 'string') return e;
  return 'Something went wrong. Try again.';
}

/** The field an error is about, if any. */
export function errorField(e: unknown): string | null {
  const a = e as Partial<AppError> | undefined;
  return a && typeof a === 'object' && typeof a.field === 'string' ? a.field : null;
}
