//! The compile-time behaviour of the macros: `tests/ui/pass` must build, and every
//! `tests/ui/fail/<mistake>.rs` must fail with the reviewed `<mistake>.stderr`.
//!
//! Regenerate snapshots with `TRYBUILD=overwrite cargo test -p socketio-macros --test ui`
//! and review each `.stderr` by eye. Run one case with `SOCKETIO_UI_ONLY=<file stem>`.

#[test]
fn ui() {
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
