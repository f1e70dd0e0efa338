//! Entra ID against a running emulator (seed 004): an application is registered, gets a token from
//! the identity provider's token endpoint, and presents it as `type=aad&ver=1.0&sig=<jwt>`. Until
//! a role is assigned to it, every data request is refused with the service's RBAC 403.

use std::time::{Duration, SystemTime};

use cosmolab_auth_signing::{MasterKey, ResourceAddress, format_http_date};
use cosmolab_emulator::identity::DEFAULT_TENANT_ID;
use cosmolab_emulator::{Emulator, KeyKind};
use serde_json::{Value, json};

/// A request signed with `key`, as the admin API and Cosmos DB take them.
fn signed(
    client: &reqwest::Client,
    emulator: &Emulator,
    method: reqwest::Method,
    path: &str,
    key: &MasterKey,
) -> reqwest::RequestBuilder {
    // The query string is not part of what is signed.
    let address = ResourceAddress::from_path(path.split('?').next().unwrap()).unwrap();
    let date = format_http_date(SystemTime::now());
    let authorization = key.authorize(
        method.as_str(),
        address.resource_type(),
        &address.resource_link(),
        &date,
    );
    client
        .request(method, format!("{}{path}", emulator.endpoint()))
        .header("authorization", authorization)
        .header("x-ms-date", date)
        .header("x-ms-version", "2020-07-15")
}

/// Registers an application (primary key) and returns (client id, secret, object id).
async fn register(client: &reqwest::Client, emulator: &Emulator) -> (String, String, String) {
    let reply = signed(
        client,
        emulator,
        reqwest::Method::POST,
        "_cosmolab/identity/applications",
        &emulator.key(KeyKind::Primary),
    )
    .json(&json!({"displayName": "orders-api"}))
    .send()
    .await
    .unwrap();
    assert_eq!(reply.status(), 201);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["tenantId"], DEFAULT_TENANT_ID);
    (
        body["clientId"].as_str().unwrap().to_owned(),
        body["clientSecret"].as_str().unwrap().to_owned(),
        body["objectId"].as_str().unwrap().to_owned(),
    )
}

/// The client-credentials grant.
async fn token(
    client: &reqwest::Client,
    emulator: &Emulator,
    client_id: &str,
    secret: &str,
    scope: &str,
) -> reqwest::Response {
    client
        .post(format!(
            "{}{DEFAULT_TENANT_ID}/oauth2/v2.0/token",
            emulator.endpoint()
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", scope),
        ])
        .send()
        .await
        .unwrap()
}

async fn access_token(
    client: &reqwest::Client,
    emulator: &Emulator,
    client_id: &str,
    secret: &str,
    scope: &str,
) -> String {
    let reply = token(client, emulator, client_id, secret, scope).await;
    assert_eq!(reply.status(), 200);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    body["access_token"].as_str().unwrap().to_owned()
}

/// A data-plane request with an Entra token.
async fn with_token(
    client: &reqwest::Client,
    emulator: &Emulator,
    method: reqwest::Method,
    path: &str,
    jwt: &str,
) -> (u16, Value, Option<String>) {
    let reply = client
        .request(method, format!("{}{path}", emulator.endpoint()))
        .header("authorization", format!("type=aad&ver=1.0&sig={jwt}"))
        .header("x-ms-date", format_http_date(SystemTime::now()))
        .header("x-ms-version", "2020-07-15")
        .json(&json!({"id": "shop"}))
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    let reason = reply
        .headers()
        .get("x-cosmolab-deny-reason")
        .map(|value| value.to_str().unwrap().to_owned());
    (status, reply.json().await.unwrap_or(Value::Null), reason)
}

#[tokio::test]
async fn a_valid_token_authenticates_and_rbac_decides() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = reqwest::Client::new();
    let (client_id, secret, object_id) = register(&client, &emulator).await;
    let jwt = access_token(
        &client,
        &emulator,
        &client_id,
        &secret,
        "https://cosmos.azure.com/.default",
    )
    .await;

    // The account itself: any valid token may read it (the SDKs' first request).
    let (status, account, _) = with_token(&client, &emulator, reqwest::Method::GET, "", &jwt).await;
    assert_eq!(status, 200, "{account}");

    // Listing databases needs readMetadata; no role is assigned yet.
    let (status, body, reason) =
        with_token(&client, &emulator, reqwest::Method::GET, "dbs", &jwt).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "Forbidden");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("principal [{object_id}]")),
        "{message}"
    );
    assert!(
        message.contains("[Microsoft.DocumentDB/databaseAccounts/readMetadata]"),
        "{message}"
    );
    assert!(reason.unwrap().contains("no role assignment"));

    // Creating a database is a management operation: never with an Entra token.
    let (status, body, _) =
        with_token(&client, &emulator, reqwest::Method::POST, "dbs", &jwt).await;
    assert_eq!(status, 403);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("cannot be authorized by AAD token in data plane"),
        "{body}"
    );
    // Nothing was created.
    let listed = signed(
        &client,
        &emulator,
        reqwest::Method::GET,
        "dbs",
        &emulator.key(KeyKind::Primary),
    )
    .send()
    .await
    .unwrap()
    .json::<Value>()
    .await
    .unwrap();
    assert_eq!(listed["_count"], 0);
}

#[tokio::test]
async fn the_account_endpoint_is_an_audience_and_a_foreign_one_is_not() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = reqwest::Client::new();
    let (client_id, secret, _) = register(&client, &emulator).await;
    let own_scope = format!("{}.default", emulator.endpoint());
    let jwt = access_token(&client, &emulator, &client_id, &secret, &own_scope).await;
    let (status, _, _) = with_token(&client, &emulator, reqwest::Method::GET, "", &jwt).await;
    assert_eq!(status, 200);

    let graph = access_token(
        &client,
        &emulator,
        &client_id,
        &secret,
        "https://graph.microsoft.com/.default",
    )
    .await;
    let (status, body, reason) =
        with_token(&client, &emulator, reqwest::Method::GET, "", &graph).await;
    assert_eq!(status, 401, "{body}");
    assert!(reason.unwrap().contains("audience"));
}

#[tokio::test]
async fn an_expired_or_tampered_token_is_refused() {
    let emulator = Emulator::builder().time_travel(true).start().await.unwrap();
    let client = reqwest::Client::new();
    let (client_id, secret, _) = register(&client, &emulator).await;
    let jwt = access_token(
        &client,
        &emulator,
        &client_id,
        &secret,
        "https://cosmos.azure.com/.default",
    )
    .await;

    // One character in the middle of the signature (the last one may only carry padding bits).
    let at = jwt.len() - 10;
    let swapped = if &jwt[at..=at] == "A" { "B" } else { "A" };
    let tampered = format!("{}{swapped}{}", &jwt[..at], &jwt[at + 1..]);
    let (status, _, reason) =
        with_token(&client, &emulator, reqwest::Method::GET, "", &tampered).await;
    assert_eq!(status, 401);
    assert!(reason.unwrap().contains("signature"));

    assert!(emulator.advance_clock(Duration::from_secs(2 * 3600)));
    let (status, body, reason) =
        with_token(&client, &emulator, reqwest::Method::GET, "", &jwt).await;
    assert_eq!(status, 401, "{body}");
    assert!(reason.unwrap().contains("expired"));
}

#[tokio::test]
async fn the_token_endpoint_answers_like_entra() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = reqwest::Client::new();
    let (client_id, _, _) = register(&client, &emulator).await;

    let reply = token(
        &client,
        &emulator,
        &client_id,
        "a guess",
        "https://cosmos.azure.com/.default",
    )
    .await;
    assert_eq!(reply.status(), 401);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_codes"][0], 7000215);

    // Not a form at all.
    let reply = client
        .post(format!(
            "{}{DEFAULT_TENANT_ID}/oauth2/v2.0/token",
            emulator.endpoint()
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 400);

    // Discovery and keys, for any OIDC library.
    let config: Value = client
        .get(format!(
            "{}{DEFAULT_TENANT_ID}/v2.0/.well-known/openid-configuration",
            emulator.endpoint()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwks: Value = client
        .get(config["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    let unknown = client
        .get(format!(
            "{}another-tenant/discovery/v2.0/keys",
            emulator.endpoint()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn only_the_primary_key_registers_applications() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = reqwest::Client::new();
    let reply = signed(
        &client,
        &emulator,
        reqwest::Method::POST,
        "_cosmolab/identity/applications",
        &emulator.key(KeyKind::Secondary),
    )
    .json(&json!({}))
    .send()
    .await
    .unwrap();
    assert_eq!(reply.status(), 403);

    let (_, secret, _) = register(&client, &emulator).await;
    let listed: Value = signed(
        &client,
        &emulator,
        reqwest::Method::GET,
        "_cosmolab/identity/applications",
        &emulator.key(KeyKind::Primary),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        !listed.to_string().contains(&secret),
        "secrets are shown once"
    );
}

/// A request with an Entra token, extra headers and an optional JSON body; (status, body).
async fn entra_request(
    client: &reqwest::Client,
    emulator: &Emulator,
    method: reqwest::Method,
    path: &str,
    jwt: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client
        .request(method, format!("{}{path}", emulator.endpoint()))
        .header("authorization", format!("type=aad&ver=1.0&sig={jwt}"))
        .header("x-ms-date", format_http_date(SystemTime::now()))
        .header("x-ms-version", "2020-07-15");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

/// A PUT or DELETE on the RBAC admin API, with the primary key; the status.
async fn admin(
    client: &reqwest::Client,
    emulator: &Emulator,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = signed(
        client,
        emulator,
        method,
        path,
        &emulator.key(KeyKind::Primary),
    );
    if let Some(body) = body {
        request = request.json(&body);
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

/// Seed 004 end to end: the shop's data, an application, and roles assigned and removed.
#[tokio::test]
async fn role_assignments_decide_what_a_principal_may_do() {
    use reqwest::Method;
    let emulator = Emulator::builder().start().await.unwrap();
    let client = reqwest::Client::new();
    // The owner sets the scene with the primary key.
    for (path, body) in [
        ("dbs", json!({"id": "shop"})),
        (
            "dbs/shop/colls",
            json!({"id": "orders", "partitionKey": {"paths": ["/pk"], "kind": "Hash"}}),
        ),
        (
            "dbs/shop/colls",
            json!({"id": "payroll", "partitionKey": {"paths": ["/pk"], "kind": "Hash"}}),
        ),
    ] {
        let (status, body) = admin(&client, &emulator, Method::POST, path, Some(body)).await;
        assert_eq!(status, 201, "{body}");
    }
    let created = signed(
        &client,
        &emulator,
        Method::POST,
        "dbs/shop/colls/orders/docs",
        &emulator.key(KeyKind::Primary),
    )
    .header("x-ms-documentdb-partitionkey", r#"["a"]"#)
    .json(&json!({"id": "o1", "pk": "a"}))
    .send()
    .await
    .unwrap();
    assert_eq!(created.status(), 201);

    let (client_id, secret, object_id) = register(&client, &emulator).await;
    let jwt = access_token(
        &client,
        &emulator,
        &client_id,
        &secret,
        "https://cosmos.azure.com/.default",
    )
    .await;
    let pk = [("x-ms-documentdb-partitionkey", r#"["a"]"#)];
    let read_item = || {
        entra_request(
            &client,
            &emulator,
            Method::GET,
            "dbs/shop/colls/orders/docs/o1",
            &jwt,
            &pk,
            None,
        )
    };
    let query = || {
        entra_request(
            &client,
            &emulator,
            Method::POST,
            "dbs/shop/colls/orders/docs",
            &jwt,
            &[
                ("content-type", "application/query+json"),
                ("x-ms-documentdb-isquery", "true"),
                ("x-ms-documentdb-partitionkey", r#"["a"]"#),
            ],
            Some(json!({"query": "SELECT * FROM c"})),
        )
    };
    assert_eq!(read_item().await.0, 403, "no role yet");

    // The built-in Data Reader on the orders container.
    let reader = json!({"properties": {
        "roleDefinitionId": "00000000-0000-0000-0000-000000000001",
        "scope": "/dbs/shop/colls/orders",
        "principalId": object_id,
    }});
    let (status, body) = admin(
        &client,
        &emulator,
        Method::PUT,
        "_cosmolab/sqlRoleAssignments/reader-on-orders",
        Some(reader),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(read_item().await.0, 200);
    assert_eq!(query().await.0, 200);
    let (status, body) = entra_request(
        &client,
        &emulator,
        Method::POST,
        "dbs/shop/colls/orders/docs",
        &jwt,
        &pk,
        Some(json!({"id": "o2", "pk": "a"})),
    )
    .await;
    assert_eq!(status, 403, "a reader does not write");
    assert!(
        body["message"].as_str().unwrap().contains("items/create"),
        "{body}"
    );
    let (status, _) = entra_request(
        &client,
        &emulator,
        Method::GET,
        "dbs/shop/colls/payroll/docs",
        &jwt,
        &[],
        None,
    )
    .await;
    assert_eq!(status, 403, "the scope is one container, not its neighbour");
    let (status, _) = entra_request(&client, &emulator, Method::GET, "dbs", &jwt, &[], None).await;
    assert_eq!(
        status, 403,
        "listing databases needs readMetadata on the account"
    );

    // A custom role that may only point-read, at the database: reads work, queries do not.
    let (status, body) = admin(
        &client,
        &emulator,
        Method::PUT,
        "_cosmolab/sqlRoleDefinitions/point-reader",
        Some(json!({"properties": {
            "roleName": "Point reader",
            "type": "CustomRole",
            "assignableScopes": ["/dbs/shop"],
            "permissions": [{"dataActions": [
                "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read"
            ]}],
        }})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = admin(
        &client,
        &emulator,
        Method::DELETE,
        "_cosmolab/sqlRoleAssignments/reader-on-orders",
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = admin(
        &client,
        &emulator,
        Method::PUT,
        "_cosmolab/sqlRoleAssignments/point-reader-on-shop",
        Some(json!({"properties": {
            "roleDefinitionId": "/_cosmolab/sqlRoleDefinitions/point-reader",
            "scope": "/dbs/shop",
            "principalId": object_id,
        }})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(read_item().await.0, 200);
    let (status, body) = query().await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("executeQuery"),
        "{body}"
    );

    // An assignment outside the role's assignable scopes is a 400.
    let (status, body) = admin(
        &client,
        &emulator,
        Method::PUT,
        "_cosmolab/sqlRoleAssignments/too-wide",
        Some(json!({"properties": {
            "roleDefinitionId": "point-reader",
            "scope": "/",
            "principalId": object_id,
        }})),
    )
    .await;
    assert_eq!(status, 400, "{body}");

    // Deleted: refused again at once.
    admin(
        &client,
        &emulator,
        Method::DELETE,
        "_cosmolab/sqlRoleAssignments/point-reader-on-shop",
        None,
    )
    .await;
    assert_eq!(read_item().await.0, 403);
}

/// `disableLocalAuth`: keys and resource tokens are refused on the data plane, Entra tokens still
/// work, and the admin API (Resource Manager's stand-in) still takes the primary key.
#[tokio::test]
async fn disable_local_auth_leaves_only_entra_tokens() {
    use reqwest::Method;
    let emulator = Emulator::builder().start().await.unwrap();
    let client = reqwest::Client::new();
    let (client_id, secret, object_id) = register(&client, &emulator).await;
    let (status, _) = admin(
        &client,
        &emulator,
        Method::PUT,
        "_cosmolab/sqlRoleAssignments/contributor",
        Some(json!({"properties": {
            "roleDefinitionId": "00000000-0000-0000-0000-000000000002",
            "scope": "/",
            "principalId": object_id,
        }})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = admin(
        &client,
        &emulator,
        Method::PATCH,
        "_cosmolab/account",
        Some(json!({"properties": {"disableLocalAuth": true}})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["properties"]["disableLocalAuth"], true);

    let (status, body) = admin(&client, &emulator, Method::GET, "dbs", None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["message"],
        "Local Authorization is disabled. Use an AAD token to authorize all requests."
    );
    let jwt = access_token(
        &client,
        &emulator,
        &client_id,
        &secret,
        "https://cosmos.azure.com/.default",
    )
    .await;
    let (status, body) =
        entra_request(&client, &emulator, Method::GET, "dbs", &jwt, &[], None).await;
    assert_eq!(status, 200, "{body}");

    admin(
        &client,
        &emulator,
        Method::PATCH,
        "_cosmolab/account",
        Some(json!({"properties": {"disableLocalAuth": false}})),
    )
    .await;
    assert_eq!(
        admin(&client, &emulator, Method::GET, "dbs", None).await.0,
        200
    );
}

/// The audit log names the Entra principal, the assignment that allowed a request, and the rule
/// that refused one; it holds no secret.
#[tokio::test]
async fn the_audit_log_records_principals_assignments_and_refusals() {
    use reqwest::Method;
    let dir = std::env::temp_dir().join(format!("cosmolab-entra-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("audit.jsonl");
    let emulator = Emulator::builder().audit_log(&file).start().await.unwrap();
    let client = reqwest::Client::new();
    let (client_id, secret, object_id) = register(&client, &emulator).await;
    admin(
        &client,
        &emulator,
        Method::PUT,
        "_cosmolab/sqlRoleAssignments/reader-everywhere",
        Some(json!({"properties": {
            "roleDefinitionId": "00000000-0000-0000-0000-000000000001",
            "scope": "/",
            "principalId": object_id,
        }})),
    )
    .await;
    let jwt = access_token(
        &client,
        &emulator,
        &client_id,
        &secret,
        "https://cosmos.azure.com/.default",
    )
    .await;
    assert_eq!(
        entra_request(&client, &emulator, Method::GET, "dbs", &jwt, &[], None)
            .await
            .0,
        200
    );
    assert_eq!(
        entra_request(
            &client,
            &emulator,
            Method::POST,
            "dbs",
            &jwt,
            &[],
            Some(json!({"id": "x"}))
        )
        .await
        .0,
        403
    );
    assert_eq!(
        admin(&client, &emulator, Method::GET, "dbs", None).await.0,
        200
    );

    let (status, records) = admin(
        &client,
        &emulator,
        Method::GET,
        &format!("_cosmolab/audit?principal={object_id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[0]["operation"], "ReadFeed");
    assert_eq!(records[0]["authType"], "aad");
    assert_eq!(
        records[0]["aadAppliedRoleAssignmentId"],
        "reader-everywhere"
    );
    assert_eq!(records[1]["statusCode"], 403);
    assert_eq!(records[1]["operation"], "Create");
    assert!(records[1]["denyReason"].as_str().unwrap().contains("Entra"));

    let (_, denied) = admin(
        &client,
        &emulator,
        Method::GET,
        "_cosmolab/audit?denied=true",
        None,
    )
    .await;
    assert_eq!(denied.as_array().unwrap().len(), 1);

    // The file has the same, one line each, and nothing secret.
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(text.contains(r#""keyKind":"primary""#), "{text}");
    let primary = emulator.key(KeyKind::Primary).reveal_base64();
    for secret_text in [primary.as_str(), jwt.as_str(), secret.as_str(), "sig="] {
        assert!(!text.contains(secret_text));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The tenant is a setting: its id is in every endpoint path and every token.
#[tokio::test]
async fn the_tenant_is_configurable() {
    let emulator = Emulator::builder()
        .tenant_id("contoso-test")
        .start()
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let config: Value = client
        .get(format!(
            "{}contoso-test/v2.0/.well-known/openid-configuration",
            emulator.endpoint()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        config["issuer"]
            .as_str()
            .unwrap()
            .ends_with("/contoso-test/v2.0"),
        "{config}"
    );
    let default_tenant = client
        .get(format!(
            "{}{DEFAULT_TENANT_ID}/discovery/v2.0/keys",
            emulator.endpoint()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(default_tenant.status(), 404);
}

/// The command line drives the same API: register an application, assign it a role, remove it.
#[tokio::test(flavor = "multi_thread")]
async fn the_command_line_registers_applications_and_assigns_roles() {
    let emulator = Emulator::builder().start().await.unwrap();
    let endpoint = emulator.endpoint().to_owned();
    let run = move |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_cosmolab-emulator"))
            .args(args)
            .args(["--endpoint", &endpoint])
            .env_remove("COSMOLAB_PRIMARY_KEY")
            .env("RUST_BACKTRACE", "0")
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, out, err) = tokio::task::spawn_blocking({
        let run = run.clone();
        move || run(&["apps", "register", "--name", "orders-api"])
    })
    .await
    .unwrap();
    assert!(ok, "{err}");
    assert!(err.contains("shown this once"), "{err}");
    let app: Value = serde_json::from_str(out.trim()).unwrap();
    let object_id = app["objectId"].as_str().unwrap().to_owned();

    let (ok, out, err) = tokio::task::spawn_blocking({
        let run = run.clone();
        let object_id = object_id.clone();
        move || {
            run(&[
                "roles",
                "assign",
                "a1",
                "--role",
                "00000000-0000-0000-0000-000000000001",
                "--scope",
                "/dbs/shop",
                "--principal",
                &object_id,
            ])
        }
    })
    .await
    .unwrap();
    assert!(ok, "{err}");
    assert!(out.contains(r#""scope":"/dbs/shop""#), "{out}");

    let (ok, _, err) = tokio::task::spawn_blocking({
        let run = run.clone();
        move || {
            run(&[
                "roles",
                "assign",
                "a2",
                "--role",
                "nope",
                "--scope",
                "/",
                "--principal",
                "p",
            ])
        }
    })
    .await
    .unwrap();
    assert!(!ok);
    assert!(err.contains("does not exist"), "{err}");

    let (ok, out, _) = tokio::task::spawn_blocking({
        let run = run.clone();
        move || {
            assert!(run(&["roles", "unassign", "a1"]).0);
            run(&["roles", "assignments"])
        }
    })
    .await
    .unwrap();
    assert!(ok);
    assert_eq!(out.trim(), r#"{"value":[]}"#);
}
