import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

// User Timing marks of the start (e2e/bench/startup.js reads every `kickstand:*`).
performance.mark('kickstand:script');

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
export default mount(App, { target });
