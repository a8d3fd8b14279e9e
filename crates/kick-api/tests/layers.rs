//! The crate's modules are layered: every `crate::` path in a module's
//! non-test code points at a module of an earlier layer (or, inside a layer,
//! at a sibling without closing a cycle). This test reads the sources, builds
//! the module graph and fails on an upward import, a cycle, a path through a
//! root re-export (which would hide the real dependency) or a module that has
//! no layer yet. `cargo test -p kick-api --test layers -- --nocapture` prints
//! the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, first to last. A module may use modules of its own layer and
/// of earlier ones, never of a later one.
const LAYERS: &[&[&str]] = &[
    &["error", "de", "ids", "config", "scopes", "token", "models"],
    &["transport"],
    &["oauth"],
    &["auth"],
    &["client"],
    &[
        "endpoints",
        "endpoints::categories",
        "endpoints::channels",
        "endpoints::chat",
        "endpoints::events",
        "endpoints::kicks",
        "endpoints::livestreams",
        "endpoints::moderation",
        "endpoints::public_key",
        "endpoints::rewards",
        "endpoints::users",
    ],
    &["webhook", "loopback"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Module name of a source file: `src/endpoints/chat.rs` -> `endpoints::chat`.
fn module_name(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?.with_extension("");
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [lib] if lib == "lib" => None,
        [dirs @ .., last] if last == "mod" => Some(dirs.join("::")),
        all => Some(all.join("::")),
    }
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code that counts: comments removed, the unit tests at the end cut off
/// (tests may reach anywhere in the crate).
fn code_of(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim() == "#[cfg(test)]" {
            break;
        }
        let code = match line.find("//") {
            // `//` inside a string ("https://...") is kept: no path follows it.
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The modules a piece of code refers to through `crate::` paths.
fn references(
    module: &str,
    code: &str,
    modules: &BTreeSet<String>,
    problems: &mut Vec<String>,
) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let first = ident_at(rest);
        if first.is_empty() {
            problems.push(format!(
                "{module}: `crate::{{...}}` groups hide dependencies; write one path per `use`"
            ));
            continue;
        }
        if !modules.contains(first) {
            problems.push(format!(
                "{module}: `crate::{first}` goes through a root re-export; name its module"
            ));
            continue;
        }
        let mut target = first.to_owned();
        if let Some(sub) = rest[first.len()..].strip_prefix("::") {
            let nested = format!("{first}::{}", ident_at(sub));
            if modules.contains(&nested) {
                target = nested;
            }
        }
        if target != module {
            refs.insert(target);
        }
    }
    for (i, _) in code.match_indices("super::") {
        if !code[i..].starts_with("super::*") {
            problems.push(format!(
                "{module}: `super::` outside tests; use a `crate::` path"
            ));
        }
    }
    refs
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|n| n == next).unwrap();
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn modules_are_layered_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let sources: BTreeMap<String, String> = files
        .iter()
        .filter_map(|f| Some((module_name(&src, f)?, std::fs::read_to_string(f).unwrap())))
        .collect();
    let modules: BTreeSet<String> = sources.keys().cloned().collect();
    let top: BTreeSet<String> = modules
        .iter()
        .map(|m| m.split("::").next().unwrap().to_owned())
        .collect();
    assert!(modules.len() > 20, "found only {modules:?}");

    let mut problems = Vec::new();
    let mut graph = BTreeMap::new();
    for (module, text) in &sources {
        let mut known = modules.clone();
        known.extend(top.iter().cloned());
        let refs = references(module, &code_of(text), &known, &mut problems);
        graph.insert(module.clone(), refs);
    }

    for (module, refs) in &graph {
        println!(
            "{module:<24} -> {}",
            Vec::from_iter(refs.iter().cloned()).join(", ")
        );
        let Some(own) = layer_of(module) else {
            problems.push(format!("{module}: not in LAYERS; give it a layer"));
            continue;
        };
        for r in refs {
            match layer_of(r) {
                Some(l) if l > own => {
                    problems.push(format!("{module} (layer {own}) uses {r} (layer {l})"))
                }
                _ => {}
            }
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        problems.push(format!("module cycle: {}", cycle.join(" -> ")));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_sees_cycles_and_re_exports() {
    let modules: BTreeSet<String> = ["a", "b", "endpoints", "endpoints::x"]
        .map(String::from)
        .into();
    let mut problems = Vec::new();
    let code = code_of(
        "use crate::b::Thing; // crate::a in a comment\n\
         #[serde(deserialize_with = \"crate::endpoints::x::f\")]\n\
         #[cfg(test)]\nmod tests { use crate::a::Z; }",
    );
    let refs = references("a", &code, &modules, &mut problems);
    assert_eq!(refs, ["b", "endpoints::x"].map(String::from).into());
    assert!(problems.is_empty());

    references("a", "use crate::KickClient;", &modules, &mut problems);
    references("a", "use crate::{b, endpoints};", &modules, &mut problems);
    assert_eq!(problems.len(), 2, "{problems:?}");

    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_owned(), ["b".to_owned()].into()),
        ("b".to_owned(), ["c".to_owned()].into()),
        ("c".to_owned(), ["a".to_owned()].into()),
    ]
    .into();
    assert_eq!(find_cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
}
