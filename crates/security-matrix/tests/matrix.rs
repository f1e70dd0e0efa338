//! Runs the security truth table against the target of `COSMOLAB_TARGET` and compares every cell
//! with the committed `matrix.txt`. `COSMOLAB_UPDATE_MATRIX=1` rewrites the file instead.

use std::path::Path;

use cosmolab_lab_harness::{RunningTarget, Target};
use cosmolab_security_matrix::{TABLE_FILE, differences, parse, render, run};

#[tokio::test]
async fn every_cell_matches_the_reviewed_table() {
    let target = RunningTarget::start(Target::from_env()).await;
    let (cells, skipped) = run(&target).await;
    for reason in &skipped {
        eprintln!(
            "security matrix on {}: rows left out: {reason}",
            target.description()
        );
    }
    assert!(
        cells.len() >= 300,
        "the table has {} cells; it must have at least 300",
        cells.len()
    );

    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(TABLE_FILE);
    if std::env::var_os("COSMOLAB_UPDATE_MATRIX").is_some() {
        std::fs::write(&file, render(&cells)).unwrap();
        eprintln!(
            "wrote {} cells to {}: review them with `git diff`",
            cells.len(),
            file.display()
        );
        return;
    }
    let committed = std::fs::read_to_string(&file).unwrap_or_else(|error| {
        panic!(
            "{} cannot be read ({error}); write it with COSMOLAB_UPDATE_MATRIX=1 and review it",
            file.display()
        )
    });
    let wrong = differences(&cells, &parse(&committed));
    assert!(
        wrong.is_empty(),
        "{} of {} cells differ from {} on {}:\n{}",
        wrong.len(),
        cells.len(),
        file.display(),
        target.description(),
        wrong.join("\n")
    );
}
