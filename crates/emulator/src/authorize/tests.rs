//! The access rules, one scenario per test, without HTTP.

use axum::http::StatusCode;
use cosmolab_auth_signing::{ResourceTokenClaims, StringToSign};
use cosmolab_model::{PartitionKey, PermissionMode};

use super::*;

fn key(kind: KeyKind) -> Authenticated {
    Authenticated {
        caller: Caller::Key(kind),
        signed_payload: Some(StringToSign::new("post", "docs", "dbs/d/colls/c", "date")),
    }
}

fn token(resource: &str, mode: PermissionMode, partition: Option<&str>) -> Authenticated {
    Authenticated {
        caller: Caller::ResourceToken(ResourceTokenClaims {
            permission: "dbs/d/users/u/permissions/p".into(),
            user: "dbs/d/users/u".into(),
            resource: resource.into(),
            resource_partition_key: partition.map(PartitionKey::from),
            permission_mode: mode,
            issued_at: 0,
            expires_at: u64::MAX,
            key_generation: 0,
            token_id: "t".into(),
        }),
        signed_payload: None,
    }
}

fn op(link: &str, action: Action) -> Operation {
    let segments: Vec<String> = link
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    Operation {
        path: ResourcePath::from_segments(&segments).unwrap(),
        action,
    }
}

fn status(result: Result<()>) -> Option<StatusCode> {
    result.err().map(|error| error.status)
}

/// Read-write keys may do anything.
#[test]
fn read_write_keys_may_do_anything() {
    for kind in [KeyKind::Primary, KeyKind::Secondary] {
        assert!(
            authorize(
                &key(kind),
                &op("dbs/d/users/u/permissions", Action::Create),
                None
            )
            .is_ok()
        );
        assert!(authorize(&key(kind), &op("dbs", Action::Create), None).is_ok());
    }
}

/// Read-only keys read and query, but writes are 401 quoting the payload, like a wrong key.
#[test]
fn read_only_keys_read_but_do_not_write() {
    let who = key(KeyKind::PrimaryReadonly);
    assert!(authorize(&who, &op("dbs/d/colls/c/docs", Action::Query), None).is_ok());
    assert!(authorize(&who, &op("dbs/d/colls/c/docs/1", Action::Read), None).is_ok());
    assert!(authorize(&who, &op("dbs", Action::ReadFeed), None).is_ok());
    let error = authorize(&who, &op("dbs/d/colls/c/docs", Action::Create), None).unwrap_err();
    assert_eq!(error.status, StatusCode::UNAUTHORIZED);
    assert!(
        error
            .message
            .contains("Server used the following payload to sign")
    );
    assert!(error.deny_reason.unwrap().contains("primary read-only key"));
}

/// Read-only keys cannot even read users or permissions.
#[test]
fn read_only_keys_cannot_see_permissions() {
    let who = key(KeyKind::SecondaryReadonly);
    assert_eq!(
        status(authorize(
            &who,
            &op("dbs/d/users/u/permissions", Action::ReadFeed),
            None
        )),
        Some(StatusCode::UNAUTHORIZED)
    );
    assert_eq!(
        status(authorize(&who, &op("dbs/d/users", Action::ReadFeed), None)),
        Some(StatusCode::UNAUTHORIZED)
    );
}

/// A container token covers its documents, its own properties and ranges, and the account.
#[test]
fn container_tokens_cover_their_container() {
    let who = token("dbs/d/colls/c", PermissionMode::All, None);
    for (link, action) in [
        ("", Action::Read),
        ("dbs/d/colls/c", Action::Read),
        ("dbs/d/colls/c/pkranges", Action::ReadFeed),
        ("dbs/d/colls/c/docs", Action::Create),
        ("dbs/d/colls/c/docs", Action::Query),
        ("dbs/d/colls/c/docs/1", Action::Delete),
    ] {
        assert!(
            authorize(&who, &op(link, action), None).is_ok(),
            "{link} {action}"
        );
    }
}

/// A container token reaches nothing else: other containers (even with a common prefix),
/// listings, users, permissions, or deleting its own container.
#[test]
fn container_tokens_reach_nothing_else() {
    let who = token("dbs/d/colls/c", PermissionMode::All, None);
    for (link, action) in [
        ("dbs/d/colls/c2/docs/1", Action::Read),
        ("dbs/d/colls/c2", Action::Read),
        ("dbs", Action::ReadFeed),
        ("dbs/d", Action::Read),
        ("dbs/d/colls", Action::ReadFeed),
        ("dbs/d/users", Action::ReadFeed),
        ("dbs/d/users/u/permissions/p", Action::Read),
        ("dbs/d/colls/c", Action::Delete),
    ] {
        assert_eq!(
            status(authorize(&who, &op(link, action), None)),
            Some(StatusCode::FORBIDDEN),
            "{link} {action}"
        );
    }
}

/// A document token covers that document only.
#[test]
fn document_tokens_cover_one_document() {
    let who = token("dbs/d/colls/c/docs/1", PermissionMode::All, None);
    assert!(authorize(&who, &op("dbs/d/colls/c/docs/1", Action::Replace), None).is_ok());
    assert!(authorize(&who, &op("dbs/d/colls/c", Action::Read), None).is_ok());
    assert_eq!(
        status(authorize(
            &who,
            &op("dbs/d/colls/c/docs/2", Action::Read),
            None
        )),
        Some(StatusCode::FORBIDDEN)
    );
    assert_eq!(
        status(authorize(
            &who,
            &op("dbs/d/colls/c/docs", Action::Query),
            None
        )),
        Some(StatusCode::FORBIDDEN)
    );
}

/// A Read token reads and queries but does not write.
#[test]
fn read_tokens_do_not_write() {
    let who = token("dbs/d/colls/c", PermissionMode::Read, None);
    assert!(authorize(&who, &op("dbs/d/colls/c/docs", Action::Query), None).is_ok());
    let error = authorize(&who, &op("dbs/d/colls/c/docs", Action::Upsert), None).unwrap_err();
    assert_eq!(error.status, StatusCode::FORBIDDEN);
    assert!(error.deny_reason.unwrap().contains("mode Read"));
}

/// A partition-scoped token needs its partition on every request, including queries.
#[test]
fn partition_tokens_need_their_partition() {
    let who = token("dbs/d/colls/c", PermissionMode::All, Some("1"));
    let one = PartitionKey::from("1");
    let two = PartitionKey::from("2");
    assert!(authorize(&who, &op("dbs/d/colls/c/docs", Action::Query), Some(&one)).is_ok());
    assert!(authorize(&who, &op("dbs/d/colls/c", Action::Read), None).is_ok());
    let other = authorize(&who, &op("dbs/d/colls/c/docs/1", Action::Read), Some(&two)).unwrap_err();
    assert_eq!(
        other.deny_reason.unwrap(),
        r#"the resource token is scoped to partition ["1"], request targets ["2"]"#
    );
    let cross = authorize(&who, &op("dbs/d/colls/c/docs", Action::Query), None).unwrap_err();
    assert!(cross.deny_reason.unwrap().contains("cross-partition query"));
    assert_eq!(
        status(authorize(
            &who,
            &op("dbs/d/colls/c/docs", Action::ReadFeed),
            None
        )),
        Some(StatusCode::FORBIDDEN)
    );
}
