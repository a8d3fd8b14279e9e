// Processes of an app under test, for the memory benchmarks: the app's
// process tree and a process's PSS.
import fs from 'node:fs';

/** Processes whose executable is `exe`, with all their descendants. */
export function tree(exe) {
  const real = fs.realpathSync(exe);
  const procs = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      let link = '';
      try { link = fs.readlinkSync(`/proc/${d}/exe`); } catch { /* not ours */ }
      procs.push({ pid: Number(d), ppid: Number(after[1]), comm, exe: link });
    } catch { /* gone */ }
  }
  const roots = procs.filter((p) => p.exe === real).map((p) => p.pid);
  const out = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) if (out.has(p.ppid) && !out.has(p.pid)) { out.add(p.pid); grew = true; }
  }
  return procs.filter((p) => out.has(p.pid));
}

/** The pid of `exe`'s WebKit web process (in its own tree: another WebKit
 *  app on the machine is not it). */
export function webProcess(exe) {
  const web = tree(exe).find((p) => p.comm === 'WebKitWebProces');
  if (!web) throw new Error('no WebKit web process under the app');
  return web.pid;
}

export function pssKiB(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime: fields 14 and 15 of stat(5), 11 and 12 after the state; USER_HZ is 100.
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch { return 0; }
}
