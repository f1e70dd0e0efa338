//! # cosmolab-security-matrix — the security truth table
//!
//! *Which credential may do what?* is the whole subject of the course, and the emulator's answer
//! must be the service's, cell by cell. This crate asks every credential the course teaches —
//! master, read-only and wrong keys; resource tokens of every scope (a stored procedure's too) and
//! mode, expired, edited and revoked; Entra ID principals with built-in and custom roles at every
//! scope; no credential and nonsense — to perform every kind of operation, server-side scripts
//! included, over HTTP, and writes down each status. Then again for a few credentials with
//! `disableLocalAuth` on.
//!
//! ```text
//!  fixture::build ─▶ shop/{orders,invoices} + scripts, users + permissions, applications + roles
//!  run            ─▶ for each pass × credential × operation: set up, send, record the status
//!  render         ─▶ crates/security-matrix/matrix.txt (committed, reviewed against the docs)
//! ```
//!
//! The committed table is the reviewed truth: `docs/security-matrix.md` gives, for each rule it
//! follows, the documentation (or seed) it comes from. The test (`tests/matrix.rs`) runs the table
//! against the target of `COSMOLAB_TARGET` (the in-process emulator by default, the container
//! image with `container`) and fails on any cell that differs; `COSMOLAB_UPDATE_MATRIX=1` writes
//! the table anew, for review with `git diff`.

pub mod fixture;
pub mod operations;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::SystemTime;

use cosmolab_auth_signing::{ResourceAddress, encode_header_value, format_http_date};
use cosmolab_lab_harness::{Need, RunningTarget};
use serde_json::json;

use crate::fixture::{Auth, Fixture};
use crate::operations::{Operation, Setup};

/// Where the committed table lives, relative to this crate.
pub const TABLE_FILE: &str = "matrix.txt";

/// One cell: which pass, credential and operation, and what the account answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// `local auth on` or `disableLocalAuth`.
    pub pass: &'static str,
    /// The credential's name.
    pub credential: &'static str,
    /// The operation's name.
    pub operation: &'static str,
    /// The status, with its substatus when there is one: `403`, `403/5300`.
    pub outcome: String,
}

/// Runs the whole matrix on `target`; also returns the rows the target could not have.
pub async fn run(target: &RunningTarget) -> (Vec<Cell>, Vec<String>) {
    let fixture = fixture::build(target).await;
    let http = reqwest::Client::new();
    let operations = operations::all();
    let mut cells = Vec::new();
    let mut n = 0;
    for credential in &fixture.credentials {
        for operation in &operations {
            n += 1;
            let outcome = cell(
                target,
                &fixture,
                &http,
                &credential.auth,
                operation,
                n,
                false,
            )
            .await;
            cells.push(Cell {
                pass: "local auth on",
                credential: credential.name,
                operation: operation.name,
                outcome,
            });
        }
    }
    if target.offers(Need::IdentityProvider) {
        set_local_auth_disabled(target, true).await;
        for credential in fixture
            .credentials
            .iter()
            .filter(|c| c.with_local_auth_disabled)
        {
            for operation in &operations {
                n += 1;
                let outcome = cell(
                    target,
                    &fixture,
                    &http,
                    &credential.auth,
                    operation,
                    n,
                    true,
                )
                .await;
                cells.push(Cell {
                    pass: "disableLocalAuth",
                    credential: credential.name,
                    operation: operation.name,
                    outcome,
                });
            }
        }
        set_local_auth_disabled(target, false).await;
    }
    (cells, fixture.skipped)
}

async fn set_local_auth_disabled(target: &RunningTarget, disabled: bool) {
    target
        .admin()
        .set_disable_local_auth(disabled)
        .await
        .unwrap_or_else(|error| panic!("could not set disableLocalAuth: {error}"));
}

/// One cell: its set-up (with the master key; local auth briefly back on if it is off), then
/// the request with `auth`.
async fn cell(
    target: &RunningTarget,
    fixture: &Fixture,
    http: &reqwest::Client,
    auth: &Auth,
    operation: &Operation,
    n: usize,
    local_auth_disabled: bool,
) -> String {
    if operation.setup != Setup::None {
        if local_auth_disabled {
            set_local_auth_disabled(target, false).await;
        }
        let owner = Auth::Key(fixture.primary.clone());
        let (method, path, body, partition) = match operation.setup {
            Setup::ScratchDatabase => ("POST", "/dbs".to_owned(), json!({"id": "scratch"}), None),
            Setup::ScratchContainer => (
                "POST",
                "/dbs/shop/colls".to_owned(),
                json!({"id": "scratch", "partitionKey": {"paths": ["/id"], "kind": "Hash"}}),
                None,
            ),
            Setup::Document => (
                "POST",
                "/dbs/shop/colls/orders/docs".to_owned(),
                json!({"id": format!("d-{n}"), "customer": "alice"}),
                Some("alice"),
            ),
            Setup::None => unreachable!("handled above"),
        };
        let status = send(
            target,
            http,
            &owner,
            method,
            &path,
            Some(body),
            partition,
            false,
            false,
            None,
        )
        .await;
        // 409: the scratch database or container is still there from an earlier cell.
        assert!(
            status.starts_with("201") || status.starts_with("409"),
            "setting up `{}` failed: {status}",
            operation.name
        );
        if local_auth_disabled {
            set_local_auth_disabled(target, true).await;
        }
    }
    send(
        target,
        http,
        auth,
        operation.method,
        &operation.path_for(n),
        operation.body_for(n),
        operation.partition_key,
        operation.query,
        operation.upsert,
        operation.pre_trigger,
    )
    .await
}

/// Sends one request as an SDK would, and answers its status (and substatus).
#[allow(clippy::too_many_arguments)]
async fn send(
    target: &RunningTarget,
    http: &reqwest::Client,
    auth: &Auth,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
    partition: Option<&str>,
    query: bool,
    upsert: bool,
    pre_trigger: Option<&str>,
) -> String {
    let date = format_http_date(SystemTime::now());
    let url = format!("{}{}", target.endpoint().trim_end_matches('/'), path);
    let method_value = reqwest::Method::from_bytes(method.as_bytes()).expect("a known method");
    let mut request = http
        .request(method_value, url)
        .header("x-ms-date", &date)
        .header("x-ms-version", "2020-07-15");
    let address = ResourceAddress::from_path(path).expect("the matrix's paths are resource paths");
    let authorization = match auth {
        Auth::Key(key) => Some(key.authorize(
            method,
            address.resource_type(),
            &address.signing_link(),
            &date,
        )),
        Auth::Token(token) => Some(encode_header_value(token.expose_secret())),
        Auth::Entra(jwt) => Some(format!("type=aad&ver=1.0&sig={jwt}")),
        Auth::Nothing => None,
        Auth::Raw(text) => Some((*text).to_owned()),
    };
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    if let Some(partition) = partition {
        request = request.header(
            "x-ms-documentdb-partitionkey",
            json!([partition]).to_string(),
        );
    }
    if upsert {
        request = request.header("x-ms-documentdb-is-upsert", "True");
    }
    if let Some(trigger) = pre_trigger {
        request = request.header("x-ms-documentdb-pre-trigger-include", trigger);
    }
    if query {
        request = request
            .header("x-ms-documentdb-isquery", "True")
            .header("content-type", "application/query+json");
        if partition.is_none() {
            request = request.header("x-ms-documentdb-query-enablecrosspartition", "True");
        }
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
    } else if let Some(body) = body {
        request = request.json(&body);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let substatus = response
                .headers()
                .get("x-ms-substatus")
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.parse::<u32>().ok())
                .filter(|substatus| *substatus != 0);
            match substatus {
                Some(substatus) => format!("{status}/{substatus}"),
                None => status.to_string(),
            }
        }
        Err(error) => format!("no answer ({error})"),
    }
}

/// The table as committed: a header, then one line per cell.
pub fn render(cells: &[Cell]) -> String {
    let mut text = String::from(
        "# The security truth table: pass | credential | operation | status[/substatus].\n\
         # Generated by crates/security-matrix (COSMOLAB_UPDATE_MATRIX=1 cargo test -p \
         cosmolab-security-matrix),\n\
         # reviewed against the documentation cited in docs/security-matrix.md.\n",
    );
    for cell in cells {
        let _ = writeln!(
            text,
            "{:<16} | {:<42} | {:<30} | {}",
            cell.pass, cell.credential, cell.operation, cell.outcome
        );
    }
    text
}

/// The cells of a committed table, by (pass, credential, operation).
pub fn parse(text: &str) -> BTreeMap<(String, String, String), String> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(" | ").map(str::trim).collect();
            match fields.as_slice() {
                [pass, credential, operation, outcome] => Some((
                    (
                        (*pass).to_owned(),
                        (*credential).to_owned(),
                        (*operation).to_owned(),
                    ),
                    (*outcome).to_owned(),
                )),
                _ => None,
            }
        })
        .collect()
}

/// The differences between `cells` and the committed table, one line each; the committed cells
/// that did not run (a target without some rows) are not differences.
pub fn differences(
    cells: &[Cell],
    committed: &BTreeMap<(String, String, String), String>,
) -> Vec<String> {
    cells
        .iter()
        .filter_map(|cell| {
            let key = (
                cell.pass.to_owned(),
                cell.credential.to_owned(),
                cell.operation.to_owned(),
            );
            match committed.get(&key) {
                Some(expected) if *expected == cell.outcome => None,
                Some(expected) => Some(format!(
                    "{} | {} | {}: expected {expected}, got {}",
                    cell.pass, cell.credential, cell.operation, cell.outcome
                )),
                None => Some(format!(
                    "{} | {} | {}: not in the committed table (got {})",
                    cell.pass, cell.credential, cell.operation, cell.outcome
                )),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(credential: &'static str, outcome: &str) -> Cell {
        Cell {
            pass: "local auth on",
            credential,
            operation: "read account",
            outcome: outcome.to_owned(),
        }
    }

    #[test]
    fn a_rendered_table_reads_back_and_a_changed_cell_is_reported() {
        let committed = parse(&render(&[
            cell("master key, primary", "200"),
            cell("garbage", "401"),
        ]));
        assert_eq!(committed.len(), 2);
        assert!(differences(&[cell("garbage", "401")], &committed).is_empty());
        let changed = differences(&[cell("garbage", "200")], &committed);
        assert_eq!(
            changed,
            ["local auth on | garbage | read account: expected 401, got 200"]
        );
        let unknown = differences(&[cell("a new credential", "403")], &committed);
        assert!(
            unknown[0].contains("not in the committed table"),
            "{unknown:?}"
        );
    }
}
