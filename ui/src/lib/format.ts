/** `1:02:03` style uptime from a start time. */
export function uptime(startedAtMs: number | null | undefined, nowMs: number): string {
  if (!startedAtMs) return '';
  const s = Math.max(0, Math.floor((nowMs - startedAtMs) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

/** 1234 → 1,234; 12345 → 12.3K. */
export function viewers(n: number): string {
  if (n >= 100_000) return `${Math.round(n / 1000)}K`;
  if (n >= 10_000) return `${(n / 1000).toFixed(1)}K`;
  return n.toLocaleString('en-US');
}

/** Bullets for a secret of the same length, capped. */
export function mask(s: string): string {
  return '•'.repeat(Math.min(Math.max(s.length, 12), 32));
}

/** Kick's slugs: letters, digits, `_` and `-`. */
export function normaliseSlug(input: string): string | null {
  let s = input.trim();
  const m = s.match(/kick\.com\/([^/?#\s]+)/i);
  if (m) s = m[1];
  s = s.replace(/^@/, '').toLowerCase();
  return /^[a-z0-9_-]{1,25}$/.test(s) ? s : null;
}

/** Debounce: the last call wins after `ms` of quiet. */
export function debounce<A extends unknown[]>(fn: (...a: A) => void, ms: number) {
  let t: ReturnType<typeof setTimeout> | undefined;
  return (...a: A) => {
    if (t) clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}
