//! Every resource type reads and writes the exact JSON shapes recorded in the protocol notes
//! (`shared/docs/protocol-details.md` §3–§5): what the official SDK sends, and what it accepted.

use cosmolab_model::{
    ConsistencyLevel, Container, CosmosErrorBody, Database, DatabaseAccount, Document, ErrorCode,
    PartitionKey, PartitionKeyDefinition, PartitionKeyError, PartitionKeyRange, PartitionKeyValue,
    PartitionKind, Permission, PermissionMode, ResourceToken, User, error_code_name,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Reads `json` as a `T`, writes it back, and checks nothing was lost, added or changed.
fn round_trip<T: Serialize + DeserializeOwned>(json: &Value) -> T {
    let typed: T = serde_json::from_value(json.clone()).expect("the shape must deserialize");
    let written = serde_json::to_value(&typed).expect("the type must serialize");
    assert_eq!(
        &written, json,
        "the JSON changed on its way through the type"
    );
    typed
}

/// The account body recommended in §3.2 survives a round trip, with locations and consistency typed.
#[test]
fn account_round_trips_the_recommended_body() {
    let json = json!({
        "_self": "", "id": "localhost", "_rid": "localhost.documents.azure.com",
        "media": "//media/", "addresses": "//addresses/", "_dbs": "//dbs/",
        "writableLocations": [{"name": "South Central US", "databaseAccountEndpoint": "http://127.0.0.1:8081/"}],
        "readableLocations": [{"name": "South Central US", "databaseAccountEndpoint": "http://127.0.0.1:8081/"}],
        "enableMultipleWriteLocations": false,
        "userReplicationPolicy": {"asyncReplication": false, "minReplicaSetSize": 1, "maxReplicasetSize": 4},
        "userConsistencyPolicy": {"defaultConsistencyLevel": "Session"},
        "systemReplicationPolicy": {"minReplicaSetSize": 1, "maxReplicasetSize": 4},
        "readPolicy": {"primaryReadCoefficient": 1, "secondaryReadCoefficient": 1},
        "queryEngineConfiguration": "{\"maxSqlQueryInputLength\":262144,\"maxJoinsPerSqlQuery\":5}"
    });
    let account: DatabaseAccount = round_trip(&json);
    assert_eq!(account.id, "localhost");
    assert_eq!(
        account.readable_locations[0].database_account_endpoint,
        "http://127.0.0.1:8081/"
    );
    assert_eq!(
        account.user_consistency_policy.default_consistency_level,
        ConsistencyLevel::Session
    );
    assert_eq!(account.other["readPolicy"], json["readPolicy"]);
    assert!(!account.other.contains_key("_rid") && !account.other.contains_key("_dbs"));
}

/// `DatabaseAccount::new` writes the fields §4 says the SDK needs, advertising the given endpoint.
#[test]
fn account_new_advertises_the_endpoint_with_session_consistency() {
    let json = serde_json::to_value(DatabaseAccount::new("cosmolab", "http://localhost:8081/"))
        .expect("serializes");
    assert_eq!(json["id"], "cosmolab");
    assert_eq!(
        json["writableLocations"][0]["databaseAccountEndpoint"],
        "http://localhost:8081/"
    );
    assert_eq!(
        json["readableLocations"][0]["databaseAccountEndpoint"],
        "http://localhost:8081/"
    );
    assert_eq!(json["enableMultipleWriteLocations"], false);
    assert_eq!(
        json["userConsistencyPolicy"],
        json!({"defaultConsistencyLevel": "Session"})
    );
}

/// The five consistency levels read and write their wire names, and anything else is refused.
#[test]
fn consistency_levels_use_their_wire_names() {
    for level in ConsistencyLevel::ALL {
        assert_eq!(level.as_str().parse::<ConsistencyLevel>(), Ok(level));
        assert_eq!(
            serde_json::to_value(level).expect("serializes"),
            json!(level.as_str())
        );
    }
    let error = "session"
        .parse::<ConsistencyLevel>()
        .expect_err("names are case-sensitive");
    assert!(error.to_string().contains("\"session\""), "{error}");
}

/// A database request body stays `{"id"}` and the service's answer of §3.3 round-trips.
#[test]
fn database_round_trips_request_and_response() {
    let request: Database = round_trip(&json!({"id": "TestDB"}));
    assert_eq!(request, Database::new("TestDB"));

    let response: Database = round_trip(&json!({
        "id": "TestDB", "_rid": "Sl8fAA==", "_self": "dbs/Sl8fAA==/",
        "_etag": "\"00000001-0000-0000-0000-000000000000\"", "_ts": 1_795_423_302,
        "_colls": "colls/", "_users": "users/"
    }));
    assert_eq!(response.system.rid.as_deref(), Some("Sl8fAA=="));
    assert_eq!(
        response.system.etag.as_deref(),
        Some("\"00000001-0000-0000-0000-000000000000\""),
        "the etag keeps its quotes"
    );
    assert_eq!(response.containers_link.as_deref(), Some("colls/"));
}

/// The full container shape of §3.4 round-trips and its indexing policy is passed through unchanged.
#[test]
fn container_passes_policies_through_untouched() {
    let json = json!({
        "id": "TestContainer",
        "partitionKey": {"paths": ["/pk"], "kind": "Hash", "version": 2},
        "indexingPolicy": {
            "indexingMode": "consistent", "automatic": true,
            "includedPaths": [{"path": "/*"}], "excludedPaths": [{"path": "/\"_etag\"/?"}]
        },
        "conflictResolutionPolicy": {"mode": "LastWriterWins", "conflictResolutionPath": "/_ts", "conflictResolutionProcedure": ""},
        "geospatialConfig": {"type": "Geography"},
        "_rid": "Sl8fAPfMQ0I=", "_ts": 1_795_423_302, "_self": "dbs/Sl8fAA==/colls/Sl8fAPfMQ0I=/",
        "_etag": "\"00000002-0000-0000-0000-000000000000\"",
        "_docs": "docs/", "_sprocs": "sprocs/", "_triggers": "triggers/", "_udfs": "udfs/", "_conflicts": "conflicts/"
    });
    let container: Container = round_trip(&json);
    assert_eq!(container.partition_key, PartitionKeyDefinition::hash("/pk"));
    assert_eq!(container.other["indexingPolicy"], json["indexingPolicy"]);
    assert_eq!(
        container.other["geospatialConfig"],
        json["geospatialConfig"]
    );
    assert_eq!(container.documents_link.as_deref(), Some("docs/"));
    assert_eq!(
        container.other.keys().collect::<Vec<_>>(),
        [
            "conflictResolutionPolicy",
            "geospatialConfig",
            "indexingPolicy"
        ],
        "system properties and links stay out of the pass-through map"
    );
}

/// The create-container body the SDK sends (§3 step 6) is exactly what `Container::new` writes.
#[test]
fn container_new_writes_the_sdk_request_body() {
    let request = json!({"id": "my_container", "partitionKey": {"paths": ["/key"], "kind": "Hash", "version": 2}});
    let container: Container = round_trip(&request);
    assert_eq!(
        container,
        Container::new("my_container", PartitionKeyDefinition::hash("/key"))
    );
}

/// Hierarchical keys use `MultiHash`, and a definition without `version` stays without one.
#[test]
fn partition_key_definition_supports_multi_hash_and_missing_version() {
    let multi: PartitionKeyDefinition =
        round_trip(&json!({"paths": ["/tenant", "/user"], "kind": "MultiHash", "version": 2}));
    assert_eq!(
        multi,
        PartitionKeyDefinition::multi_hash(["/tenant", "/user"])
    );

    let legacy: PartitionKeyDefinition = round_trip(&json!({"paths": ["/pk"], "kind": "Hash"}));
    assert_eq!(legacy.kind, PartitionKind::Hash);
    assert_eq!(legacy.version, None);
}

/// A container body without a partition key, or with an unknown kind, is refused.
#[test]
fn container_requires_a_known_partition_key() {
    assert!(serde_json::from_value::<Container>(json!({"id": "c"})).is_err());
    assert!(
        serde_json::from_value::<Container>(
            json!({"id": "c", "partitionKey": {"paths": ["/pk"], "kind": "Spiral"}})
        )
        .is_err()
    );
}

/// A stored document keeps every client property, nested ones included, next to its system properties.
#[test]
fn document_round_trips_with_system_properties() {
    let document: Document = round_trip(&json!({
        "id": "1", "pk": "1", "v": 1, "nested": {"deep": [1, 2, {"x": null}]},
        "_rid": "Sl8fAPfMQ0IBAAAAAAAAAA==", "_self": "dbs/Sl8fAA==/colls/Sl8fAPfMQ0I=/docs/Sl8fAPfMQ0IBAAAAAAAAAA==/",
        "_etag": "\"00000003-0000-0000-0000-000000000000\"", "_attachments": "attachments/", "_ts": 1_795_423_303
    }));
    assert_eq!(document.id(), Some("1"));
    assert_eq!(
        document.body.len(),
        4,
        "system properties stay out of the body"
    );
    assert_eq!(document.attachments_link.as_deref(), Some("attachments/"));
    assert_eq!(document.system.ts, Some(1_795_423_303));
}

/// `id()` is `None` when the id is missing or not a string, so the emulator can answer 400.
#[test]
fn document_id_must_be_a_string() {
    let missing: Document = serde_json::from_value(json!({"pk": "1"})).expect("any object");
    let number: Document = serde_json::from_value(json!({"id": 7})).expect("any object");
    assert_eq!(missing.id(), None);
    assert_eq!(number.id(), None);
}

/// `value_at` walks `/a/b` paths through nested objects and reports missing values as `None`.
#[test]
fn document_value_at_follows_paths() {
    let document: Document =
        serde_json::from_value(json!({"id": "x", "a": {"b": {"c": 3}}, "list": [1]}))
            .expect("any object");
    assert_eq!(document.value_at("/id"), Some(&json!("x")));
    assert_eq!(document.value_at("/a/b/c"), Some(&json!(3)));
    assert_eq!(document.value_at("/a/missing"), None);
    assert_eq!(document.value_at("/list/0"), None, "arrays are not walked");
    assert_eq!(document.value_at("/"), None);
    assert_eq!(document.value_at(""), None);
}

/// A document's partition key has one component per path: present, `null`, or undefined.
#[test]
fn document_partition_key_follows_the_definition() {
    let document: Document =
        serde_json::from_value(json!({"id": "x", "tenant": "contoso", "user": {"name": null}}))
            .expect("any object");

    let single = document
        .partition_key(&PartitionKeyDefinition::hash("/tenant"))
        .expect("a string value");
    assert_eq!(single, PartitionKey::from("contoso"));

    let hierarchical = document
        .partition_key(&PartitionKeyDefinition::multi_hash([
            "/tenant",
            "/user/name",
            "/region",
        ]))
        .expect("string, null and missing values");
    assert_eq!(
        hierarchical,
        PartitionKey::new(vec![
            "contoso".into(),
            PartitionKeyValue::Null,
            PartitionKeyValue::Undefined,
        ])
    );
    assert_eq!(hierarchical.to_string(), r#"["contoso",null,{}]"#);

    let by_id = document
        .partition_key(&PartitionKeyDefinition::hash("/id"))
        .expect("the id is a string");
    assert_eq!(by_id, PartitionKey::from("x"));
}

/// An array or object at the partition-key path is an error, not a panic or a guess.
#[test]
fn document_partition_key_rejects_arrays_and_objects() {
    let document: Document =
        serde_json::from_value(json!({"id": "x", "pk": [1, 2]})).expect("any object");
    let error = document
        .partition_key(&PartitionKeyDefinition::hash("/pk"))
        .expect_err("an array is not a key");
    assert_eq!(
        error,
        PartitionKeyError::UnsupportedValue {
            position: 0,
            value: "[1,2]".to_owned()
        }
    );
}

/// A user request body stays `{"id"}`, and the service's answer of §3.5 keeps `_permissions`.
#[test]
fn user_round_trips_request_and_response() {
    let request: User = round_trip(&json!({"id": "Test User"}));
    assert_eq!(request, User::new("Test User"));

    let response: User = round_trip(&json!({
        "id": "Test User", "_rid": "Sl8fAGkUAQA=", "_ts": 1_795_423_302,
        "_self": "dbs/Sl8fAA==/users/Sl8fAGkUAQA=/", "_etag": "\"00000004-0000-0000-0000-000000000000\"",
        "_permissions": "permissions/"
    }));
    assert_eq!(response.permissions_link.as_deref(), Some("permissions/"));
}

/// Seed 000's permission request body round-trips with its `resourcePartitionKey` as a typed key.
#[test]
fn permission_request_keeps_the_resource_partition_key() {
    let permission: Permission = round_trip(&json!({
        "id": "p1", "permissionMode": "All",
        "resource": "dbs/my_database/colls/my_container", "resourcePartitionKey": ["1"]
    }));
    let mut expected = Permission::new(
        "p1",
        PermissionMode::All,
        "dbs/my_database/colls/my_container",
    );
    expected.resource_partition_key = Some(PartitionKey::from("1"));
    assert_eq!(permission, expected);
}

/// The permission response of §3.12 (#8) round-trips, `_token` included.
#[test]
fn permission_response_round_trips_with_its_token() {
    let permission: Permission = round_trip(&json!({
        "id": "perm1", "permissionMode": "Read", "resource": "dbs/TestDB/colls/TestContainer",
        "resourcePartitionKey": [{}],
        "_rid": "Sl8fAGkUAQBwYWNrZQ==", "_ts": 1_795_423_302,
        "_self": "dbs/Sl8fAA==/users/Sl8fAGkUAQA=/permissions/Sl8fAGkUAQBwYWNrZQ==/",
        "_etag": "\"00000005-0000-0000-0000-000000000000\"",
        "_token": "type=resource&ver=1.0&sig=BEmGZ47N=;eyJwIjogImRicy9UZXN0;"
    }));
    assert_eq!(permission.permission_mode, PermissionMode::Read);
    assert_eq!(
        permission.resource_partition_key,
        Some(PartitionKey::from(PartitionKeyValue::Undefined))
    );
    assert_eq!(
        permission.token.as_ref().map(ResourceToken::expose_secret),
        Some("type=resource&ver=1.0&sig=BEmGZ47N=;eyJwIjogImRicy9UZXN0;")
    );
}

/// A permission missing `permissionMode` or with an unknown mode is refused (the SDK would fail on it).
#[test]
fn permission_requires_a_known_mode() {
    assert!(serde_json::from_value::<Permission>(json!({"id": "p", "resource": "dbs/d"})).is_err());
    assert!(
        serde_json::from_value::<Permission>(
            json!({"id": "p", "permissionMode": "Write", "resource": "dbs/d"})
        )
        .is_err()
    );
}

/// Only `All` allows writes.
#[test]
fn only_mode_all_allows_writes() {
    assert!(PermissionMode::All.allows_writes());
    assert!(!PermissionMode::Read.allows_writes());
}

/// Neither a resource token nor a permission holding one prints the token in `Debug` output.
#[test]
fn resource_tokens_are_redacted_in_debug_output() {
    let secret = "type=resource&ver=1&sig=c2VjcmV0LXNpZ25hdHVyZQ==;cGF5bG9hZA==;";
    let mut permission = Permission::new("p1", PermissionMode::All, "dbs/d/colls/c");
    permission.token = Some(ResourceToken::new(secret));

    let printed = format!("{permission:?} {permission:#?}");
    assert!(!printed.contains("c2VjcmV0"), "{printed}");
    assert!(printed.contains("<redacted>"), "{printed}");
    assert_eq!(
        format!("{:?}", ResourceToken::new(secret)),
        "ResourceToken(<redacted>)"
    );
}

/// The fuller partition-key range of §4 round-trips, and the minimal one still reads.
#[test]
fn partition_key_range_round_trips() {
    let range: PartitionKeyRange = round_trip(&json!({
        "_rid": "Sl8fAPfMQ0ICAAAAAAAAUA==", "id": "0", "_etag": "\"00000006-0000-0000-0000-000000000000\"",
        "minInclusive": "", "maxExclusive": "FF", "ridPrefix": 0,
        "_self": "dbs/Sl8fAA==/colls/Sl8fAPfMQ0I=/pkranges/Sl8fAPfMQ0ICAAAAAAAAUA==/",
        "throughputFraction": 1, "status": "online", "parents": [], "_ts": 1_795_423_302, "_lsn": 1
    }));
    assert_eq!(range.max_exclusive, "FF");
    assert_eq!(range.other["_lsn"], 1);
    assert_eq!(
        range.other.len(),
        3,
        "only ridPrefix, throughputFraction and _lsn pass through"
    );

    let minimal: PartitionKeyRange =
        serde_json::from_value(json!({"id": "0", "minInclusive": "", "maxExclusive": "FF"}))
            .expect("the minimum the SDK accepts");
    assert!(minimal.parents.is_empty());
}

/// The single-partition answer covers `""` to upper-case `"FF"`, online, with no parents.
#[test]
fn whole_key_space_is_the_minimum_an_emulator_needs() {
    assert_eq!(
        serde_json::to_value(PartitionKeyRange::whole_key_space()).expect("serializes"),
        json!({"id": "0", "minInclusive": "", "maxExclusive": "FF", "parents": [], "status": "online"})
    );
}

/// The error body round-trips, with the service's `\r\nActivityId` suffix kept in the message.
#[test]
fn error_body_round_trips() {
    let body: CosmosErrorBody = round_trip(&json!({
        "code": "Forbidden",
        "message": "Insufficient permissions provided in the authorization header for the corresponding request. Please retry with another authorization header.\r\nActivityId: 7e6b5c1a-0000-0000-0000-000000000000, Microsoft.Azure.Documents.Common/2.7.0"
    }));
    assert_eq!(body.code, "Forbidden");

    let built = CosmosErrorBody::new(
        ErrorCode::Conflict,
        "Entity with the specified id already exists in the system.",
    );
    assert_eq!(
        serde_json::to_value(built).expect("serializes"),
        json!({"code": "Conflict", "message": "Entity with the specified id already exists in the system."})
    );
}

/// Each error status maps to the service's code name, and back.
#[test]
fn error_codes_map_to_and_from_statuses() {
    let expected = [
        (400, "BadRequest"),
        (401, "Unauthorized"),
        (403, "Forbidden"),
        (404, "NotFound"),
        (405, "MethodNotAllowed"),
        (408, "RequestTimeout"),
        (409, "Conflict"),
        (412, "PreconditionFailed"),
        (413, "RequestEntityTooLarge"),
        (429, "TooManyRequests"),
        (431, "RequestHeaderTooLarge"),
        (449, "RetryWith"),
        (500, "InternalServerError"),
        (503, "ServiceUnavailable"),
    ];
    for (status, name) in expected {
        assert_eq!(error_code_name(status), Some(name), "status {status}");
        let code = ErrorCode::from_status(status).expect("a known status");
        assert_eq!((code.status(), code.as_str()), (status, name));
        assert_eq!(code.to_string(), name);
    }
    assert_eq!(ErrorCode::ALL.len(), expected.len());
    for status in [0, 200, 201, 204, 304, 418, 599, u16::MAX] {
        assert_eq!(error_code_name(status), None, "status {status}");
    }
}

/// The Python SDK's own constants are the lower-case strings "all" and "read"; they are read as
/// the modes, and written back in the REST reference's spelling.
#[test]
fn permission_modes_are_read_without_regard_to_case() {
    use cosmolab_model::{Permission, PermissionMode};
    for (text, mode) in [
        ("all", PermissionMode::All),
        ("READ", PermissionMode::Read),
        ("Read", PermissionMode::Read),
    ] {
        let permission: Permission = serde_json::from_value(serde_json::json!({
            "id": "p", "permissionMode": text, "resource": "dbs/d/colls/c"
        }))
        .unwrap();
        assert_eq!(permission.permission_mode, mode);
    }
    let json = serde_json::to_value(PermissionMode::All).unwrap();
    assert_eq!(json, "All");
    assert!(serde_json::from_value::<PermissionMode>(serde_json::json!("write")).is_err());
}
