//! The `cosmolab-broker` binary: `check` explains a configuration, and a bad one is refused with
//! what to fix.

use std::process::Command;

fn broker() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cosmolab-broker"))
}

#[test]
fn check_describes_a_valid_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broker.toml");
    std::fs::write(
        &path,
        r#"
[cosmos]
endpoint = "http://127.0.0.1:8081/"
[identity]
audience = "api://cosmolab-broker"
[[policy]]
id = "own-items"
container = "items"
mode = "All"
partition_key = "{subject}"
"#,
    )
    .unwrap();
    let output = broker()
        .arg("--config")
        .arg(&path)
        .arg("check")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("own-items — All on container items, partition {subject}"),
        "{stdout}"
    );
    assert!(
        stdout.contains("c05a1ab0-c05a-4ab0-8c05-a1ab0c05a1ab/v2.0"),
        "{stdout}"
    );
    assert!(stdout.contains("the configuration is valid"));
}

#[test]
fn a_bad_configuration_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broker.toml");
    std::fs::write(
        &path,
        "[cosmos]\nendpoint = \"https://contoso.documents.azure.com/\"\n[identity]\naudience = \"a\"\n[[policy]]\nid = \"p\"\ncontainer = \"c\"\nmode = \"Read\"\n",
    )
    .unwrap();
    let output = broker()
        .arg("--config")
        .arg(&path)
        .arg("check")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("key_file"), "{stderr}");

    let missing = broker()
        .arg("--config")
        .arg(dir.path().join("nope.toml"))
        .arg("check")
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("docs/broker.md"));
}
