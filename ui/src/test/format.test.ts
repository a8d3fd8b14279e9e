import { describe, expect, it } from 'vitest';
import { clock, dayAndTime, groupThousands, uptime, viewers } from '../lib/format';

describe('format', () => {
  it('groups thousands as en-US does, without Intl', () => {
    for (const n of [0, 7, 999, 1000, 1234, 99_999, 123_456, 1_234_567, 1_000_000_000, -4321, 12.9]) {
      expect(groupThousands(n)).toBe(Math.trunc(n).toLocaleString('en-US'));
    }
  });

  it('shows viewers grouped below 10K and in K above', () => {
    expect(viewers(0)).toBe('0');
    expect(viewers(9_999)).toBe('9,999');
    expect(viewers(12_345)).toBe('12.3K');
    expect(viewers(250_400)).toBe('250K');
  });

  it('writes local 24-hour times and dates', () => {
    const at = new Date(2026, 11, 7, 9, 5, 59).getTime();
    expect(clock(at)).toBe('09:05');
    expect(clock(new Date(2026, 0, 1, 23, 59).getTime())).toBe('23:59');
    expect(clock(null)).toBe('');
    expect(clock(0)).toBe('');
    expect(dayAndTime(at)).toBe('Dec 7, 09:05');
    expect(dayAndTime(new Date(2027, 0, 31, 0, 0).getTime())).toBe('Jan 31, 00:00');
  });

  it('writes uptime as h:mm:ss', () => {
    expect(uptime(1_000, 1_000 + 3_723_000)).toBe('1:02:03');
    expect(uptime(1_000, 1_000 + 59_000)).toBe('0:59');
    expect(uptime(null, 5)).toBe('');
  });
});
