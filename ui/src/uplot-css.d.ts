// uPlot's stylesheet, loaded with the chart (Vite bundles it as CSS).
declare module 'uplot/dist/uPlot.min.css';
