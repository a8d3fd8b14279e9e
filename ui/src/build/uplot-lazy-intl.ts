// A build step for the chart library (uPlot, pinned in package.json).
//
// As its module loads, uPlot builds two Intl objects: a number format for its
// default axis labels and a date format only to learn the local time zone
// (for its `tzDate` helper). Each loads ICU's locale, number and time-zone
// data into the web process, a few MiB resident for the whole evening, though
// Kickstand labels both axes itself and never calls `tzDate`. The number
// format also throws as the module loads when WebKit reports the POSIX "C"
// locale (`navigator.language === "C"`), which left the page blank.
//
// This rewrites those two lines of uPlot's ES module so that each object is
// built on first use instead, and a locale Intl refuses falls back to en-US.
// If a new uPlot no longer has these lines, the build fails here: check
// whether it still needs this, then update or drop it.

/** The lines as uPlot 1.6.32 has them, and what each becomes. */
export const REWRITES: ReadonlyArray<readonly [string, string]> = [
  [
    "const numFormatter = new Intl.NumberFormat(domEnv ? nav.language : 'en-US');\n" +
      'const fmtNum = val => numFormatter.format(val);',
    'let numFormatter;\n' +
      'const fmtNum = val => (numFormatter ??= (() => {\n' +
      "\ttry { return new Intl.NumberFormat(domEnv ? nav.language : 'en-US'); }\n" +
      "\tcatch { return new Intl.NumberFormat('en-US'); }\n" +
      '})()).format(val);',
  ],
  [
    'const localTz = new Intl.DateTimeFormat().resolvedOptions().timeZone;',
    'let localTz_;\n' + 'const localTz = () => (localTz_ ??= new Intl.DateTimeFormat().resolvedOptions().timeZone);',
  ],
  ['\telse if (tz == localTz)', '\telse if (tz == localTz())'],
];

/** uPlot's ES module with the rewrites applied; throws if one is missing. */
export function rewriteUplot(code: string): string {
  let out = code;
  for (const [from, to] of REWRITES) {
    if (out.split(from).length !== 2) {
      throw new Error(`uplot-lazy-intl: uPlot's module changed (expected exactly one ${JSON.stringify(from.split('\n')[0])})`);
    }
    out = out.replace(from, () => to);
  }
  return out;
}

/** The Vite plugin: applies `rewriteUplot` to uPlot's ES module. */
export function uplotLazyIntl() {
  return {
    name: 'uplot-lazy-intl',
    transform(code: string, id: string) {
      // The module itself only: `vite dev` adds a version query (`?v=…`);
      // a `?raw` import of it is its text, not code.
      const [path, query] = id.split('?');
      if (query !== undefined && !/^v=\w+$/.test(query)) return null;
      if (!/[\\/]node_modules[\\/]uplot[\\/]dist[\\/]uPlot\.esm\.js$/.test(path)) return null;
      return { code: rewriteUplot(code), map: null };
    },
  };
}
