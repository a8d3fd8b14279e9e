import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

// User Timing marks of the start (e2e/bench/startup.js reads every `kickstand:*`).
performance.mark('kickstand:script');

// Under a POSIX "C" locale WebKit reports `navigator.language` as "C",
// which Intl refuses (the chart library formats numbers with it): fall
// back to a locale Intl accepts.
try {
  new Intl.NumberFormat(navigator.language);
} catch {
  Object.defineProperty(Navigator.prototype, 'language', { get: () => 'en-US', configurable: true });
}

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
export default mount(App, { target });
