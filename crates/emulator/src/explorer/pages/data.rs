//! `/_explorer/dbs…`: databases → containers → items — browse, create, edit, delete, query, page.
//!
//! Every page is a handful of ordinary Cosmos DB requests sent through [`ExplorerClient`] (signed
//! with the primary key, through access control, into the audit log). The explorer URL mirrors
//! the REST call it makes, so the request log reads like the page:
//!
//! | explorer route | Cosmos DB request |
//! |---|---|
//! | `GET /_explorer/dbs` | `GET /dbs` |
//! | `POST /_explorer/dbs` (`id`) | `POST /dbs` |
//! | `POST /_explorer/dbs/{db}/delete` | `DELETE /dbs/{db}` |
//! | `GET /_explorer/dbs/{db}` | `GET /dbs/{db}/colls` |
//! | `POST /_explorer/dbs/{db}/colls` (`id`, `partition_key_path`) | `POST /dbs/{db}/colls` |
//! | `POST /_explorer/dbs/{db}/colls/{c}/delete` | `DELETE /dbs/{db}/colls/{c}` |
//! | `GET /_explorer/dbs/{db}/colls/{c}?continuation=&size=` | `GET /dbs/{db}/colls/{c}`, then one page of `GET …/docs` |
//! | `GET /_explorer/dbs/{db}/colls/{c}?q=SELECT…` | `POST …/docs`, a cross-partition query |
//! | `POST /_explorer/dbs/{db}/colls/{c}/docs` (`json`) | `POST …/docs` |
//! | `GET /_explorer/dbs/{db}/colls/{c}/docs/{id}?pk=["…"]` | `GET …/docs/{id}` |
//! | `POST /_explorer/dbs/{db}/colls/{c}/docs/{id}` (`json`, `pk`, `etag`) | `PUT …/docs/{id}` with `If-Match` |
//! | `POST /_explorer/dbs/{db}/colls/{c}/docs/{id}/delete` (`pk`) | `DELETE …/docs/{id}` |
//!
//! ## After a form is sent
//!
//! - **It worked**: `303 See Other` to the page that shows the result (Post/Redirect/Get, so
//!   reloading the page does not send the request again), with `?done=created|saved|deleted`,
//!   which shows a fixed sentence. The notice never repeats text from the URL: a link someone
//!   else crafted must not be able to put words in the explorer's mouth.
//! - **The service refused**: the same page is rendered again (`200`), with the service's status
//!   and message in a notice and what the user typed still in the form. The message is the
//!   lesson: it is the rule the service applied, in the service's words.
//! - **The JSON typed is not JSON**: the parse error in a notice; nothing is sent.
//!
//! A page whose own read fails (a database that does not exist, an item addressed with the wrong
//! partition key) answers with the service's status and message: there is no page to show.
//!
//! ## Partition keys
//!
//! An item's partition key is the value at the container's partition-key path (`/a/b` is nested:
//! `{"a": {"b": …}}`), sent as a JSON array in `x-ms-documentdb-partitionkey`. The explorer reads
//! it with the same function the emulator uses to check a write
//! ([`Document::partition_key`](cosmolab_model::Document::partition_key)): an item without a
//! value at the path has the *undefined* key `[{}]` (not `[null]`, which is an item whose value
//! is `null`), so the header always agrees with the body. To replace an item, the header is the
//! key the item has *now*, and the body is the edit: change the key in the edit and the service
//! answers 400 — an item cannot move to another partition; copy it and delete the original.

use std::time::{Duration, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cosmolab_model::{Document, PartitionKey, PartitionKeyDefinition, PartitionKeyError};
use maud::{Markup, html};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::explorer::api::{Answer, ExplorerClient};
use crate::explorer::layout::{self, Section, page as frame};
use crate::state::AppState;

/// This module's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_explorer/dbs", get(databases).post(create_database))
        .route("/_explorer/dbs/{db}", get(database))
        .route("/_explorer/dbs/{db}/delete", post(delete_database))
        .route("/_explorer/dbs/{db}/colls", post(create_container))
        .route("/_explorer/dbs/{db}/colls/{c}", get(container))
        .route(
            "/_explorer/dbs/{db}/colls/{c}/delete",
            post(delete_container),
        )
        .route("/_explorer/dbs/{db}/colls/{c}/docs", post(create_item))
        .route(
            "/_explorer/dbs/{db}/colls/{c}/docs/{id}",
            get(item).post(replace_item),
        )
        .route(
            "/_explorer/dbs/{db}/colls/{c}/docs/{id}/delete",
            post(delete_item),
        )
}

// ---------------------------------------------------------------------------------------------
// Shared by the explorer's pages (`security.rs` uses them too).
// ---------------------------------------------------------------------------------------------

/// What stays as it is in a path segment or a query value; everything else is percent-encoded,
/// so an id with a space, `%`, `?` or `#` stays one segment (ids cannot contain `/`).
const KEPT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_');

/// `text` percent-encoded for a path segment or a query-string value. Both the emulator and
/// axum's `Path` decode each segment, so any id survives the round trip.
pub(super) fn encoded(text: &str) -> String {
    utf8_percent_encode(text, KEPT).to_string()
}

/// Lists read whole: `-1` lets the service choose the page size (1,000 here), enough for the
/// databases, containers, users and permissions of a course account. Items are paged instead.
pub(super) const WHOLE_FEED: (&str, &str) = ("x-ms-max-item-count", "-1");

/// The resources of a feed answer, e.g. `"Databases"` of `GET /dbs`.
pub(super) fn feed<'a>(answer: &'a Answer, key: &str) -> &'a [Value] {
    answer.body[key].as_array().map_or(&[], Vec::as_slice)
}

/// A string property of a resource (`""` when absent).
pub(super) fn text<'a>(resource: &'a Value, name: &str) -> &'a str {
    resource[name].as_str().unwrap_or_default()
}

/// The notice after a refusal: what the explorer tried, and the service's status and message —
/// plus the emulator's `x-cosmolab-deny-reason` when access control refused it.
pub(super) fn refused(attempt: &str, answer: &Answer) -> Markup {
    let mut text = format!(
        "{attempt}: the service answered {} — {}",
        answer.status,
        answer.message()
    );
    if let Some(reason) = answer.header("x-cosmolab-deny-reason") {
        text.push_str(&format!(" (rule: {reason})"));
    }
    layout::notice(false, &text)
}

/// The fixed sentence for `?done=…` after a redirect; any other value shows nothing.
pub(super) fn done_notice(done: Option<&str>) -> Option<Markup> {
    let text = match done? {
        "created" => "Created: the service answered 201 Created.",
        "saved" => "Saved: the service answered 200 OK, and the item has a new _etag.",
        "deleted" => "Deleted: the service answered 204 No Content.",
        _ => return None,
    };
    Some(layout::notice(true, text))
}

/// `303 See Other` to `location`: the browser follows it with a GET.
pub(super) fn see_other(location: &str) -> Response {
    Redirect::to(location).into_response()
}

/// The headers of a request with a JSON body.
const JSON_BODY: (&str, &str) = ("content-type", "application/json");

// ---------------------------------------------------------------------------------------------
// Addresses: the Cosmos DB path of a resource, and the explorer page that shows it.
// ---------------------------------------------------------------------------------------------

fn database_path(database: &str) -> String {
    format!("/dbs/{}", encoded(database))
}

fn container_path(database: &str, container: &str) -> String {
    format!("{}/colls/{}", database_path(database), encoded(container))
}

fn item_path(database: &str, container: &str, id: &str) -> String {
    format!(
        "{}/docs/{}",
        container_path(database, container),
        encoded(id)
    )
}

/// The explorer page of a database.
pub(super) fn database_page(database: &str) -> String {
    format!("/_explorer{}", database_path(database))
}

/// The explorer page of a container.
pub(super) fn container_page(database: &str, container: &str) -> String {
    format!("/_explorer{}", container_path(database, container))
}

/// The explorer page of an item, without its `?pk=`.
fn item_page(database: &str, container: &str, id: &str) -> String {
    format!("/_explorer{}", item_path(database, container, id))
}

/// The explorer page of an item, with its partition key in the query string.
fn item_link(database: &str, container: &str, id: &str, partition_key: &str) -> String {
    format!(
        "{}?pk={}",
        item_page(database, container, id),
        encoded(partition_key)
    )
}

// ---------------------------------------------------------------------------------------------
// Items' JSON: system properties, partition keys, previews.
// ---------------------------------------------------------------------------------------------

/// The properties the service sets on every write; an edit leaves them out.
const SYSTEM_PROPERTIES: [&str; 5] = ["_rid", "_self", "_etag", "_ts", "_attachments"];

/// The item without its system properties: what a user writes.
fn own_properties(item: &Value) -> Value {
    let mut own = item.as_object().cloned().unwrap_or_default();
    for name in SYSTEM_PROPERTIES {
        own.remove(name);
    }
    Value::Object(own)
}

/// JSON for people: indented.
fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The first `max` characters of `text`, with `…` when cut (on a character boundary: item text is
/// any Unicode).
fn shortened(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// The container's partition-key definition, from `GET /dbs/{db}/colls/{c}`.
fn definition_of(container: &Answer) -> Option<PartitionKeyDefinition> {
    serde_json::from_value(container.body["partitionKey"].clone()).ok()
}

/// An item's partition key under `definition`, as the header spells it (`["a"]`, `[{}]`).
fn partition_key_of(
    definition: &PartitionKeyDefinition,
    item: &Map<String, Value>,
) -> Result<PartitionKey, PartitionKeyError> {
    Document::new(item.clone()).partition_key(definition)
}

/// A `?pk=` or form value as the header sends it: parsed and written back when it is a partition
/// key (which also escapes non-ASCII text, as a header must be), else as typed, for the service
/// to refuse with its own message.
fn header_partition_key(typed: &str) -> String {
    typed
        .parse::<PartitionKey>()
        .map_or_else(|_| typed.trim().to_owned(), |key| key.to_string())
}

/// The paths of a definition, for people: `/a, /b`.
fn paths_text(definition: Option<&PartitionKeyDefinition>) -> String {
    definition.map_or_else(|| "?".to_owned(), |definition| definition.paths.join(", "))
}

// ---------------------------------------------------------------------------------------------
// Databases.
// ---------------------------------------------------------------------------------------------

/// `?done=` after a redirect.
#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

/// The form that creates a database or a user: just an id.
#[derive(Debug, Default, Deserialize)]
pub(super) struct NewId {
    #[serde(default)]
    pub(super) id: String,
}

/// `GET /_explorer/dbs`.
async fn databases(State(state): State<AppState>, Query(query): Query<Done>) -> Response {
    let cosmos = ExplorerClient::new(state);
    render_databases(&cosmos, done_notice(query.done.as_deref()), "").await
}

/// The databases page, with a notice after an action and the id the user typed.
async fn render_databases(
    cosmos: &ExplorerClient,
    notice: Option<Markup>,
    draft: &str,
) -> Response {
    let answer = cosmos.send(Method::GET, "/dbs", &[WHOLE_FEED], None).await;
    if !answer.ok() {
        return layout::error_page(answer.status, "Databases", answer.message());
    }
    let body = html! {
        @if let Some(notice) = notice { (notice) }
        @if feed(&answer, "Databases").is_empty() {
            p.muted { "No databases yet: create one below." }
        } @else {
            table {
                thead { tr { th { "Database" } th { "_rid" } th {} } }
                tbody {
                    @for database in feed(&answer, "Databases") {
                        @let id = text(database, "id");
                        tr {
                            td { a href=(database_page(id)) { (id) } }
                            td { code { (text(database, "_rid")) } }
                            td {
                                form.inline method="post" action={ (database_page(id)) "/delete" }
                                    data-confirm="Delete this database and everything in it?" {
                                    button.danger type="submit" { "Delete" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "New database" }
        form.panel method="post" action="/_explorer/dbs" {
            label { "Id (sent as " code { "POST /dbs {\"id\": …}" } ")"
                input name="id" value=(draft) required;
            }
            div { button type="submit" { "Create database" } }
        }
    };
    frame("Databases", Section::Data, body).into_response()
}

/// `POST /_explorer/dbs` (`id`): `POST /dbs`, then to the new database's page.
async fn create_database(State(state): State<AppState>, Form(form): Form<NewId>) -> Response {
    let cosmos = ExplorerClient::new(state);
    let answer = cosmos
        .send(
            Method::POST,
            "/dbs",
            &[JSON_BODY],
            Some(&json!({ "id": form.id })),
        )
        .await;
    if answer.ok() {
        return see_other(&format!("{}?done=created", database_page(&form.id)));
    }
    let notice = refused("Could not create the database", &answer);
    render_databases(&cosmos, Some(notice), &form.id).await
}

/// `POST /_explorer/dbs/{db}/delete`: `DELETE /dbs/{db}`.
async fn delete_database(State(state): State<AppState>, Path(database): Path<String>) -> Response {
    let cosmos = ExplorerClient::new(state);
    let answer = cosmos
        .send(Method::DELETE, &database_path(&database), &[], None)
        .await;
    if answer.ok() {
        return see_other("/_explorer/dbs?done=deleted");
    }
    let notice = refused("Could not delete the database", &answer);
    render_databases(&cosmos, Some(notice), "").await
}

// ---------------------------------------------------------------------------------------------
// Containers.
// ---------------------------------------------------------------------------------------------

/// The form that creates a container.
#[derive(Debug, Default, Deserialize)]
struct NewContainer {
    #[serde(default)]
    id: String,
    /// One path (`/customerId`), or several separated by commas for a hierarchical key.
    #[serde(default)]
    partition_key_path: String,
}

/// `GET /_explorer/dbs/{db}`: its containers.
async fn database(
    State(state): State<AppState>,
    Path(database): Path<String>,
    Query(query): Query<Done>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let notice = done_notice(query.done.as_deref());
    render_database(&cosmos, &database, notice, &NewContainer::default()).await
}

/// A database's page: its containers, and the form for a new one (with what the user typed).
async fn render_database(
    cosmos: &ExplorerClient,
    database: &str,
    notice: Option<Markup>,
    draft: &NewContainer,
) -> Response {
    let path = format!("{}/colls", database_path(database));
    let answer = cosmos.send(Method::GET, &path, &[WHOLE_FEED], None).await;
    if !answer.ok() {
        return layout::error_page(
            answer.status,
            &format!("Database {database}"),
            answer.message(),
        );
    }
    let body = html! {
        p.muted { a href="/_explorer/dbs" { "Databases" } " › " (database) }
        @if let Some(notice) = notice { (notice) }
        h2 { "Containers" }
        @if feed(&answer, "DocumentCollections").is_empty() {
            p.muted { "No containers yet: create one below." }
        } @else {
            table {
                thead { tr { th { "Container" } th { "Partition key path" } th { "Kind" } th {} } }
                tbody {
                    @for container in feed(&answer, "DocumentCollections") {
                        @let id = text(container, "id");
                        @let definition: Option<PartitionKeyDefinition> =
                            serde_json::from_value(container["partitionKey"].clone()).ok();
                        tr {
                            td { a href=(container_page(database, id)) { (id) } }
                            td { code { (paths_text(definition.as_ref())) } }
                            td { (text(&container["partitionKey"], "kind")) }
                            td {
                                form.inline method="post" action={ (container_page(database, id)) "/delete" }
                                    data-confirm="Delete this container and all its items?" {
                                    button.danger type="submit" { "Delete" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "New container" }
        form.panel method="post" action={ (database_page(database)) "/colls" } {
            label { "Id" input name="id" value=(draft.id) required; }
            label {
                "Partition key path, e.g. /customerId (nested: /address/city; several paths separated \
                 by commas make a hierarchical key). It cannot be changed later: it decides which \
                 items share a logical partition."
                input name="partition_key_path" value=(draft.partition_key_path) placeholder="/customerId";
            }
            div { button type="submit" { "Create container" } }
        }
        h2 { "Users" }
        p { "This database's users and their permissions are under "
            a href="/_explorer/users" { "Users & permissions" } "." }
    };
    frame(&format!("Database {database}"), Section::Data, body).into_response()
}

/// `POST /_explorer/dbs/{db}/colls`: `POST /dbs/{db}/colls`.
async fn create_container(
    State(state): State<AppState>,
    Path(database): Path<String>,
    Form(form): Form<NewContainer>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let paths: Vec<&str> = form
        .partition_key_path
        .split(',')
        .map(str::trim)
        .filter(|path| !path.is_empty())
        .collect();
    let mut body = json!({ "id": form.id });
    // No path typed: sent without a definition, so that the service says why one is required.
    if !paths.is_empty() {
        let kind = if paths.len() == 1 {
            "Hash"
        } else {
            "MultiHash"
        };
        body["partitionKey"] = json!({ "paths": paths, "kind": kind, "version": 2 });
    }
    let path = format!("{}/colls", database_path(&database));
    let answer = cosmos
        .send(Method::POST, &path, &[JSON_BODY], Some(&body))
        .await;
    if answer.ok() {
        return see_other(&format!(
            "{}?done=created",
            container_page(&database, &form.id)
        ));
    }
    let notice = refused("Could not create the container", &answer);
    render_database(&cosmos, &database, Some(notice), &form).await
}

/// `POST /_explorer/dbs/{db}/colls/{c}/delete`: `DELETE /dbs/{db}/colls/{c}`.
async fn delete_container(
    State(state): State<AppState>,
    Path((database, container)): Path<(String, String)>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let answer = cosmos
        .send(
            Method::DELETE,
            &container_path(&database, &container),
            &[],
            None,
        )
        .await;
    if answer.ok() {
        return see_other(&format!("{}?done=deleted", database_page(&database)));
    }
    let notice = refused("Could not delete the container", &answer);
    render_database(&cosmos, &database, Some(notice), &NewContainer::default()).await
}

// ---------------------------------------------------------------------------------------------
// Items: a page of them, a query, a new one.
// ---------------------------------------------------------------------------------------------

/// Items per page when `?size=` does not say.
const PAGE_SIZE: &str = "20";

/// A container page's query string.
#[derive(Debug, Default, Deserialize)]
struct ItemsQuery {
    /// A SQL query to run instead of listing the items.
    q: Option<String>,
    /// Where the page starts: the `x-ms-continuation` of the previous page, sent back unchanged.
    continuation: Option<String>,
    /// Items per page (`x-ms-max-item-count`); the service judges the value.
    size: Option<String>,
    /// After a redirect.
    done: Option<String>,
}

impl ItemsQuery {
    /// The query typed, if any (blank is none).
    fn sql(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }

    fn size(&self) -> &str {
        self.size
            .as_deref()
            .map(str::trim)
            .filter(|size| !size.is_empty())
            .unwrap_or(PAGE_SIZE)
    }

    /// This page's address with another continuation (`None`: the first page).
    fn link(&self, database: &str, container: &str, continuation: Option<&str>) -> String {
        let mut parameters = Vec::new();
        if let Some(sql) = self.sql() {
            parameters.push(format!("q={}", encoded(sql)));
        }
        if self.size() != PAGE_SIZE {
            parameters.push(format!("size={}", encoded(self.size())));
        }
        if let Some(continuation) = continuation {
            parameters.push(format!("continuation={}", encoded(continuation)));
        }
        let page = container_page(database, container);
        if parameters.is_empty() {
            page
        } else {
            format!("{page}?{}", parameters.join("&"))
        }
    }
}

/// The form with an item's JSON (new or edited), its partition key and the `_etag` it was read
/// with (for an edit).
#[derive(Debug, Default, Deserialize)]
struct ItemForm {
    #[serde(default)]
    json: String,
    #[serde(default)]
    pk: String,
    #[serde(default)]
    etag: String,
}

/// `GET /_explorer/dbs/{db}/colls/{c}`: a page of items, or a query's results.
async fn container(
    State(state): State<AppState>,
    Path((database, container)): Path<(String, String)>,
    Query(query): Query<ItemsQuery>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let notice = done_notice(query.done.as_deref());
    render_container(&cosmos, &database, &container, &query, notice, "").await
}

/// A container's page: a page of items (or a query's results), the query form and the new-item
/// form, with a notice after an action and the JSON the user typed.
async fn render_container(
    cosmos: &ExplorerClient,
    database: &str,
    container: &str,
    query: &ItemsQuery,
    notice: Option<Markup>,
    draft: &str,
) -> Response {
    let title = format!("Container {container}");
    let read = cosmos.get(&container_path(database, container)).await;
    if !read.ok() {
        return layout::error_page(read.status, &title, read.message());
    }
    let definition = definition_of(&read);
    let docs = format!("{}/docs", container_path(database, container));
    let mut headers = vec![("x-ms-max-item-count", query.size())];
    if let Some(continuation) = query.continuation.as_deref() {
        headers.push(("x-ms-continuation", continuation));
    }
    // A listing is a feed read (`GET …/docs`); a query is a `POST …/docs` marked as a query, with
    // no partition key: so it must allow crossing partitions, as the Data Explorer's do.
    let answer = match query.sql() {
        None => cosmos.send(Method::GET, &docs, &headers, None).await,
        Some(sql) => {
            headers.extend([
                ("x-ms-documentdb-isquery", "True"),
                ("content-type", "application/query+json"),
                ("x-ms-documentdb-query-enablecrosspartition", "True"),
            ]);
            let body = json!({ "query": sql, "parameters": [] });
            cosmos
                .send(Method::POST, &docs, &headers, Some(&body))
                .await
        }
    };
    let next = answer.header("x-ms-continuation").map(str::to_owned);
    let paths = paths_text(definition.as_ref());
    let body = html! {
        p.muted {
            a href="/_explorer/dbs" { "Databases" } " › "
            a href=(database_page(database)) { (database) } " › " (container)
            " · partition key path " code { (paths) }
            " · " a href=(super::scripts::scripts_page(database, container)) { "scripts" }
        }
        @if let Some(notice) = notice { (notice) }
        @match query.sql() {
            None => {
                h2 { "Items" }
                @if !answer.ok() {
                    (refused("Could not read the items", &answer))
                } @else if feed(&answer, "Documents").is_empty() {
                    p.muted { "No items on this page." }
                } @else {
                    (items_table(database, container, definition.as_ref(), feed(&answer, "Documents")))
                }
            }
            Some(sql) => {
                h2 { "Query results" }
                p.muted { code { (sql) } " · " a href=(container_page(database, container)) { "back to the items" } }
                @if answer.ok() {
                    p.muted {
                        (feed(&answer, "Documents").len()) " result(s) on this page · "
                        (answer.header("x-ms-request-charge").unwrap_or("?")) " RU"
                    }
                    pre.json { (pretty(&Value::Array(feed(&answer, "Documents").to_vec()))) }
                } @else {
                    (refused("The query was refused", &answer))
                }
            }
        }
        p.pager {
            @if query.continuation.is_some() {
                a href=(query.link(database, container, None)) { "« First page" } " "
            }
            @if let Some(next) = &next {
                a href=(query.link(database, container, Some(next))) { "Next page »" }
                span.muted { " (continuation token " code { (next) } ", opaque to clients: sent back as "
                    code { "x-ms-continuation" } ")" }
            }
        }
        h2 { "Query" }
        form.panel method="get" action=(container_page(database, container)) {
            label { "SQL, run across all partitions, e.g. SELECT * FROM c WHERE c.status = 'open'"
                textarea.query name="q" rows="3" { (query.sql().unwrap_or_default()) }
            }
            label { "Results per page" input name="size" type="number" value=(query.size()); }
            div { button type="submit" { "Run query" } }
        }
        h2 { "New item" }
        form.panel method="post" action={ (container_page(database, container)) "/docs" } {
            label {
                "The item as JSON, with an \"id\". Its partition key is read from " code { (paths) }
                " and sent in x-ms-documentdb-partitionkey; an item without that property goes to \
                 the undefined partition, [{}]."
                textarea name="json" rows="10" placeholder=(example_item(definition.as_ref())) { (draft) }
            }
            div { button type="submit" { "Create item" } }
        }
        h2 { "Delete the container" }
        form.inline method="post" action={ (container_page(database, container)) "/delete" }
            data-confirm="Delete this container and all its items?" {
            button.danger type="submit" { "Delete container " (container) }
        }
    };
    frame(&title, Section::Data, body).into_response()
}

/// The table of a page of items: id (a link with its partition key), partition key, `_ts`, and
/// the start of its JSON.
fn items_table(
    database: &str,
    container: &str,
    definition: Option<&PartitionKeyDefinition>,
    items: &[Value],
) -> Markup {
    html! {
        table {
            thead { tr { th { "Id" } th { "Partition key" } th { "_ts" } th { "Item" } } }
            tbody {
                @for item in items {
                    @let id = text(item, "id");
                    @let key = match (definition, item.as_object()) {
                        (Some(definition), Some(object)) => partition_key_of(definition, object)
                            .map_or_else(|error| error.to_string(), |key| key.to_string()),
                        _ => "?".to_owned(),
                    };
                    @let ts = item["_ts"].as_u64().unwrap_or_default();
                    tr {
                        td { a href=(item_link(database, container, id, &key)) { (id) } }
                        td { code { (key) } }
                        td title=(cosmolab_auth_signing::format_http_date(UNIX_EPOCH + Duration::from_secs(ts))) { (ts) }
                        td { code.preview { (shortened(&own_properties(item).to_string(), 80)) } }
                    }
                }
            }
        }
    }
}

/// A placeholder item with the container's partition-key property, nested paths included.
fn example_item(definition: Option<&PartitionKeyDefinition>) -> String {
    let mut item = json!({ "id": "item-1" });
    if let Some(path) = definition.and_then(|definition| definition.paths.first()) {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        // `/a/b` becomes {"a": {"b": "value"}}: built from the innermost property out.
        let value = segments
            .iter()
            .rev()
            .fold(json!("value"), |inner, segment| json!({ *segment: inner }));
        if let (Some(item), Some(value)) = (item.as_object_mut(), value.as_object()) {
            item.extend(value.clone());
        }
    }
    pretty(&item)
}

/// `POST /_explorer/dbs/{db}/colls/{c}/docs` (`json`): `POST …/docs`, then to the new item.
async fn create_item(
    State(state): State<AppState>,
    Path((database, container)): Path<(String, String)>,
    Form(form): Form<ItemForm>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    match send_new_item(&cosmos, &database, &container, &form.json).await {
        Ok(location) => see_other(&location),
        Err(notice) => {
            let query = ItemsQuery::default();
            render_container(
                &cosmos,
                &database,
                &container,
                &query,
                Some(notice),
                &form.json,
            )
            .await
        }
    }
}

/// Creates the item typed as `json`: the new item's page, or the notice saying why not.
async fn send_new_item(
    cosmos: &ExplorerClient,
    database: &str,
    container: &str,
    json: &str,
) -> Result<String, Markup> {
    let item: Value = serde_json::from_str(json).map_err(|error| invalid_json(&error))?;
    // The header must carry the key the service will find in the body: read the definition first.
    let read = cosmos.get(&container_path(database, container)).await;
    let definition =
        definition_of(&read).ok_or_else(|| refused("Could not read the container", &read))?;
    let key = match item.as_object() {
        Some(object) => Some(
            partition_key_of(&definition, object)
                .map_err(|error| {
                    // The service reads the key with the same function: these are its words.
                    let text =
                        format!("The item's partition key is invalid: {error}. Nothing was sent.");
                    layout::notice(false, &text)
                })?
                .to_string(),
        ),
        // Not an object: sent as it is, for the service to say what an item is.
        None => None,
    };
    let mut headers = vec![JSON_BODY];
    if let Some(key) = &key {
        headers.push(("x-ms-documentdb-partitionkey", key));
    }
    let docs = format!("{}/docs", container_path(database, container));
    let answer = cosmos
        .send(Method::POST, &docs, &headers, Some(&item))
        .await;
    if !answer.ok() {
        return Err(refused("Could not create the item", &answer));
    }
    let id = text(&answer.body, "id");
    let key = key.as_deref().unwrap_or("[]");
    Ok(format!(
        "{}&done=created",
        item_link(database, container, id, key)
    ))
}

/// The notice for JSON that does not parse: serde's message has the line and column.
fn invalid_json(error: &serde_json::Error) -> Markup {
    layout::notice(
        false,
        &format!("This is not valid JSON: {error}. Nothing was sent."),
    )
}

// ---------------------------------------------------------------------------------------------
// One item: view, replace, delete.
// ---------------------------------------------------------------------------------------------

/// An item page's query string.
#[derive(Debug, Default, Deserialize)]
struct ItemQuery {
    /// The item's partition key, as a JSON array.
    pk: Option<String>,
    /// After a redirect.
    done: Option<String>,
}

/// `GET /_explorer/dbs/{db}/colls/{c}/docs/{id}?pk=["…"]`.
async fn item(
    State(state): State<AppState>,
    Path((database, container, id)): Path<(String, String, String)>,
    Query(query): Query<ItemQuery>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let address = ItemAddress::new((database, container, id), query.pk.as_deref());
    let notice = done_notice(query.done.as_deref());
    render_item(&cosmos, &address, notice, None).await
}

/// Which item, and the partition key to address it with (none: the service says it needs one).
struct ItemAddress {
    database: String,
    container: String,
    id: String,
    partition_key: Option<String>,
}

impl ItemAddress {
    /// The item of a page's path, with the partition key the page or form carried (`?pk=`,
    /// `pk`), as the header sends it.
    fn new(
        (database, container, id): (String, String, String),
        partition_key: Option<&str>,
    ) -> Self {
        Self {
            database,
            container,
            id,
            partition_key: partition_key.map(header_partition_key),
        }
    }

    fn path(&self) -> String {
        item_path(&self.database, &self.container, &self.id)
    }

    fn page(&self) -> String {
        item_page(&self.database, &self.container, &self.id)
    }

    /// The partition-key header, when there is a key.
    fn headers(&self) -> Vec<(&'static str, &str)> {
        self.partition_key
            .as_deref()
            .map(|key| ("x-ms-documentdb-partitionkey", key))
            .into_iter()
            .collect()
    }
}

/// An item's page: its JSON, the edit form (with the user's text after a failed edit) and the
/// delete button. The item is read again each time, so after a 412 the page shows the version
/// that won and carries its `_etag`: sending the edit again then overwrites it knowingly.
async fn render_item(
    cosmos: &ExplorerClient,
    address: &ItemAddress,
    notice: Option<Markup>,
    draft: Option<&str>,
) -> Response {
    let title = format!("Item {}", address.id);
    let read = cosmos
        .send(Method::GET, &address.path(), &address.headers(), None)
        .await;
    let key = address.partition_key.clone().unwrap_or_default();
    let breadcrumbs = html! {
        p.muted {
            a href="/_explorer/dbs" { "Databases" } " › "
            a href=(database_page(&address.database)) { (address.database) } " › "
            a href=(container_page(&address.database, &address.container)) { (address.container) }
            " › " (address.id) " · partition key " code { (key) }
        }
    };
    if !read.ok() {
        let body = html! {
            (breadcrumbs)
            @if let Some(notice) = notice { (notice) }
            (refused("Could not read the item", &read))
        };
        return (read.status, frame(&title, Section::Data, body)).into_response();
    }
    let etag = text(&read.body, "_etag");
    let edited = draft.map_or_else(|| pretty(&own_properties(&read.body)), str::to_owned);
    let body = html! {
        (breadcrumbs)
        @if let Some(notice) = notice { (notice) }
        pre.json { (pretty(&read.body)) }
        p.muted {
            "_rid, _self, _etag, _ts and _attachments are the service's: it sets them on every write. "
            "_etag changes with each version of the item."
        }
        h2 { "Edit" }
        form.panel method="post" action=(address.page()) {
            input type="hidden" name="pk" value=(key);
            input type="hidden" name="etag" value=(etag);
            label {
                "Replaces the whole item (PUT) with If-Match: " code { (etag) }
                ": if someone changed it since this page was read, the service answers 412 \
                 instead of overwriting their change."
                textarea name="json" rows="14" { (edited) }
            }
            div { button type="submit" { "Save" } }
        }
        h2 { "Delete" }
        form.inline method="post" action={ (address.page()) "/delete" } data-confirm="Delete this item?" {
            input type="hidden" name="pk" value=(key);
            button.danger type="submit" { "Delete item" }
        }
    };
    frame(&title, Section::Data, body).into_response()
}

/// `POST /_explorer/dbs/{db}/colls/{c}/docs/{id}` (`json`, `pk`, `etag`): `PUT …/docs/{id}` with
/// `If-Match`.
async fn replace_item(
    State(state): State<AppState>,
    Path((database, container, id)): Path<(String, String, String)>,
    Form(form): Form<ItemForm>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let address = ItemAddress::new((database, container, id), Some(&form.pk));
    let item: Value = match serde_json::from_str(&form.json) {
        Ok(item) => item,
        Err(error) => {
            return render_item(
                &cosmos,
                &address,
                Some(invalid_json(&error)),
                Some(&form.json),
            )
            .await;
        }
    };
    // The header is the key the item has now; the body is the edit. If the edit moved the key,
    // the two disagree and the service says so: an item cannot change partition by a replace.
    let mut headers = address.headers();
    headers.push(JSON_BODY);
    if !form.etag.is_empty() {
        headers.push(("if-match", form.etag.as_str()));
    }
    let answer = cosmos
        .send(Method::PUT, &address.path(), &headers, Some(&item))
        .await;
    if answer.ok() {
        let key = address.partition_key.as_deref().unwrap_or_default();
        let link = item_link(&address.database, &address.container, &address.id, key);
        return see_other(&format!("{link}&done=saved"));
    }
    let mut notice = refused("Could not save the item", &answer);
    if answer.status == StatusCode::PRECONDITION_FAILED {
        notice = html! {
            (notice)
            (layout::notice(false, "The item changed after you opened it (its _etag is no longer \
                the one you edited). Its current version is shown below and your edit is kept in \
                the form: save again to overwrite the other change, or reload to start over."))
        };
    }
    render_item(&cosmos, &address, Some(notice), Some(&form.json)).await
}

/// `POST /_explorer/dbs/{db}/colls/{c}/docs/{id}/delete` (`pk`): `DELETE …/docs/{id}`.
async fn delete_item(
    State(state): State<AppState>,
    Path((database, container, id)): Path<(String, String, String)>,
    Form(form): Form<ItemForm>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let address = ItemAddress::new((database, container, id), Some(&form.pk));
    let answer = cosmos
        .send(Method::DELETE, &address.path(), &address.headers(), None)
        .await;
    if answer.ok() {
        return see_other(&format!(
            "{}?done=deleted",
            container_page(&address.database, &address.container)
        ));
    }
    let notice = refused("Could not delete the item", &answer);
    render_item(&cosmos, &address, Some(notice), None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_stay_one_segment() {
        assert_eq!(encoded("a b/c?d#e%"), "a%20b%2Fc%3Fd%23e%25");
        assert_eq!(encoded("plain-id_1"), "plain-id_1");
        assert_eq!(encoded("é"), "%C3%A9");
    }

    #[test]
    fn previews_are_cut_on_a_character_boundary() {
        assert_eq!(shortened("héllo", 2), "hé…");
        assert_eq!(shortened("short", 80), "short");
    }

    #[test]
    fn the_partition_key_is_read_like_the_emulator_reads_it() {
        let definition = PartitionKeyDefinition::hash("/address/city");
        let nested = json!({"id": "1", "address": {"city": "Lyon"}});
        let key = partition_key_of(&definition, nested.as_object().unwrap()).unwrap();
        assert_eq!(key.to_string(), r#"["Lyon"]"#);
        // Missing: the undefined key, not null.
        let missing = json!({"id": "2"});
        let key = partition_key_of(&definition, missing.as_object().unwrap()).unwrap();
        assert_eq!(key.to_string(), "[{}]");
        // Non-ASCII is escaped, as a header value must be.
        assert_eq!(header_partition_key(r#"["é"]"#), r#"["\u00e9"]"#);
        assert_eq!(header_partition_key("not json"), "not json");
    }

    #[test]
    fn system_properties_are_left_out_of_an_edit() {
        let item = json!({"id": "1", "_rid": "r", "_etag": "e", "_ts": 1, "_self": "s", "own": 2});
        assert_eq!(own_properties(&item), json!({"id": "1", "own": 2}));
    }

    #[test]
    fn the_example_item_has_the_partition_key_property() {
        let example = example_item(Some(&PartitionKeyDefinition::hash("/a/b")));
        let example: Value = serde_json::from_str(&example).unwrap();
        assert_eq!(example, json!({"id": "item-1", "a": {"b": "value"}}));
    }

    #[test]
    fn only_known_done_values_show_a_notice() {
        assert!(done_notice(Some("created")).is_some());
        assert!(done_notice(Some("Your key leaked, visit evil.example")).is_none());
        assert!(done_notice(None).is_none());
    }
}
