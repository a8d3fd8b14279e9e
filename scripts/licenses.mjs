#!/usr/bin/env node
// Generates the licences of everything bundled into Kickstand, for the About
// panel and the .deb: every crate linked into the app binary (cargo metadata:
// the normal-dependency graph of the `kickstand` package on Linux x86_64) and
// every npm package in the web UI's bundle (ui/package.json "dependencies"
// and Svelte, whose runtime the compiler bundles, followed through
// node_modules; Svelte's compiler-only dependencies are listed too). For each: name, version, the licence
// expression its author declared, the repository, and the licence and
// notice files shipped in the package (texts deduplicated).
//
//   node scripts/licenses.mjs           # writes ui/src/lib/licenses.json
//   node scripts/licenses.mjs --check   # fails when that file is out of date
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'ui/src/lib/licenses.json');
const LICENSE_FILE = /^(licen[cs]e|copying|notice|copyright)([-._].*)?$/i;

const texts = new Map(); // hash -> text
function licenceFiles(dir) {
  let names = [];
  try {
    names = fs.readdirSync(dir).filter((n) => LICENSE_FILE.test(n)).sort();
  } catch {
    return [];
  }
  const out = [];
  for (const n of names) {
    const p = path.join(dir, n);
    if (!fs.statSync(p).isFile()) continue;
    const text = fs.readFileSync(p, 'utf8').replace(/\r\n/g, '\n').trim();
    if (!text) continue;
    const id = crypto.createHash('sha256').update(text).digest('hex').slice(0, 12);
    texts.set(id, text);
    out.push({ file: n, text: id });
  }
  return out;
}

function crates() {
  const meta = JSON.parse(
    execFileSync('cargo', ['metadata', '--format-version', '1', '--locked', '--filter-platform', 'x86_64-unknown-linux-gnu'], {
      cwd: ROOT,
      maxBuffer: 1 << 28,
    }),
  );
  const pkgs = new Map(meta.packages.map((p) => [p.id, p]));
  const nodes = new Map(meta.resolve.nodes.map((n) => [n.id, n]));
  const members = new Set(meta.workspace_members);
  const root = meta.packages.find((p) => p.name === 'kickstand' && members.has(p.id));
  const seen = new Set();
  const stack = [root.id];
  while (stack.length) {
    const id = stack.pop();
    if (seen.has(id)) continue;
    seen.add(id);
    for (const d of nodes.get(id).deps) {
      // Linked into the binary: normal dependencies only (not build scripts, not tests).
      if (d.dep_kinds.some((k) => k.kind === null)) stack.push(d.pkg);
    }
  }
  return [...seen]
    .filter((id) => !members.has(id))
    .map((id) => pkgs.get(id))
    .map((p) => ({
      name: p.name,
      version: p.version,
      license: p.license ?? (p.license_file ? `see ${p.license_file}` : 'unknown'),
      repository: p.repository ?? null,
      files: licenceFiles(path.dirname(p.manifest_path)),
    }));
}

function npmPackages() {
  const ui = path.join(ROOT, 'ui');
  const top = JSON.parse(fs.readFileSync(path.join(ui, 'package.json'), 'utf8'));
  const out = new Map();
  const visit = (name, from) => {
    // Node's resolution: the nearest node_modules up from the requiring package.
    let dir = from;
    let pkgDir = null;
    for (;;) {
      const candidate = path.join(dir, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) {
        pkgDir = candidate;
        break;
      }
      if (dir === ui) break;
      dir = path.dirname(dir);
    }
    if (!pkgDir) throw new Error(`${name} is not installed (run npm ci in ui/)`);
    const pj = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
    const key = `${pj.name}@${pj.version}`;
    if (out.has(key)) return;
    const repo = typeof pj.repository === 'string' ? pj.repository : pj.repository?.url ?? null;
    out.set(key, {
      name: pj.name,
      version: pj.version,
      license: typeof pj.license === 'string' ? pj.license : pj.license?.type ?? 'unknown',
      repository: repo,
      files: licenceFiles(pkgDir),
    });
    for (const dep of Object.keys(pj.dependencies ?? {})) visit(dep, pkgDir);
  };
  // Svelte is a dev dependency, but the compiler bundles its runtime.
  for (const dep of [...Object.keys(top.dependencies ?? {}), 'svelte']) visit(dep, ui);
  return [...out.values()];
}

const byName = (a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version, undefined, { numeric: true });
const rust = crates().sort(byName);
const npm = npmPackages().sort(byName);
const used = new Set([...rust, ...npm].flatMap((p) => p.files.map((f) => f.text)));
const doc = {
  generated_by: 'node scripts/licenses.mjs',
  crates: rust,
  npm,
  texts: Object.fromEntries([...texts].filter(([id]) => used.has(id)).sort(([a], [b]) => a.localeCompare(b))),
};
const json = JSON.stringify(doc, null, 1) + '\n';

if (process.argv.includes('--check')) {
  const current = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
  if (current !== json) {
    console.error('ui/src/lib/licenses.json is out of date: run node scripts/licenses.mjs and commit it');
    process.exit(1);
  }
  console.log(`licences current: ${rust.length} crates, ${npm.length} npm packages`);
} else {
  fs.writeFileSync(OUT, json);
  const missing = [...rust, ...npm].filter((p) => p.files.length === 0).map((p) => `${p.name} ${p.version}`);
  console.log(`wrote ${path.relative(ROOT, OUT)}: ${rust.length} crates, ${npm.length} npm packages, ${used.size} licence texts, ${(json.length / 1024).toFixed(0)} KiB`);
  if (missing.length) console.log(`no licence file shipped (declared licence listed): ${missing.join(', ')}`);
}
