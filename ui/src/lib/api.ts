// The typed boundary to the Rust backend. Commands, events and their types
// are generated from Rust into ./bindings.ts (tauri-specta): no command or
// event name is written by hand here. Commands throw an `AppError`.
import type { UnlistenFn } from '@tauri-apps/api/event';
import { commands, events, type AppError, type ErrorField } from './bindings';

/** Every backend command, as a typed function. */
export const api = commands;

type Events = typeof events;
type Payload<K extends keyof Events> = Parameters<Parameters<Events[K]['listen']>[0]>[0]['payload'];

/** One handler per backend event (all of them, so none is forgotten). */
export type Handlers = { [K in keyof Events]: (payload: Payload<K>) => void };

/** Subscribes to every backend event; returns one function that unsubscribes all. */
export async function subscribe(h: Handlers): Promise<UnlistenFn> {
  const keys = Object.keys(events) as (keyof Events)[];
  const offs = await Promise.all(
    keys.map((k) => (events[k].listen as (cb: (e: { payload: unknown }) => void) => Promise<UnlistenFn>)(
      (e) => (h[k] as (p: unknown) => void)(e.payload),
    )),
  );
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
export function errorField(e: unknown): ErrorField | null {
  const a = e as Partial<AppError> | undefined;
  return a && typeof a === 'object' && typeof a.field === 'string' ? a.field : null;
}
