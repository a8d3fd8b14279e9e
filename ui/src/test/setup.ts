// jsdom lacks what the chart library (uPlot) reads at import time.
if (!window.matchMedia) {
  window.matchMedia = ((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  })) as unknown as typeof window.matchMedia;
}

// jsdom has no canvas: a 2D context whose drawing calls do nothing, so the
// chart library can run (what it draws is checked in the real window).
const noop = () => {};
HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement) {
  return new Proxy(
    { canvas: this, measureText: () => ({ width: 0 }) } as Record<string, unknown>,
    { get: (t, k) => (k in t ? t[k as string] : noop), set: () => true },
  ) as unknown as CanvasRenderingContext2D;
} as unknown as typeof HTMLCanvasElement.prototype.getContext;

// Paths for the chart's lines, likewise drawn nowhere.
if (!('Path2D' in globalThis)) {
  (globalThis as Record<string, unknown>).Path2D = class {
    constructor() {
      return new Proxy(this, { get: (t, k) => (k in t ? (t as Record<string | symbol, unknown>)[k] : noop) });
    }
  };
}

// jsdom has no layout, hence no ResizeObserver (Svelte's bind:clientHeight
// uses one); elements there have no size to report anyway.
if (!('ResizeObserver' in globalThis)) {
  globalThis.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
}
