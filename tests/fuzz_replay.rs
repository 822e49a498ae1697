//! Replays every committed fuzz corpus file and every crash ever found
//! (`fuzz/corpus/<target>/`, `fuzz/regressions/<target>/`) through the
//! fuzz targets' own entry functions, on stable, in `cargo test`. FUZZING.md
//! says how the corpus was grown and what the fuzzers ran.

#[path = "../fuzz/entries.rs"]
mod entries;

use std::path::Path;

fn replay(target: &str, entry: fn(&[u8])) {
    let mut replayed = 0;
    for folder in ["fuzz/corpus", "fuzz/regressions"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder).join(target);
        let Ok(files) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = files.filter_map(|file| file.ok().map(|f| f.path())).collect();
        paths.sort();
        for path in paths {
            // A running fuzzer may drop a corpus file while this reads.
            let Ok(data) = std::fs::read(&path) else { continue };
            // Name the input if it fails: the panic message alone would not.
            eprintln!("replaying {}", path.display());
            entry(&data);
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no corpus for {target}");
}

#[test]
fn toml_pipeline_corpus() {
    replay("toml_pipeline", entries::toml_pipeline);
}

#[test]
fn attribute_pipeline_corpus() {
    replay("attribute_pipeline", entries::attribute_pipeline);
}

#[test]
fn http_request_corpus() {
    replay("http_request", entries::http_request);
}
