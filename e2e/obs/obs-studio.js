// Real OBS Studio for the end-to-end test: a fresh HOME with obs-websocket
// on a chosen port (and password), started under the test's X display, and
// a small obs-websocket v5 client so the test can look at OBS from the side
// (what key OBS holds, a stale key put there, a scene added).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

export async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function writeConfig(home, { port, password }) {
  const cfg = path.join(home, '.config/obs-studio');
  const profile = path.join(cfg, 'basic/profiles/Untitled');
  fs.mkdirSync(profile, { recursive: true });
  fs.mkdirSync(path.join(cfg, 'basic/scenes'), { recursive: true });
  fs.mkdirSync(path.join(cfg, 'plugin_config/obs-websocket'), { recursive: true });
  const auth = !!password;
  // FirstRun=true means "the first run is done" (false opens OBS's modal
  // auto-configuration wizard, and StartStream then never happens).
  fs.writeFileSync(
    path.join(cfg, 'global.ini'),
    `[General]\nFirstRun=true\n\n[Basic]\nProfile=Untitled\nProfileDir=Untitled\nSceneCollection=Untitled\nSceneCollectionFile=Untitled\n\n` +
      `[OBSWebSocket]\nFirstLoad=false\nServerEnabled=true\nServerPort=${port}\nAuthRequired=${auth}\nServerPassword=${password ?? ''}\nAlertsEnabled=false\n`,
  );
  fs.writeFileSync(
    path.join(cfg, 'plugin_config/obs-websocket/config.json'),
    JSON.stringify({ first_load: false, server_enabled: true, server_port: port, alerts_enabled: false, auth_required: auth, server_password: password ?? '' }),
  );
  // Small, cheap video so x264 keeps up on 2 cores; no automatic reconnect.
  fs.writeFileSync(
    path.join(profile, 'basic.ini'),
    '[General]\nName=Untitled\n\n[Video]\nBaseCX=640\nBaseCY=360\nOutputCX=640\nOutputCY=360\nFPSType=0\nFPSCommon=30\n\n' +
      '[Output]\nMode=Simple\nReconnect=false\n\n[SimpleOutput]\nVBitrate=800\nABitrate=96\nStreamEncoder=x264\nPreset=ultrafast\n',
  );
}

/** OBS with its own HOME (outside the app's folders: OBS keeps the key in its profile). */
export class ObsStudio {
  constructor({ port, password }) {
    this.port = port;
    this.password = password;
    this.home = fs.mkdtempSync(path.join(os.tmpdir(), 'kickstand-e2e-obs-'));
    writeConfig(this.home, { port, password });
    this.child = null;
  }

  async start() {
    const run = path.join(this.home, 'run');
    fs.mkdirSync(run, { recursive: true });
    const log = fs.openSync(path.join(this.home, 'obs.log'), 'a');
    this.child = spawn('obs', ['--multi', '--disable-shutdown-check', '--minimize-to-tray'], {
      cwd: this.home,
      env: {
        ...process.env,
        HOME: this.home,
        XDG_CONFIG_HOME: path.join(this.home, '.config'),
        XDG_RUNTIME_DIR: run,
        LIBGL_ALWAYS_SOFTWARE: '1',
        DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/kickstand-e2e-bus',
        QT_QPA_PLATFORM: 'xcb',
      },
      stdio: ['ignore', log, log],
    });
    const deadline = Date.now() + 40000;
    while (Date.now() < deadline) {
      if (await canConnect(this.port)) return;
      if (this.child.exitCode !== null) throw new Error(`OBS exited (${this.child.exitCode}):\n${this.log()}`);
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`OBS did not open its WebSocket port:\n${this.log()}`);
  }

  async kill() {
    if (!this.child || this.child.exitCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await gone;
  }

  log() {
    try {
      return fs.readFileSync(path.join(this.home, 'obs.log'), 'utf8').slice(-4000);
    } catch {
      return '';
    }
  }

  cleanup() {
    fs.rmSync(this.home, { recursive: true, force: true });
  }

  /** Sends one obs-websocket request and returns its response data. */
  async request(requestType, requestData) {
    const ws = new WebSocket(`ws://127.0.0.1:${this.port}`, 'obswebsocket.json');
    const next = () => new Promise((resolve, reject) => {
      ws.once('message', (m) => resolve(JSON.parse(m.toString())));
      ws.once('error', reject);
    });
    try {
      const hello = await next();
      const identify = { rpcVersion: 1, eventSubscriptions: 0 };
      const a = hello.d.authentication;
      if (a) {
        const secret = crypto.createHash('sha256').update(this.password + a.salt).digest('base64');
        identify.authentication = crypto.createHash('sha256').update(secret + a.challenge).digest('base64');
      }
      ws.send(JSON.stringify({ op: 1, d: identify }));
      const identified = await next();
      if (identified.op !== 2) throw new Error(`OBS did not identify us: ${JSON.stringify(identified)}`);
      ws.send(JSON.stringify({ op: 6, d: { requestType, requestId: 'e2e', requestData } }));
      const res = await next();
      if (!res.d.requestStatus.result) throw new Error(`${requestType}: ${JSON.stringify(res.d.requestStatus)}`);
      return res.d.responseData ?? {};
    } finally {
      ws.close();
    }
  }
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The processes under `root` (itself included), from /proc. */
export function processTree(root) {
  const children = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const walk = (p) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(root);
  return out;
}

export function comm(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Searches a process's writable memory for each needle (as UTF-8/Latin-1 and
 * as UTF-16LE, the two ways JavaScriptCore keeps strings). Returns the
 * needles found. Only pages that are present (or swapped) are read: the
 * web process reserves tens of GiB it never touches (JSC's gigacage).
 */
export function searchMemory(pid, needles) {
  const forms = needles.flatMap((n) => [[n, Buffer.from(n, 'latin1')], [n, Buffer.from(n, 'utf16le')]]);
  const found = new Set();
  const t0 = Date.now();
  let scanned = 0;
  const PAGE = 4096;
  // Writable regions with resident or swapped pages (from smaps).
  const regions = [];
  let cur = null;
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+)/.exec(line);
    if (m) {
      cur = m[3].startsWith('rw') ? { start: parseInt(m[1], 16), end: parseInt(m[2], 16), used: 0 } : null;
      if (cur) regions.push(cur);
      continue;
    }
    const k = /^(Rss|Swap):\s+(\d+) kB/.exec(line);
    if (k && cur) cur.used += Number(k[2]);
  }
  const mem = fs.openSync(`/proc/${pid}/mem`, 'r');
  const pagemap = fs.openSync(`/proc/${pid}/pagemap`, 'r');
  const overlap = Math.max(...forms.map(([, b]) => b.length));
  const CHUNK = 4 << 20;
  const buf = Buffer.alloc(CHUNK + overlap);
  const scan = (from, to) => {
    for (let at = from; at < to; at += CHUNK) {
      const len = Math.min(to - at, CHUNK + overlap);
      let n = 0;
      try {
        n = fs.readSync(mem, buf, 0, len, at);
      } catch {
        continue;
      }
      scanned += n;
      const view = buf.subarray(0, n);
      for (const [needle, b] of forms) if (!found.has(needle) && view.indexOf(b) >= 0) found.add(needle);
    }
  };
  try {
    for (const r of regions.filter((r) => r.used > 0)) {
      // Runs of present pages, from the page map (bit 63 present, 62 swapped).
      const pages = (r.end - r.start) / PAGE;
      const entries = Buffer.alloc(Math.min(pages, 1 << 16) * 8);
      let runStart = -1;
      for (let p = 0; p < pages; p += entries.length / 8) {
        const count = Math.min(entries.length / 8, pages - p);
        fs.readSync(pagemap, entries, 0, count * 8, (r.start / PAGE + p) * 8);
        for (let i = 0; i < count; i++) {
          const hi = entries.readUInt32LE(i * 8 + 4);
          const present = (hi & 0xc0000000) !== 0;
          const addr = r.start + (p + i) * PAGE;
          if (present && runStart < 0) runStart = addr;
          if (!present && runStart >= 0) {
            scan(runStart, addr);
            runStart = -1;
          }
        }
      }
      if (runStart >= 0) scan(runStart, r.end);
    }
  } finally {
    fs.closeSync(mem);
    fs.closeSync(pagemap);
  }
  console.log(`memory search of ${pid}: ${(scanned / 2 ** 20).toFixed(0)} MiB present in ${regions.length} writable regions, ${Date.now() - t0} ms`);
  return [...found];
}

/** Every file under `dir` whose bytes contain `needle`. */
export function filesContaining(dir, needle) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        try {
          const b = fs.readFileSync(p);
          if (b.indexOf(Buffer.from(needle, 'latin1')) >= 0 || b.indexOf(Buffer.from(needle, 'utf16le')) >= 0) out.push(p);
        } catch {
          // a socket or a file gone meanwhile
        }
      }
    }
  };
  walk(dir);
  return out;
}
