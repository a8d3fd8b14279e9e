// App state, fed only by the initial calls and then by backend events.
import { api, errorText, subscribe } from './api';
import { chat } from './chat.svelte';
import type { AppStatus, StreamStats } from './bindings';
import type { ChannelLimits } from './bindings';
import type { ChannelView } from './bindings';
import type { LiveSnapshot } from './bindings';
import type { NoticeLevel, ObsView } from './bindings';

export interface Toast {
  id: number;
  level: NoticeLevel;
  message: string;
}

class Store {
  status = $state<AppStatus | null>(null);
  channel = $state<ChannelView | null>(null);
  live = $state<LiveSnapshot | null>(null);
  limits = $state<ChannelLimits>({ title_max_chars: 140, tags_max: 10, tag_max_chars: 30 });
  toasts = $state<Toast[]>([]);
  /** Bumped on every `stream-key-hidden` event. */
  keyHiddenTick = $state(0);
  /** The stream's numbers (event `kickstand://stats`). */
  stats = $state<StreamStats | null>(null);
  /** OBS (event `kickstand://obs`): app-wide, whichever account. */
  obs = $state<ObsView | null>(null);
  startError = $state<string | null>(null);
  private nextId = 1;
  private unlisten: (() => void) | null = null;

  /** Whose dashboard is on screen (the last logged-in user's id). */
  private shownUser: number | null = null;
  /** Kick ended that login: its dashboard stays, read-only, under a prompt,
   *  until the next login completes (through "Waiting for your browser…"). */
  private kept = $state(false);
  /** Bumped at every login: panels that belong to one session restart. */
  session = $state(0);

  get ended(): boolean {
    return this.kept && this.status?.phase !== 'logged_in' && this.channel !== null;
  }

  async start() {
    this.unlisten = await subscribe({
      kickstandStatus: (s) => {
        const prev = this.status?.phase;
        const wasIn = prev === 'logged_in';
        this.status = s;
        // A login Kick ended keeps the dashboard (and unsaved edits) on
        // screen under a prompt to log in again, also while the streamer
        // logs in again and when that attempt fails or is cancelled; a plain
        // logout, or any other state, clears it.
        if (s.phase === 'logged_out') {
          if (s.prompt && this.channel !== null && (wasIn || this.kept)) this.kept = true;
          else if (!(this.kept && prev === 'logging_in')) this.kept = false;
        } else if (s.phase !== 'logged_in' && s.phase !== 'logging_in') this.kept = false;
        if (s.phase === 'logged_in' && !wasIn) {
          const user = s.user?.user_id ?? null;
          // The kept dashboard was another account's: none of it stays.
          if (this.kept && user !== this.shownUser) this.clearSession();
          // The ended session's chat socket is gone: the new session's panel starts its own.
          else if (this.kept) chat.clear();
          this.kept = false;
          this.shownUser = user;
          this.session++;
          void this.loadSession();
        }
        if (s.phase !== 'logged_in' && !this.kept) this.clearSession();
      },
      kickstandChannel: (c) => (this.channel = c),
      kickstandLive: (l) => (this.live = l),
      kickstandStreamKeyHidden: () => this.keyHiddenTick++,
      kickstandNotice: (n) => this.toast(n.level, n.message),
      kickstandWentLive: (e) => this.toast('info', `${e.display_name} is live: ${e.title}`),
      kickstandStats: (s) => (this.stats = s),
      kickstandObs: (v) => this.setObs(v),
    });
    performance.mark('kickstand:listening');
    try {
      this.status = await api.appStatus();
      performance.mark('kickstand:status');
      // The limits are constants (defaults above until they arrive): asked
      // for beside the session, not before it.
      const limits = api.channelLimits().then((l) => (this.limits = l));
      // OBS is optional: its panel stays empty rather than the app failing.
      void api.obsView().then((v) => this.setObs(v), () => {});
      if (this.status.phase === 'logged_in') {
        this.shownUser = this.status.user?.user_id ?? null;
        await this.loadSession();
      }
      await limits;
    } catch (e) {
      this.startError = errorText(e);
    }
  }

  /** OBS views arrive by event and as commands' answers, in either order
   *  (a connect's answer, "Connecting…", can come after the event saying
   *  OBS refused the password): keep the newest, by its number. */
  setObs(v: ObsView) {
    if (!this.obs || v.seq >= this.obs.seq) this.obs = v;
  }

  private clearSession() {
    this.channel = null;
    this.live = null;
    this.stats = null;
    chat.clear();
  }

  async loadSession() {
    try {
      const [c, l] = await Promise.all([api.channel(), api.liveSnapshot()]);
      performance.mark('kickstand:session');
      this.channel = c;
      if (l) this.live = l;
    } catch (e) {
      this.toast('error', errorText(e));
    }
  }

  toast(level: NoticeLevel, message: string) {
    const id = this.nextId++;
    this.toasts = [...this.toasts.slice(-3), { id, level, message }];
    setTimeout(() => this.dismiss(id), level === 'error' ? 9000 : 5000);
  }

  dismiss(id: number) {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  stop() {
    this.unlisten?.();
  }
}

export const store = new Store();
export type { Store };
