// uPlot's stylesheet, loaded with the chart (Vite bundles it as CSS).
declare module 'uplot/dist/uPlot.min.css';
// uPlot's ES module as text: the test of src/build/uplot-lazy-intl.ts reads it.
declare module 'uplot/dist/uPlot.esm.js?raw' {
  const source: string;
  export default source;
}
