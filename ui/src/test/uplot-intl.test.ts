// The chart library's load-time Intl objects (src/build/uplot-lazy-intl.ts):
// uPlot's real module text, evaluated with a recording Intl in scope.
import { describe, expect, it } from 'vitest';
import source from 'uplot/dist/uPlot.esm.js?raw';
import { rewriteUplot, uplotLazyIntl } from '../build/uplot-lazy-intl';

type Loaded = { fmtNum: (v: number) => string; tzDate: (d: Date, tz: string) => Date };

/** Evaluates uPlot's module text with `intl` as its `Intl` and `language` as
 *  `navigator.language`; returns uPlot and the Intl objects it built. */
function load(code: string, language = 'en-US') {
  const made: string[] = [];
  const spy = {
    NumberFormat: function (...a: ConstructorParameters<typeof Intl.NumberFormat>) {
      made.push(`NumberFormat(${String(a[0])})`);
      return new Intl.NumberFormat(...a);
    },
    DateTimeFormat: function (...a: ConstructorParameters<typeof Intl.DateTimeFormat>) {
      made.push('DateTimeFormat');
      return new Intl.DateTimeFormat(...a);
    },
  };
  const nav = { language };
  const body = code
    .replace(/^export function /gm, 'function ')
    .replace(/^export \{ uPlot as default \};\s*$/m, '')
    .replace(/\bnavigator\b/g, 'nav_');
  const uPlot = new Function('Intl', 'nav_', `${body}\nreturn uPlot;`)(spy, nav) as Loaded;
  return { uPlot, made };
}

describe('uPlot without Intl at load', () => {
  it('the library as published builds two Intl objects as it loads (what the rewrite is for)', () => {
    const { made } = load(source);
    expect(made).toEqual(['NumberFormat(en-US)', 'DateTimeFormat']);
    expect(() => load(source, 'C')).toThrow(RangeError);
  });

  it('rewritten, it builds none as it loads, and each only when used', () => {
    const { uPlot, made } = load(rewriteUplot(source));
    expect(made).toEqual([]);
    expect(uPlot.fmtNum(1234567)).toBe('1,234,567');
    expect(made).toEqual(['NumberFormat(en-US)']);
    uPlot.fmtNum(5);
    expect(made).toHaveLength(1);
    // A zone other than UTC compares itself with the local one: the date
    // format is built then, once.
    const d = new Date(Date.UTC(2026, 11, 7, 12, 5));
    expect(uPlot.tzDate(d, 'Asia/Tokyo').getHours()).toBe(21);
    uPlot.tzDate(d, 'America/New_York');
    expect(made).toEqual(['NumberFormat(en-US)', 'DateTimeFormat']);
  });

  it('rewritten, a locale Intl refuses ("C") loads and formats as en-US', () => {
    const { uPlot } = load(rewriteUplot(source), 'C');
    expect(uPlot.fmtNum(1234)).toBe('1,234');
  });

  it('a uPlot without the expected lines fails the build loudly', () => {
    expect(() => rewriteUplot(source.replace('const localTz', 'const tzLocal'))).toThrow(/uPlot's module changed/);
  });

  it("the plugin rewrites uPlot's module as built and as vite dev serves it, nothing else", () => {
    const { transform } = uplotLazyIntl();
    const at = '/app/ui/node_modules/uplot/dist/uPlot.esm.js';
    expect(transform(source, at)?.code).toBe(rewriteUplot(source));
    expect(transform(source, `${at}?v=d203fb30`)?.code).toBe(rewriteUplot(source));
    expect(transform(source, `${at}?raw`)).toBeNull();
    expect(transform(source, '/app/ui/node_modules/uplot/dist/uPlot.cjs.js')).toBeNull();
  });
});
