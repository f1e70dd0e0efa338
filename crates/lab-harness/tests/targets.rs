//! The `account` target, with an in-process emulator standing in for the real account: a lab
//! whose needs the target lacks is skipped, and a scenario's databases are cleaned up afterwards.

use cosmolab_auth_signing::WELL_KNOWN_EMULATOR_KEY;
use cosmolab_emulator::Emulator;
use cosmolab_lab_harness::Lab;
use cosmolab_lab_harness::target::Target;

fn account(emulator: &Emulator) -> Target {
    Target::Account {
        endpoint: emulator.endpoint().to_owned(),
        key: WELL_KNOWN_EMULATOR_KEY.to_owned(),
    }
}

/// Lab 2 regenerates keys from the test, which a real account does not allow: it does not run.
#[tokio::test(flavor = "multi_thread")]
async fn a_lab_needing_key_admin_is_skipped_on_an_account() {
    let emulator = Emulator::builder().start().await.unwrap();
    assert!(Lab::start_on("02-keys", account(&emulator)).await.is_none());
}

/// Lab 3 needs nothing beyond Cosmos DB's API: it runs, signs with the configured key, and the
/// databases it creates are deleted afterwards, while the account's own are kept. (Multi-threaded:
/// the clean-up blocks one thread while the in-process emulator answers on another.)
#[tokio::test(flavor = "multi_thread")]
async fn a_scenario_on_an_account_cleans_up_after_itself() {
    let emulator = Emulator::builder().start().await.unwrap();
    let lab = Lab::start_on("03-resource-tokens", account(&emulator))
        .await
        .expect("lab 3 runs on any account");
    assert_eq!(lab.primary_key().await, WELL_KNOWN_EMULATOR_KEY);
    assert!(
        !format!("{lab:?}").contains(WELL_KNOWN_EMULATOR_KEY),
        "Debug must not show the key"
    );

    let owner = lab.owner_client().await;
    // Created before the scenario started would be the account's own; simulate it by creating
    // one through a second lab started afterwards.
    owner.create_database("made-by-the-scenario").await.unwrap();
    let later = Lab::start_on("03-resource-tokens", account(&emulator))
        .await
        .unwrap();
    owner
        .create_database("made-by-the-later-one")
        .await
        .unwrap();

    later.clean_up();
    let left: Vec<String> = owner
        .databases()
        .collect_items()
        .await
        .unwrap()
        .into_iter()
        .map(|database| database.id)
        .collect();
    assert_eq!(left, ["made-by-the-scenario"]);

    lab.clean_up();
    assert!(owner.databases().collect_items().await.unwrap().is_empty());
}
