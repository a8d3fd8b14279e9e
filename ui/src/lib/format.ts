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
  return groupThousands(n);
}

// Dates and numbers are formatted here rather than with Intl or toLocale*: each
// Intl formatter loads ICU's locale, calendar and pattern data into the web
// process (about 3 MiB resident), and the dashboard needs only these shapes.

/** 1234567 → 1,234,567 (integers; the sign is kept). */
export function groupThousands(n: number): string {
  const s = String(Math.trunc(Math.abs(n)));
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return n < 0 ? `-${out}` : out;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** Local 24-hour `HH:MM`; '' for no time. */
export function clock(ms: number | null | undefined): string {
  if (!ms) return '';
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Local `Dec 7, 21:05`. */
export function dayAndTime(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getMonth()]} ${d.getDate()}, ${clock(ms)}`;
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
