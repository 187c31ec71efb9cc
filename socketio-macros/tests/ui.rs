//! The compile-time behaviour of the macros: `tests/ui/pass` must build, and every
//! `tests/ui/fail/<mistake>.rs` must fail with the reviewed `<mistake>.stderr`.
//!
//! Regenerate snapshots with `TRYBUILD=overwrite cargo test -p socketio-macros --test ui`
//! and review each `.stderr` by eye. Run one case with `SOCKETIO_UI_ONLY=<file stem>`.
//!
//! rustc's wording changes between releases, so the snapshots are those of one
//! toolchain ([`SNAPSHOT_RUSTC`]); on another the cases are skipped (say so with
//! `SOCKETIO_UI_ANY_RUSTC=1` to run them anyway).

use std::process::Command;

/// The `rustc --version` prefix the `.stderr` snapshots were made with.
const SNAPSHOT_RUSTC: &str = "rustc 1.95.";

#[test]
fn ui() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    if !version.starts_with(SNAPSHOT_RUSTC) && std::env::var_os("SOCKETIO_UI_ANY_RUSTC").is_none() {
        eprintln!("ui: skipped, the snapshots are of {SNAPSHOT_RUSTC}x and this is {}", version.trim());
        return;
    }

    let t = trybuild::TestCases::new();
    match std::env::var("SOCKETIO_UI_ONLY") {
        Ok(only) => {
            let (pass, fail) = (format!("tests/ui/pass/{only}.rs"), format!("tests/ui/fail/{only}.rs"));
            if std::path::Path::new(&pass).exists() {
                t.pass(pass);
            }
            if std::path::Path::new(&fail).exists() {
                t.compile_fail(fail);
            }
        }
        Err(_) => {
            t.pass("tests/ui/pass/*.rs");
            t.compile_fail("tests/ui/fail/*.rs");
        }
    }
}
