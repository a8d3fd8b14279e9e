//! Replays the committed seed corpus (`corpus/<target>/*`) and any saved
//! crash inputs (`artifacts/<target>/*`, when present) through each target's
//! checks, on stable, without libFuzzer. A quick regression test; the real
//! fuzzing is `scripts/fuzz.sh`.

use std::path::Path;

#[test]
fn every_committed_input_passes_its_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut total = 0;
    for (name, target) in kickstand_fuzz::TARGETS {
        let mut n = 0;
        for dir in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(name)) else {
                continue;
            };
            for e in entries {
                let path = e.unwrap().path();
                let data = std::fs::read(&path).unwrap();
                eprintln!("{name}: {}", path.display());
                target(&data);
                n += 1;
            }
        }
        assert!(n > 0, "no seed inputs for {name}");
        total += n;
    }
    eprintln!("{total} inputs replayed");
}

/// The webhook seeds carry real signatures of the fixed delivery by the
/// target's fixed keys: regenerate them with `FUZZ_WRITE_SEEDS=1 cargo test`.
#[test]
fn webhook_seeds_carry_the_fixed_signatures() {
    use kick_api::webhook::{H_SIGNATURE, H_SIGNATURE_LEGACY};
    use kickstand_fuzz::webhook::{keys, seed};
    let k = keys();
    // The committed RSA fixture is the seeded test key's.
    let (pem, sig) = kickstand_fuzz::webhook::rsa_fixture(kickstand_fuzz::webhook::rsa_test_key());
    let keys_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("keys");
    if std::env::var_os("FUZZ_WRITE_SEEDS").is_some() {
        std::fs::create_dir_all(&keys_dir).unwrap();
        std::fs::write(keys_dir.join("webhook-rsa-public.pem"), &pem).unwrap();
        std::fs::write(
            keys_dir.join("webhook-rsa-fixed.sig.b64"),
            format!("{sig}\n"),
        )
        .unwrap();
    }
    assert_eq!(
        pem,
        kickstand_fuzz::webhook::RSA_PUBLIC_PEM,
        "regenerate with FUZZ_WRITE_SEEDS=1"
    );
    assert_eq!(sig, kickstand_fuzz::webhook::RSA_FIXED_SIG_B64.trim());
    let mut signed_mode = b"S\n".to_vec();
    signed_mode.extend_from_slice(&seed(b"", H_SIGNATURE));
    let seeds = [
        ("signed_rsa", seed(&k.rsa_sig, H_SIGNATURE)),
        ("signed_ed25519", seed(&k.ed_sig, H_SIGNATURE)),
        (
            "signed_rsa_legacy_header",
            seed(&k.rsa_sig, H_SIGNATURE_LEGACY),
        ),
        ("target_signs", signed_mode),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/webhook");
    for (name, data) in seeds {
        kickstand_fuzz::webhook(&data);
        let path = dir.join(name);
        if std::env::var_os("FUZZ_WRITE_SEEDS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &data).unwrap();
        }
        assert_eq!(std::fs::read(&path).ok(), Some(data), "{name} is stale");
    }
}
