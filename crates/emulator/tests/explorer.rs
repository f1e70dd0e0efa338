//! The explorer's pages and actions, driven through the router without a socket
//! (`tower::ServiceExt::oneshot`), as a browser on this machine would: GET pages, POST HTML forms
//! with the explorer's own `Origin`, follow the `303 See Other` after an action.
//!
//! Each test is one scenario a learner goes through on the pages. Every test uses its own
//! database names: the expiry of the last minted token is remembered per process, by link.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use cosmolab_auth_signing::{ResourceAddress, encode_header_value, format_http_date};
use cosmolab_emulator::audit::AuditFilter;
use cosmolab_emulator::explorer::ExplorerAccess;
use cosmolab_emulator::explorer::api::ExplorerClient;
use cosmolab_emulator::{AccountKeys, AppState, EmulatorState, KeyKind, Settings, app};
use cosmolab_model::{DATA_CONTRIBUTOR_ROLE_ID, RoleAssignmentProperties};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::json;
use tower::ServiceExt as _;

/// The host a browser on this machine names.
const HOST: &str = "127.0.0.1:8081";

/// One emulator with its explorer open to this machine.
struct Explorer {
    state: AppState,
}

/// A page as the browser receives it.
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    html: String,
}

impl Page {
    /// Where a `303 See Other` sends the browser.
    fn location(&self) -> &str {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{}", self.html);
        self.headers["location"].to_str().unwrap()
    }

    /// The page's text with the HTML escapes undone, for checking what a reader sees.
    fn text(&self) -> String {
        unescape(&self.html)
    }
}

/// Undoes maud's escapes.
fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// `application/x-www-form-urlencoded`, as a browser sends a form.
fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(name, value)| {
            format!(
                "{}={}",
                utf8_percent_encode(name, NON_ALPHANUMERIC),
                utf8_percent_encode(value, NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl Explorer {
    fn new() -> Self {
        Self::with_access(ExplorerAccess::Loopback)
    }

    fn with_access(explorer: ExplorerAccess) -> Self {
        let state = Arc::new(EmulatorState::new(
            AccountKeys::new(None, None, None, None),
            Settings {
                explorer,
                ..Settings::default()
            },
        ));
        Self { state }
    }

    /// A Cosmos DB client with the primary key: "another client" in a scenario.
    fn cosmos(&self) -> ExplorerClient {
        ExplorerClient::new(self.state.clone())
    }

    fn key(&self, kind: KeyKind) -> String {
        self.state.keys().key(kind).reveal_base64()
    }

    async fn send(&self, request: Request<Body>) -> Page {
        let response = app(self.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Page {
            status,
            headers,
            html: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    /// `GET path` from a browser on this machine.
    async fn get(&self, path: &str) -> Page {
        let request = Request::get(path).header("host", HOST);
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// A form sent from one of the explorer's pages.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_from(path, fields, &format!("http://{HOST}"))
            .await
    }

    /// A form sent from a page of `origin`.
    async fn post_from(&self, path: &str, fields: &[(&str, &str)], origin: &str) -> Page {
        let request = Request::post(path)
            .header("host", HOST)
            .header("origin", origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form(fields)))
            .unwrap();
        self.send(request).await
    }

    /// Sends a form and follows the redirect that answers it.
    async fn post_and_follow(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let answer = self.post(path, fields).await;
        let page = self.get(answer.location()).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        page
    }

    /// A database and a container partitioned on `partition_key_path`, through the forms.
    async fn seed(&self, database: &str, container: &str, partition_key_path: &str) {
        let created = self.post("/_explorer/dbs", &[("id", database)]).await;
        assert_eq!(
            created.location(),
            format!("/_explorer/dbs/{database}?done=created")
        );
        let created = self
            .post(
                &format!("/_explorer/dbs/{database}/colls"),
                &[
                    ("id", container),
                    ("partition_key_path", partition_key_path),
                ],
            )
            .await;
        assert_eq!(
            created.location(),
            format!("/_explorer/dbs/{database}/colls/{container}?done=created")
        );
    }

    /// Creates an item through the new-item form; answers where the explorer sent the browser.
    async fn create_item(
        &self,
        database: &str,
        container: &str,
        item: serde_json::Value,
    ) -> String {
        let path = format!("/_explorer/dbs/{database}/colls/{container}/docs");
        let answer = self.post(&path, &[("json", &item.to_string())]).await;
        answer.location().to_owned()
    }

    /// A request made with a resource token, as a client given it would make it.
    async fn with_token(&self, path: &str, token: &str, partition_key: &str) -> StatusCode {
        let request = Request::get(path)
            .header("host", HOST)
            .header("authorization", encode_header_value(token))
            .header("x-ms-date", format_http_date(SystemTime::now()))
            .header("x-ms-version", "2020-07-15")
            .header("x-ms-documentdb-partitionkey", partition_key)
            .body(Body::empty())
            .unwrap();
        self.send(request).await.status
    }
}

/// The text between `start` and the next `end` in `html`.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in {html}"))
        + start.len();
    let to = html[from..].find(end).unwrap() + from;
    &html[from..to]
}

/// Without an explorer its routes are 404; a foreign `Host` (DNS rebinding) is 403; a form posted
/// from another site (cross-site request forgery) is 403 and changes nothing.
#[tokio::test]
async fn the_guard_refuses_what_it_must() {
    let off = Explorer::with_access(ExplorerAccess::Off);
    assert_eq!(
        off.get("/_explorer/dbs").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        off.get("/_explorer/keys").await.status,
        StatusCode::NOT_FOUND
    );

    let explorer = Explorer::new();
    let rebinding = Request::get("/_explorer/dbs")
        .header("host", "evil.example")
        .body(Body::empty())
        .unwrap();
    let refused = explorer.send(rebinding).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.html.contains("DNS rebinding"));

    let forged = explorer
        .post_from(
            "/_explorer/dbs",
            &[("id", "forged")],
            "https://evil.example",
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.html.contains("cross-site request forgery"));
    assert_eq!(
        explorer.cosmos().get("/dbs/forged").await.status,
        StatusCode::NOT_FOUND
    );
    let primary = explorer.key(KeyKind::Primary);
    let forged = explorer
        .post_from(
            "/_explorer/keys/regenerate",
            &[("kind", "primary")],
            "https://evil.example",
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(explorer.key(KeyKind::Primary), primary);
}

/// Databases and containers: listed, created through the forms, refused with the service's
/// message (a duplicate, a container without a partition key), deleted.
#[tokio::test]
async fn databases_and_containers_are_created_listed_and_deleted() {
    let explorer = Explorer::new();
    let empty = explorer.get("/_explorer/dbs").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.html.contains("No databases yet"));

    let created = explorer
        .post_and_follow("/_explorer/dbs", &[("id", "shop")])
        .await;
    assert!(
        created
            .html
            .contains("Created: the service answered 201 Created.")
    );
    assert!(created.html.contains("No containers yet"));

    let container = explorer
        .post_and_follow(
            "/_explorer/dbs/shop/colls",
            &[("id", "orders"), ("partition_key_path", "/customer/id")],
        )
        .await;
    assert!(container.html.contains("/customer/id"));
    assert!(container.html.contains("No items on this page"));

    let list = explorer.get("/_explorer/dbs").await;
    assert!(list.html.contains(r#"href="/_explorer/dbs/shop""#));
    let database = explorer.get("/_explorer/dbs/shop").await;
    assert!(
        database
            .html
            .contains(r#"href="/_explorer/dbs/shop/colls/orders""#)
    );
    assert!(database.html.contains("/customer/id"));

    // Refusals re-render the page with the service's status and message.
    let duplicate = explorer.post("/_explorer/dbs", &[("id", "shop")]).await;
    assert_eq!(duplicate.status, StatusCode::OK);
    assert!(
        duplicate.html.contains("409 Conflict"),
        "{}",
        duplicate.html
    );
    let no_key = explorer
        .post(
            "/_explorer/dbs/shop/colls",
            &[("id", "loose"), ("partition_key_path", "")],
        )
        .await;
    assert!(
        no_key
            .text()
            .contains("A partition key definition is required")
    );
    assert!(
        no_key.html.contains(r#"value="loose""#),
        "the id typed is kept"
    );

    let deleted = explorer
        .post_and_follow("/_explorer/dbs/shop/colls/orders/delete", &[])
        .await;
    assert!(deleted.html.contains("Deleted"));
    assert!(!deleted.html.contains("/_explorer/dbs/shop/colls/orders\""));
    let deleted = explorer.post("/_explorer/dbs/shop/delete", &[]).await;
    assert_eq!(deleted.location(), "/_explorer/dbs?done=deleted");
    assert_eq!(
        explorer.get("/_explorer/dbs/shop").await.status,
        StatusCode::NOT_FOUND
    );
}

/// An item's life: created from JSON (its partition key read from a nested path, or undefined),
/// shown, edited with If-Match, a stale edit refused with the service's 412, an edit that moves
/// the partition key refused with its 400, invalid JSON never sent, deleted.
#[tokio::test]
async fn items_are_created_viewed_edited_and_deleted() {
    let explorer = Explorer::new();
    explorer.seed("crm", "orders", "/customer/id").await;

    let location = explorer
        .create_item(
            "crm",
            "orders",
            json!({"id": "o1", "customer": {"id": "c1"}, "total": 5}),
        )
        .await;
    assert_eq!(
        location,
        "/_explorer/dbs/crm/colls/orders/docs/o1?pk=%5B%22c1%22%5D&done=created"
    );
    let item = explorer.get(&location).await;
    assert_eq!(item.status, StatusCode::OK);
    assert!(item.text().contains(r#""total": 5"#));
    assert!(item.html.contains("Created"));

    // No value at the path: the undefined partition, as the emulator files it.
    let undefined = explorer
        .create_item("crm", "orders", json!({"id": "o2"}))
        .await;
    assert!(undefined.contains("pk=%5B%7B%7D%5D"), "{undefined}");
    assert_eq!(explorer.get(&undefined).await.status, StatusCode::OK);

    // The container page lists both, with their partition keys.
    let listing = explorer.get("/_explorer/dbs/crm/colls/orders").await;
    assert!(listing.text().contains(r#"["c1"]"#));
    assert!(listing.text().contains("[{}]"));

    // An edit, with the _etag it was read with.
    let page = "/_explorer/dbs/crm/colls/orders/docs/o1";
    let etag = explorer
        .cosmos()
        .send(
            Method::GET,
            "/dbs/crm/colls/orders/docs/o1",
            &[("x-ms-documentdb-partitionkey", r#"["c1"]"#)],
            None,
        )
        .await
        .body["_etag"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(item.text().contains(&etag), "the page carries the _etag");
    let edit = json!({"id": "o1", "customer": {"id": "c1"}, "total": 6}).to_string();
    let saved = explorer
        .post_and_follow(
            page,
            &[("json", &edit), ("pk", r#"["c1"]"#), ("etag", &etag)],
        )
        .await;
    assert!(saved.text().contains(r#""total": 6"#));
    assert!(saved.html.contains("Saved"));

    // Another client changes the item; the edit made from the older version is refused.
    let current = explorer
        .cosmos()
        .send(
            Method::GET,
            "/dbs/crm/colls/orders/docs/o1",
            &[("x-ms-documentdb-partitionkey", r#"["c1"]"#)],
            None,
        )
        .await
        .body["_etag"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = json!({"id": "o1", "customer": {"id": "c1"}, "total": 7});
    let changed = explorer
        .cosmos()
        .send(
            Method::PUT,
            "/dbs/crm/colls/orders/docs/o1",
            &[
                ("x-ms-documentdb-partitionkey", r#"["c1"]"#),
                ("content-type", "application/json"),
            ],
            Some(&other),
        )
        .await;
    assert!(changed.ok());
    let stale = json!({"id": "o1", "customer": {"id": "c1"}, "total": 8}).to_string();
    let refused = explorer
        .post(
            page,
            &[("json", &stale), ("pk", r#"["c1"]"#), ("etag", &current)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    let text = refused.text();
    assert!(text.contains("412 Precondition Failed"), "{text}");
    assert!(text.contains("One of the specified pre-condition is not met."));
    assert!(
        text.contains(r#""total": 7"#),
        "the version that won is shown"
    );
    assert!(
        text.contains(r#""total":8"#),
        "the edit is kept in the form"
    );

    // Moving the item to another partition by an edit: the service's 400.
    let moved = json!({"id": "o1", "customer": {"id": "c2"}}).to_string();
    let refused = explorer
        .post(page, &[("json", &moved), ("pk", r#"["c1"]"#), ("etag", "")])
        .await;
    assert!(refused.text().contains("400 Bad Request"));
    assert!(
        refused
            .text()
            .contains("doesn't match the one specified in the header")
    );

    // JSON that does not parse is never sent.
    let before = explorer.state.audit.read(&AuditFilter::default()).len();
    let invalid = explorer
        .post(
            page,
            &[("json", "{\"id\": "), ("pk", r#"["c1"]"#), ("etag", "")],
        )
        .await;
    assert!(invalid.text().contains("This is not valid JSON"));
    let sent: Vec<_> = explorer.state.audit.read(&AuditFilter::default())[before..]
        .iter()
        .filter(|record| record.operation == "Replace")
        .cloned()
        .collect();
    assert!(sent.is_empty(), "nothing was replaced: {sent:?}");
    let invalid = explorer
        .post("/_explorer/dbs/crm/colls/orders/docs", &[("json", "[1,")])
        .await;
    assert!(invalid.text().contains("This is not valid JSON"));
    assert!(invalid.text().contains("[1,"), "the text typed is kept");

    // Deleted: back to the container, and the item is gone.
    let deleted = explorer
        .post(&format!("{page}/delete"), &[("pk", r#"["c1"]"#)])
        .await;
    assert_eq!(
        deleted.location(),
        "/_explorer/dbs/crm/colls/orders?done=deleted"
    );
    let gone = explorer.get(&format!("{page}?pk=%5B%22c1%22%5D")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(
        gone.text()
            .contains("Entity with the specified id does not exist")
    );
}

/// A query runs across partitions and shows its results as JSON; a syntax error shows the
/// service's message.
#[tokio::test]
async fn queries_show_results_and_the_services_errors() {
    let explorer = Explorer::new();
    explorer.seed("stats", "scores", "/player").await;
    for (id, player, points) in [("s1", "ann", 3), ("s2", "bob", 9), ("s3", "cy", 12)] {
        explorer
            .create_item(
                "stats",
                "scores",
                json!({"id": id, "player": player, "points": points}),
            )
            .await;
    }
    let query = utf8_percent_encode(
        "SELECT c.id FROM c WHERE c.points > 5 ORDER BY c.points",
        NON_ALPHANUMERIC,
    );
    let results = explorer
        .get(&format!("/_explorer/dbs/stats/colls/scores?q={query}"))
        .await;
    assert_eq!(results.status, StatusCode::OK);
    let text = results.text();
    assert!(text.contains("2 result(s)"), "{text}");
    assert!(text.contains(r#""id": "s2""#) && text.contains(r#""id": "s3""#));
    assert!(!text.contains(r#""id": "s1""#));

    let broken = utf8_percent_encode("SELEC * FRM c", NON_ALPHANUMERIC);
    let refused = explorer
        .get(&format!("/_explorer/dbs/stats/colls/scores?q={broken}"))
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(
        refused
            .text()
            .contains("The query was refused: the service answered 400 Bad Request")
    );
}

/// A container's scripts page: a stored procedure created from the form, its source shown, run
/// in a partition with its answer and console output; a throwing run shows the service's 400 and
/// writes nothing.
#[tokio::test]
async fn stored_procedures_are_created_and_run() {
    let explorer = Explorer::new();
    explorer.seed("shop", "orders", "/customer").await;
    let scripts = "/_explorer/dbs/shop/colls/orders/scripts";
    let empty = explorer.get(scripts).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.text().contains("None yet."));

    let source = "function place(id, fail) { console.log('placing', id); \
                  var c = getContext().getCollection(); \
                  c.createDocument(c.getSelfLink(), {id: id, customer: 'contoso'}, function (err) { \
                  if (err) throw err; if (fail) throw new Error('no stock'); \
                  getContext().getResponse().setBody({placed: id}); }); }";
    let created = explorer
        .post(
            &format!("{scripts}/sprocs"),
            &[("id", "place"), ("body", source)],
        )
        .await;
    let text = created.text();
    assert!(text.contains("Stored procedure 'place' created."), "{text}");
    assert!(
        text.contains("console.log('placing', id)"),
        "the source is shown"
    );

    let ran = explorer
        .post(
            &format!("{scripts}/sprocs/place/run"),
            &[("pk", "contoso"), ("args", r#"["o1", false]"#)],
        )
        .await;
    let text = ran.text();
    assert!(
        text.contains(r#"Ran 'place' in partition <code>["contoso"]</code>"#),
        "{text}"
    );
    assert!(text.contains(r#""placed": "o1""#), "{text}");
    assert!(text.contains("placing o1"), "the console output: {text}");

    let thrown = explorer
        .post(
            &format!("{scripts}/sprocs/place/run"),
            &[("pk", "contoso"), ("args", r#"["o2", true]"#)],
        )
        .await;
    let text = thrown.text();
    assert!(
        text.contains("Running 'place' was refused: the service answered 400 Bad Request"),
        "{text}"
    );
    assert!(text.contains("Error: no stock"), "{text}");
    let items = explorer
        .get("/_explorer/dbs/shop/colls/orders")
        .await
        .text();
    assert!(items.contains("o1") && !items.contains("o2"), "{items}");
}

/// Items come a page at a time; "next page" sends the service's continuation back, and the
/// pages together hold every item once.
#[tokio::test]
async fn items_are_paged_with_the_continuation() {
    let explorer = Explorer::new();
    explorer.seed("paging", "things", "/id").await;
    let ids: BTreeSet<String> = (1..=5).map(|n| format!("thing-{n}")).collect();
    for id in &ids {
        explorer
            .create_item("paging", "things", json!({"id": id}))
            .await;
    }
    let mut seen = BTreeSet::new();
    let mut next = Some("/_explorer/dbs/paging/colls/things?size=2".to_owned());
    let mut pages = 0;
    while let Some(link) = next {
        let page = explorer.get(&link).await;
        assert_eq!(page.status, StatusCode::OK);
        pages += 1;
        let on_page: Vec<&String> = ids
            .iter()
            .filter(|id| page.html.contains(&format!(">{id}</a>")))
            .collect();
        assert!(on_page.len() <= 2, "{on_page:?}");
        seen.extend(on_page.into_iter().cloned());
        next = page.html.contains("Next page").then(|| {
            let anchor = page.html[..page.html.find("Next page").unwrap()]
                .rfind("href=\"")
                .unwrap();
            unescape(between(&page.html[anchor..], "href=\"", "\""))
        });
        if let Some(link) = &next {
            assert!(link.contains("continuation="), "{link}");
            assert!(link.contains("size=2"), "{link}");
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
}

/// Item contents are untrusted: a `<script>` in an item shows as text on every page.
#[tokio::test]
async fn item_contents_are_escaped() {
    let explorer = Explorer::new();
    explorer.seed("hostile", "notes", "/id").await;
    let location = explorer
        .create_item(
            "hostile",
            "notes",
            json!({"id": "n1", "text": "<script>alert(1)</script>"}),
        )
        .await;
    let query = utf8_percent_encode("SELECT * FROM c", NON_ALPHANUMERIC);
    for path in [
        location,
        "/_explorer/dbs/hostile/colls/notes".to_owned(),
        format!("/_explorer/dbs/hostile/colls/notes?q={query}"),
    ] {
        let page = explorer.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.html.contains("<script>alert"),
            "{path}: {}",
            page.html
        );
        assert!(page.html.contains("&lt;script&gt;alert"), "{path}");
    }
}

/// Users and permissions: a user created, a permission on a partition of a container, a token
/// minted with a chosen lifetime — shown once with its expiry, working, absent from the next page
/// view, which still shows when it expires — and the service's bounds on lifetimes.
#[tokio::test]
async fn users_permissions_and_minting_a_token() {
    let explorer = Explorer::new();
    explorer.seed("vault", "secrets", "/owner").await;
    let user_page = explorer
        .post_and_follow("/_explorer/dbs/vault/users", &[("id", "alice")])
        .await;
    assert!(user_page.html.contains("No permissions"));
    let users = explorer.get("/_explorer/users").await;
    assert!(
        users
            .html
            .contains(r#"href="/_explorer/dbs/vault/users/alice""#)
    );

    // The container is offered as a resource link.
    assert!(
        user_page
            .html
            .contains(r#"value="dbs/vault/colls/secrets""#)
    );
    let permissions = "/_explorer/dbs/vault/users/alice/permissions";
    let page = explorer
        .post_and_follow(
            permissions,
            &[
                ("id", "read-own"),
                ("mode", "Read"),
                ("resource", "dbs/vault/colls/secrets"),
                ("partition_key", r#"["alice"]"#),
            ],
        )
        .await;
    let text = page.text();
    assert!(text.contains("read-own") && text.contains("dbs/vault/colls/secrets"));
    assert!(text.contains(r#"["alice"]"#));

    // What the user typed wrong: a local parse error, or the service's refusal.
    let invalid = explorer
        .post(
            permissions,
            &[
                ("id", "p2"),
                ("mode", "All"),
                ("resource", "dbs/vault/colls/secrets"),
                ("partition_key", "[alice"),
            ],
        )
        .await;
    assert!(
        invalid
            .text()
            .contains("The partition key is not valid JSON")
    );
    let elsewhere = explorer
        .post(
            permissions,
            &[
                ("id", "p3"),
                ("mode", "All"),
                ("resource", "dbs/other/colls/x"),
                ("partition_key", ""),
            ],
        )
        .await;
    assert!(
        elsewhere
            .text()
            .contains("is in another database than its user"),
        "{}",
        elsewhere.text()
    );

    // A lifetime outside the service's bounds: its 400, with the bounds.
    let mint = "/_explorer/dbs/vault/users/alice/permissions/read-own/token";
    let too_short = explorer.post(mint, &[("lifetime", "5")]).await;
    assert!(
        too_short.text().contains("between 600 and 18000 seconds"),
        "{}",
        too_short.text()
    );
    assert!(!too_short.html.contains("minted-token"));

    let before = SystemTime::now();
    let minted = explorer.post(mint, &[("lifetime", "3600")]).await;
    let after = SystemTime::now();
    assert_eq!(minted.status, StatusCode::OK);
    assert_eq!(minted.headers["cache-control"], "no-store");
    let token = unescape(between(&minted.html, r#"id="minted-token">"#, "</code>"));
    assert!(token.starts_with("type=resource&ver=1&sig="), "{token}");
    // Its expiry: an hour from when it was minted, on the emulator's clock.
    let expiries: Vec<String> = (before
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        ..=after
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs())
        .map(|second| format_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(second + 3600)))
        .collect();
    let expiry = expiries
        .iter()
        .find(|expiry| minted.html.contains(expiry.as_str()))
        .expect("the expiry is shown");

    // The token works for its partition, as a client would use it.
    let feed = "/dbs/vault/colls/secrets/docs";
    assert_eq!(
        explorer.with_token(feed, &token, r#"["alice"]"#).await,
        StatusCode::OK
    );
    assert_eq!(
        explorer.with_token(feed, &token, r#"["bob"]"#).await,
        StatusCode::FORBIDDEN
    );

    // Shown once: the next view of the page has the expiry, not the token.
    let signature = token.split("sig=").nth(1).unwrap();
    let again = explorer.get("/_explorer/dbs/vault/users/alice").await;
    assert!(!again.html.contains(signature));
    assert!(!again.html.contains("minted-token"));
    assert!(again.html.contains(expiry.as_str()));

    // Deleting the permission does not revoke the token: it carries its own expiry.
    let deleted = explorer
        .post_and_follow(
            "/_explorer/dbs/vault/users/alice/permissions/read-own/delete",
            &[],
        )
        .await;
    assert!(deleted.html.contains("still works until it expires"));
    assert_eq!(
        explorer.with_token(feed, &token, r#"["alice"]"#).await,
        StatusCode::OK
    );

    let gone = explorer
        .post("/_explorer/dbs/vault/users/alice/delete", &[])
        .await;
    assert_eq!(gone.location(), "/_explorer/users?done=deleted");
}

/// The roles page lists the built-in and custom role definitions, the assignments with the
/// registered application they name, and the applications — never a client secret.
#[tokio::test]
async fn the_roles_page_reads_rbac_and_applications() {
    let explorer = Explorer::new();
    let empty = explorer.get("/_explorer/roles").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.html.contains("Cosmos DB Built-in Data Reader"));
    assert!(empty.html.contains("No role assignments"));

    let registered = explorer.state.identity.register("orders-app", None, None);
    explorer
        .state
        .rbac_mut()
        .put_assignment(
            "orders-writer",
            RoleAssignmentProperties {
                role_definition_id: DATA_CONTRIBUTOR_ROLE_ID.to_owned(),
                principal_id: registered.application.object_id.clone(),
                scope: "/dbs/shop".to_owned(),
            },
        )
        .unwrap();
    let page = explorer.get("/_explorer/roles").await;
    let html = &page.html;
    assert!(html.contains("Cosmos DB Built-in Data Contributor"));
    assert!(html.contains("Microsoft.DocumentDB/databaseAccounts/readMetadata"));
    assert!(html.contains("orders-writer") && html.contains("/dbs/shop"));
    assert!(html.contains(&registered.application.object_id));
    assert!(html.contains(&registered.application.client_id));
    assert!(html.contains("application <strong>orders-app</strong>"));
    assert!(!html.contains(&registered.client_secret));
}

/// Keys show masked; `?reveal=<kind>` shows that one only; "regenerate" changes exactly that key
/// (through the admin route) and explains what it did; the explorer keeps working after the
/// primary key it signs with is regenerated.
#[tokio::test]
async fn keys_are_masked_revealed_on_request_and_regenerated() {
    let explorer = Explorer::new();
    let all = |explorer: &Explorer| KeyKind::ALL.map(|kind| explorer.key(kind));
    let keys = all(&explorer);
    let page = explorer.get("/_explorer/keys").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["cache-control"], "no-store");
    for key in &keys {
        assert!(!page.html.contains(key.as_str()));
        assert!(page.html.contains(&format!("{}…", &key[..4])));
    }
    assert!(page.html.contains("Move every client to the"));

    for (index, kind) in KeyKind::ALL.into_iter().enumerate() {
        let revealed = explorer
            .get(&format!("/_explorer/keys?reveal={}", kind.arm_name()))
            .await;
        for (other, key) in keys.iter().enumerate() {
            assert_eq!(
                revealed.html.contains(key.as_str()),
                other == index,
                "{kind}"
            );
        }
    }

    let regenerated = explorer
        .post("/_explorer/keys/regenerate", &[("kind", "secondary")])
        .await;
    assert_eq!(
        regenerated.location(),
        "/_explorer/keys?regenerated=secondary"
    );
    let after = all(&explorer);
    assert_eq!(after[0], keys[0]);
    assert_ne!(after[1], keys[1]);
    let notice = explorer.get(regenerated.location()).await;
    assert!(notice.html.contains("The secondary key was regenerated"));

    let regenerated = explorer
        .post("/_explorer/keys/regenerate", &[("kind", "primary")])
        .await;
    let notice = explorer.get(regenerated.location()).await;
    assert!(
        notice
            .html
            .contains("Every resource token it signed is revoked")
    );
    assert_ne!(explorer.key(KeyKind::Primary), keys[0]);
    assert_eq!(explorer.get("/_explorer/dbs").await.status, StatusCode::OK);

    let unknown = explorer
        .post("/_explorer/keys/regenerate", &[("kind", "tertiary")])
        .await;
    assert!(unknown.html.contains("There is no key kind"));
    assert_eq!(all(&explorer)[1..], after[1..]);
}

/// Every page a user can reach, with data on it and a token just minted: none contains the
/// primary key, except the keys page asked to reveal it; and everything the explorer did is in
/// the audit log as requests signed with the primary key.
#[tokio::test]
async fn no_page_leaks_the_primary_key_and_every_action_is_audited() {
    let explorer = Explorer::new();
    explorer.seed("tour", "items", "/pk").await;
    let item = explorer
        .create_item("tour", "items", json!({"id": "i1", "pk": "a"}))
        .await;
    let edit = json!({"id": "i1", "pk": "a", "more": true}).to_string();
    explorer
        .post_and_follow(
            "/_explorer/dbs/tour/colls/items/docs/i1",
            &[("json", &edit), ("pk", r#"["a"]"#), ("etag", "")],
        )
        .await;
    explorer
        .post_and_follow("/_explorer/dbs/tour/users", &[("id", "bob")])
        .await;
    explorer
        .post_and_follow(
            "/_explorer/dbs/tour/users/bob/permissions",
            &[
                ("id", "all"),
                ("mode", "All"),
                ("resource", "dbs/tour/colls/items"),
                ("partition_key", ""),
            ],
        )
        .await;
    let minted = explorer
        .post(
            "/_explorer/dbs/tour/users/bob/permissions/all/token",
            &[("lifetime", "600")],
        )
        .await;
    let query = utf8_percent_encode("SELECT * FROM c", NON_ALPHANUMERIC);

    let primary = explorer.key(KeyKind::Primary);
    let mut pages = vec![minted];
    for path in [
        "/_explorer/".to_owned(),
        "/_explorer/dbs".to_owned(),
        "/_explorer/dbs/tour".to_owned(),
        "/_explorer/dbs/tour/colls/items".to_owned(),
        format!("/_explorer/dbs/tour/colls/items?q={query}"),
        item,
        "/_explorer/users".to_owned(),
        "/_explorer/dbs/tour/users/bob".to_owned(),
        "/_explorer/roles".to_owned(),
        "/_explorer/keys".to_owned(),
        "/_explorer/keys?reveal=secondary".to_owned(),
        "/_explorer/log".to_owned(),
    ] {
        let page = explorer.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        pages.push(page);
    }
    for page in &pages {
        assert!(!page.html.contains(&primary), "{}", page.html);
    }
    assert!(
        explorer
            .get("/_explorer/keys?reveal=primary")
            .await
            .html
            .contains(&primary)
    );

    // Everything the explorer did was a Cosmos DB request signed with the primary key.
    explorer
        .post(
            "/_explorer/dbs/tour/colls/items/docs/i1/delete",
            &[("pk", r#"["a"]"#)],
        )
        .await;
    let records = explorer.state.audit.read(&AuditFilter::default());
    for record in &records {
        assert_eq!(record.auth_type, "master", "{record:?}");
        assert_eq!(record.key_kind.as_deref(), Some("primary"), "{record:?}");
    }
    // A feed request (create, query, read feed) is recorded with its parent's link and the kind
    // of resource it lists, as Azure's diagnostic logs do.
    let done: BTreeSet<(String, String, String)> = records
        .iter()
        .map(|record| {
            (
                record.operation.clone(),
                record.resource_type.clone(),
                record.resource_link.clone(),
            )
        })
        .collect();
    for (operation, kind, link) in [
        ("Create", "dbs", ""),
        ("Create", "colls", "dbs/tour"),
        ("Create", "docs", "dbs/tour/colls/items"),
        ("Read", "docs", "dbs/tour/colls/items/docs/i1"),
        ("Replace", "docs", "dbs/tour/colls/items/docs/i1"),
        ("Query", "docs", "dbs/tour/colls/items"),
        ("ReadFeed", "docs", "dbs/tour/colls/items"),
        ("Create", "users", "dbs/tour"),
        ("Create", "permissions", "dbs/tour/users/bob"),
        ("Read", "permissions", "dbs/tour/users/bob/permissions/all"),
        ("Delete", "docs", "dbs/tour/colls/items/docs/i1"),
    ] {
        let expected = (operation.to_owned(), kind.to_owned(), link.to_owned());
        assert!(
            done.contains(&expected),
            "{expected:?} missing from {done:?}"
        );
    }
}

/// Ids with spaces and other reserved characters travel percent-encoded and come back intact.
#[tokio::test]
async fn ids_with_reserved_characters_round_trip() {
    let explorer = Explorer::new();
    let created = explorer.post("/_explorer/dbs", &[("id", "my db")]).await;
    assert_eq!(created.location(), "/_explorer/dbs/my%20db?done=created");
    let created = explorer
        .post(
            "/_explorer/dbs/my%20db/colls",
            &[("id", "a&b"), ("partition_key_path", "/k")],
        )
        .await;
    assert_eq!(
        created.location(),
        "/_explorer/dbs/my%20db/colls/a%26b?done=created"
    );
    let location = explorer
        .create_item("my%20db", "a%26b", json!({"id": "x y", "k": "é"}))
        .await;
    let item = explorer.get(&location).await;
    assert_eq!(item.status, StatusCode::OK, "{}", item.html);
    assert!(item.text().contains(r#""k": "é""#));
}

/// The explorer's requests go where a client's go: a resource address the service accepts.
#[test]
fn explorer_paths_are_cosmos_paths() {
    let address = ResourceAddress::from_path("/dbs/my%20db/colls/a%26b/docs/x%20y").unwrap();
    assert_eq!(
        address.segments(),
        ["dbs", "my db", "colls", "a&b", "docs", "x y"]
    );
}
