//! The access-control pages: users → permissions (and minting a resource token), Entra ID role
//! definitions and assignments, and the account keys.
//!
//! | explorer route | what it does |
//! |---|---|
//! | `GET /_explorer/users` | `GET /dbs`, then `GET /dbs/{db}/users` for each database |
//! | `POST /_explorer/dbs/{db}/users` (`id`) | `POST /dbs/{db}/users` |
//! | `GET /_explorer/dbs/{db}/users/{user}` | `GET …/users/{user}`, `GET …/permissions`, `GET /dbs/{db}/colls` |
//! | `POST /_explorer/dbs/{db}/users/{user}/delete` | `DELETE …/users/{user}` |
//! | `POST /_explorer/dbs/{db}/users/{user}/permissions` (`id`, `mode`, `resource`, `partition_key`) | `POST …/permissions` |
//! | `POST /_explorer/dbs/{db}/users/{user}/permissions/{p}/token` (`lifetime`) | `GET …/permissions/{p}` with `x-ms-documentdb-expiry-seconds` |
//! | `POST /_explorer/dbs/{db}/users/{user}/permissions/{p}/delete` | `DELETE …/permissions/{p}` |
//! | `GET /_explorer/roles` | reads the role definitions, assignments and registered applications |
//! | `GET /_explorer/keys?reveal=<kind>` | reads the four keys; shows one in full only when asked |
//! | `POST /_explorer/keys/regenerate` (`kind`) | `POST /_cosmolab/keys/regenerate` |
//!
//! Users and permissions are data-plane resources: they are read and changed with ordinary
//! Cosmos DB requests, like items. Keys, role definitions and assignments and applications are
//! not: on Azure they belong to the **management plane** (Azure Resource Manager, `az cosmosdb
//! keys …`, `az cosmosdb sql role …`, Entra app registrations), which no Cosmos DB key reaches.
//! The emulator keeps them in its state and serves them under `/_cosmolab/`; these pages read
//! them with the same functions those admin routes use, and regenerate a key through the admin
//! route itself.
//!
//! Secrets: a resource token is shown once, on the page that minted it, and never written to a
//! URL or a log; the page answers `Cache-Control: no-store` so the browser keeps no copy. Keys
//! show masked unless the user asks to reveal one; an application's client secret is never
//! shown (the emulator keeps only its hash).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cosmolab_auth_signing::{format_http_date, parse_http_date};
use cosmolab_model::RoleType;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use super::data::{
    NewId, WHOLE_FEED, database_page, done_notice, encoded, feed, refused, see_other, text,
};
use crate::explorer::api::ExplorerClient;
use crate::explorer::layout::{self, Section, page as frame};
use crate::handlers::permissions::{
    DEFAULT_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME,
};
use crate::keys::KeyKind;
use crate::state::AppState;

/// This module's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_explorer/users", get(users))
        .route("/_explorer/dbs/{db}/users", post(create_user))
        .route("/_explorer/dbs/{db}/users/{user}", get(user))
        .route("/_explorer/dbs/{db}/users/{user}/delete", post(delete_user))
        .route(
            "/_explorer/dbs/{db}/users/{user}/permissions",
            post(create_permission),
        )
        .route(
            "/_explorer/dbs/{db}/users/{user}/permissions/{permission}/token",
            post(mint_token),
        )
        .route(
            "/_explorer/dbs/{db}/users/{user}/permissions/{permission}/delete",
            post(delete_permission),
        )
        .route("/_explorer/roles", get(roles))
        .route("/_explorer/keys", get(keys))
        .route("/_explorer/keys/regenerate", post(regenerate_key))
}

/// A page that may hold a secret: the browser must not keep it (no cache, no back-button copy).
fn no_store(page: Markup) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], page).into_response()
}

// ---------------------------------------------------------------------------------------------
// The expiry of the last token minted here, per permission.
// ---------------------------------------------------------------------------------------------

/// When the last token the explorer minted for each permission (by its link,
/// `dbs/{db}/users/{user}/permissions/{p}`) expires, on the emulator's clock.
///
/// The service keeps no record of the tokens it mints — that is the point of a resource token: a
/// signed snapshot of the permission, checked on its own — so only the explorer can remember what
/// it handed out. Only the expiry is kept, never the token.
///
/// Why a `static` rather than a field of the emulator's state: this is the explorer's memory of
/// its own pages, not the account's data, and the explorer is one per emulator process in practice
/// (the binary runs one emulator). The limitations: it is forgotten on restart; and emulators that
/// share a process (tests) share the map, so their entries meet when they use the same database,
/// user and permission ids — tests give each scenario its own names.
fn last_expiries() -> &'static Mutex<HashMap<String, SystemTime>> {
    static LAST_EXPIRIES: OnceLock<Mutex<HashMap<String, SystemTime>>> = OnceLock::new();
    LAST_EXPIRIES.get_or_init(Mutex::default)
}

fn last_expiry(link: &str) -> Option<SystemTime> {
    last_expiries()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(link)
        .copied()
}

fn remember_expiry(link: String, expires_at: SystemTime) {
    last_expiries()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(link, expires_at);
}

/// "expires …, in 59 min" or "expired …", against `now` on the emulator's clock.
fn expiry_text(expires_at: SystemTime, now: SystemTime) -> String {
    let when = format_http_date(expires_at);
    match expires_at.duration_since(now) {
        Ok(left) if !left.is_zero() => {
            format!("{when} (in {} min)", left.as_secs().div_ceil(60))
        }
        _ => format!("{when} (expired)"),
    }
}

/// The emulator's clock as an answer's `Date` states it (time travel moves it); the machine's
/// clock if there is none.
fn service_now(answer: &crate::explorer::api::Answer) -> SystemTime {
    answer
        .header("date")
        .and_then(|date| parse_http_date(date).ok())
        .unwrap_or_else(SystemTime::now)
}

// ---------------------------------------------------------------------------------------------
// Users.
// ---------------------------------------------------------------------------------------------

/// `?done=` after a redirect.
#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

/// The Cosmos DB path of a user.
fn user_path(database: &str, user: &str) -> String {
    format!("/dbs/{}/users/{}", encoded(database), encoded(user))
}

/// The explorer page of a user.
fn user_page(database: &str, user: &str) -> String {
    format!("/_explorer{}", user_path(database, user))
}

/// `GET /_explorer/users`: every database's users.
async fn users(State(state): State<AppState>, Query(query): Query<Done>) -> Response {
    let cosmos = ExplorerClient::new(state);
    render_users(&cosmos, done_notice(query.done.as_deref())).await
}

/// The users page, with a notice after an action.
async fn render_users(cosmos: &ExplorerClient, notice: Option<Markup>) -> Response {
    let databases = cosmos.send(Method::GET, "/dbs", &[WHOLE_FEED], None).await;
    if !databases.ok() {
        return layout::error_page(databases.status, "Users & permissions", databases.message());
    }
    // One feed read per database: users live in a database, not in the account.
    let mut sections = Vec::new();
    for database in feed(&databases, "Databases") {
        let id = text(database, "id").to_owned();
        let path = format!("/dbs/{}/users", encoded(&id));
        let users = cosmos.send(Method::GET, &path, &[WHOLE_FEED], None).await;
        sections.push((id, users));
    }
    let body = html! {
        @if let Some(notice) = notice { (notice) }
        p {
            "A user is a name inside a database; its permissions each grant All or Read on one \
             resource (a container, an item…), maybe narrowed to one partition key. Reading a \
             permission mints a resource token for it: what a mid-tier service hands to a client \
             instead of a key."
        }
        @if sections.is_empty() {
            p.muted { "No databases yet: " a href="/_explorer/dbs" { "create one" } " first." }
        }
        @for (database, users) in &sections {
            h2 { "Database " a href=(database_page(database)) { (database) } }
            @if !users.ok() {
                (refused("Could not list the users", users))
            } @else if feed(users, "Users").is_empty() {
                p.muted { "No users." }
            } @else {
                table {
                    thead { tr { th { "User" } th { "_rid" } } }
                    tbody {
                        @for user in feed(users, "Users") {
                            tr {
                                td { a href=(user_page(database, text(user, "id"))) { (text(user, "id")) } }
                                td { code { (text(user, "_rid")) } }
                            }
                        }
                    }
                }
            }
            form.panel method="post" action={ (database_page(database)) "/users" } {
                label { "New user in " (database) input name="id" required; }
                div { button type="submit" { "Create user" } }
            }
        }
    };
    frame("Users & permissions", Section::Users, body).into_response()
}

/// `POST /_explorer/dbs/{db}/users` (`id`): `POST /dbs/{db}/users`, then to the new user.
async fn create_user(
    State(state): State<AppState>,
    Path(database): Path<String>,
    Form(form): Form<NewId>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let path = format!("/dbs/{}/users", encoded(&database));
    let body = json!({ "id": form.id });
    let answer = cosmos
        .send(Method::POST, &path, &[JSON_BODY], Some(&body))
        .await;
    if answer.ok() {
        return see_other(&format!("{}?done=created", user_page(&database, &form.id)));
    }
    render_users(&cosmos, Some(refused("Could not create the user", &answer))).await
}

/// `POST /_explorer/dbs/{db}/users/{user}/delete`: `DELETE …/users/{user}`.
async fn delete_user(
    State(state): State<AppState>,
    Path((database, user)): Path<(String, String)>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let answer = cosmos
        .send(Method::DELETE, &user_path(&database, &user), &[], None)
        .await;
    if answer.ok() {
        return see_other("/_explorer/users?done=deleted");
    }
    let notice = refused("Could not delete the user", &answer);
    render_user(&cosmos, &database, &user, UserExtras::notice(notice)).await
}

/// The headers of a request with a JSON body.
const JSON_BODY: (&str, &str) = ("content-type", "application/json");

// ---------------------------------------------------------------------------------------------
// One user: its permissions, and minting a token.
// ---------------------------------------------------------------------------------------------

/// A token just minted, to show once. Deliberately not `Debug`: it holds a secret.
struct Minted {
    permission: String,
    token: String,
    expires_at: SystemTime,
    lifetime: u64,
}

/// What a user's page shows besides the user: a notice, a token just minted, the form as typed.
#[derive(Default)]
struct UserExtras {
    notice: Option<Markup>,
    minted: Option<Minted>,
    draft: Option<NewPermission>,
}

impl UserExtras {
    fn notice(notice: Markup) -> Self {
        Self {
            notice: Some(notice),
            ..Self::default()
        }
    }
}

/// The form that creates a permission.
#[derive(Debug, Default, Deserialize)]
struct NewPermission {
    #[serde(default)]
    id: String,
    /// `All` or `Read`.
    #[serde(default)]
    mode: String,
    /// A resource link, e.g. `dbs/shop/colls/orders`.
    #[serde(default)]
    resource: String,
    /// Optional: a JSON array, e.g. `["customer-1"]`.
    #[serde(default)]
    partition_key: String,
}

/// The form that mints a token.
#[derive(Debug, Default, Deserialize)]
struct MintForm {
    /// Seconds, as typed: the service judges it.
    #[serde(default)]
    lifetime: String,
}

/// `GET /_explorer/dbs/{db}/users/{user}`.
async fn user(
    State(state): State<AppState>,
    Path((database, user)): Path<(String, String)>,
    Query(query): Query<Done>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let mut extras = UserExtras::default();
    if query.done.as_deref() == Some("deleted") {
        // Deleting a permission revokes nothing already handed out: the lesson of seed 002.
        extras.notice = Some(layout::notice(
            true,
            "Deleted: the service answered 204 No Content. A token minted from this permission \
             still works until it expires: the token carries its own expiry and scope, and the \
             service keeps no list of tokens to revoke. That is why token lifetimes are kept short.",
        ));
    } else {
        extras.notice = done_notice(query.done.as_deref());
    }
    render_user(&cosmos, &database, &user, extras).await
}

/// A user's page: its permissions with their last token's expiry, a token just minted (shown
/// this once), and the form for a new permission.
async fn render_user(
    cosmos: &ExplorerClient,
    database: &str,
    user: &str,
    extras: UserExtras,
) -> Response {
    let title = format!("User {user}");
    let read = cosmos.get(&user_path(database, user)).await;
    if !read.ok() {
        return layout::error_page(read.status, &title, read.message());
    }
    let permissions_path = format!("{}/permissions", user_path(database, user));
    // Reading the feed mints a fresh token for every permission in it (the service never stores
    // one); this page drops them all: a token is shown only when the user asks for one.
    let permissions = cosmos
        .send(Method::GET, &permissions_path, &[WHOLE_FEED], None)
        .await;
    let now = service_now(&permissions);
    let containers_path = format!("/dbs/{}/colls", encoded(database));
    let containers = cosmos
        .send(Method::GET, &containers_path, &[WHOLE_FEED], None)
        .await;
    let user_link = format!("dbs/{database}/users/{user}");
    let draft = extras.draft.unwrap_or_default();
    let (min, max) = (MIN_TOKEN_LIFETIME.as_secs(), MAX_TOKEN_LIFETIME.as_secs());
    let body = html! {
        p.muted {
            a href="/_explorer/users" { "Users" } " › "
            a href=(database_page(database)) { (database) } " › " (user)
            " · link " code { (user_link) }
        }
        @if let Some(notice) = &extras.notice { (notice) }
        @if let Some(minted) = &extras.minted { (minted_panel(minted)) }
        h2 { "Permissions" }
        @if !permissions.ok() {
            (refused("Could not list the permissions", &permissions))
        } @else if feed(&permissions, "Permissions").is_empty() {
            p.muted { "No permissions: a token for this user could reach nothing. Create one below." }
        } @else {
            table {
                thead { tr {
                    th { "Permission" } th { "Mode" } th { "Resource" } th { "Partition key" }
                    th { "Last token minted here" } th { "Mint a token" } th {}
                } }
                tbody {
                    @for permission in feed(&permissions, "Permissions") {
                        @let id = text(permission, "id");
                        @let page = format!("{}/permissions/{}", user_page(database, user), encoded(id));
                        tr {
                            td { (id) }
                            td { (text(permission, "permissionMode")) }
                            td { code { (text(permission, "resource")) } }
                            td { @match permission.get("resourcePartitionKey") {
                                Some(key) => code { (key) },
                                None => span.muted { "any" },
                            } }
                            td { @match last_expiry(&format!("{user_link}/permissions/{id}")) {
                                Some(expires_at) => (expiry_text(expires_at, now)),
                                None => span.muted { "none" },
                            } }
                            td {
                                form.inline method="post" action={ (page) "/token" } {
                                    input name="lifetime" type="number" size="6"
                                        value=(DEFAULT_TOKEN_LIFETIME.as_secs())
                                        title="lifetime in seconds";
                                    " s "
                                    button type="submit" { "Mint" }
                                }
                            }
                            td {
                                form.inline method="post" action={ (page) "/delete" }
                                    data-confirm="Delete this permission? Tokens already minted from it keep working until they expire." {
                                    button.danger type="submit" { "Delete" }
                                }
                            }
                        }
                    }
                }
            }
            p.muted {
                "A token's lifetime is asked for in x-ms-documentdb-expiry-seconds when the permission \
                 is read; the service accepts " (min) " to " (max) " seconds and answers 400 \
                 otherwise. Listing the permissions above read them too, so the service minted a \
                 token for each (default lifetime " (DEFAULT_TOKEN_LIFETIME.as_secs()) " s), which \
                 this page dropped."
            }
        }
        h2 { "New permission" }
        form.panel method="post" action={ (user_page(database, user)) "/permissions" } {
            label { "Id" input name="id" value=(draft.id) required; }
            label { "Mode: All (read, write, delete, run scripts) or Read (point reads, queries, feeds)"
                select name="mode" {
                    @for mode in ["All", "Read"] {
                        option value=(mode) selected[draft.mode == mode] { (mode) }
                    }
                }
            }
            label { "Resource: a link in this database — a container (dbs/" (database) "/colls/…) or \
                     anything in one (…/docs/<id>)"
                input name="resource" list="container-links" value=(draft.resource)
                    placeholder={ "dbs/" (database) "/colls/…" };
                datalist #container-links {
                    @for container in feed(&containers, "DocumentCollections") {
                        option value={ "dbs/" (database) "/colls/" (text(container, "id")) } {}
                    }
                }
            }
            label { "Partition key (optional, a JSON array such as [\"customer-1\"]): the token then \
                     reaches only that logical partition"
                input name="partition_key" value=(draft.partition_key) placeholder="[\"customer-1\"]";
            }
            div { button type="submit" { "Create permission" } }
        }
        h2 { "Delete the user" }
        form.inline method="post" action={ (user_page(database, user)) "/delete" }
            data-confirm="Delete this user and its permissions?" {
            button.danger type="submit" { "Delete user " (user) }
        }
    };
    let page = frame(&title, Section::Users, body);
    if extras.minted.is_some() {
        no_store(page)
    } else {
        page.into_response()
    }
}

/// The token just minted, with a copy button, its expiry, and how to use it.
fn minted_panel(minted: &Minted) -> Markup {
    html! {
        div.panel.token {
            h2 { "Resource token for permission " (minted.permission) }
            p { (layout::copyable("minted-token", &minted.token)) }
            p {
                "Expires " (format_http_date(minted.expires_at)) " on the emulator's clock (asked for "
                (minted.lifetime) " s, counted from the answer's Date header)."
            }
            p.muted {
                "Shown this once: the service keeps no tokens and the explorer does not either. A \
                 client sends it, percent-encoded, as its Authorization header, with x-ms-date. \
                 Need another? Mint again: every read of the permission mints a new token."
            }
        }
    }
}

/// `POST /_explorer/dbs/{db}/users/{user}/permissions`: `POST …/permissions`.
async fn create_permission(
    State(state): State<AppState>,
    Path((database, user)): Path<(String, String)>,
    Form(form): Form<NewPermission>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let mut body = json!({
        "id": form.id,
        "permissionMode": form.mode,
        "resource": form.resource.trim(),
    });
    if !form.partition_key.trim().is_empty() {
        match serde_json::from_str::<Value>(&form.partition_key) {
            Ok(key) => body["resourcePartitionKey"] = key,
            Err(error) => {
                let text = format!(
                    "The partition key is not valid JSON: {error}. Write a JSON array such as \
                     [\"customer-1\"]. Nothing was sent."
                );
                let extras = UserExtras {
                    notice: Some(layout::notice(false, &text)),
                    draft: Some(form),
                    ..UserExtras::default()
                };
                return render_user(&cosmos, &database, &user, extras).await;
            }
        }
    }
    let path = format!("{}/permissions", user_path(&database, &user));
    // The answer carries a token minted with the default lifetime; it is dropped unseen: the user
    // did not ask for one (the "Mint" button does, with the lifetime chosen).
    let answer = cosmos
        .send(Method::POST, &path, &[JSON_BODY], Some(&body))
        .await;
    if answer.ok() {
        return see_other(&format!("{}?done=created", user_page(&database, &user)));
    }
    let extras = UserExtras {
        notice: Some(refused("Could not create the permission", &answer)),
        draft: Some(form),
        ..UserExtras::default()
    };
    render_user(&cosmos, &database, &user, extras).await
}

/// `POST …/permissions/{p}/token` (`lifetime`): reads the permission with
/// `x-ms-documentdb-expiry-seconds`, and shows the token it comes with — once, on this page, never
/// in a URL (the form is a POST and the answer is not a redirect) or a log.
async fn mint_token(
    State(state): State<AppState>,
    Path((database, user, permission)): Path<(String, String, String)>,
    Form(form): Form<MintForm>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let lifetime = form.lifetime.trim();
    let path = format!(
        "{}/permissions/{}",
        user_path(&database, &user),
        encoded(&permission)
    );
    // The lifetime goes as typed: the service decides what it accepts, and says so.
    let answer = cosmos
        .send(
            Method::GET,
            &path,
            &[("x-ms-documentdb-expiry-seconds", lifetime)],
            None,
        )
        .await;
    let token = answer.body["_token"].as_str();
    let (true, Some(token), Ok(seconds)) = (answer.ok(), token, lifetime.parse::<u64>()) else {
        let notice = refused("Could not mint a token", &answer);
        return render_user(&cosmos, &database, &user, UserExtras::notice(notice)).await;
    };
    // The token expires `lifetime` after it was minted, on the service's clock — which the
    // answer's `Date` states. A client (a token broker) computes it the same way; the token
    // itself is opaque to clients.
    let expires_at = service_now(&answer) + Duration::from_secs(seconds);
    remember_expiry(
        format!("dbs/{database}/users/{user}/permissions/{permission}"),
        expires_at,
    );
    let minted = Minted {
        permission,
        token: token.to_owned(),
        expires_at,
        lifetime: seconds,
    };
    let extras = UserExtras {
        notice: Some(layout::notice(
            true,
            "Minted: the service answered 200 OK with a new token in _token.",
        )),
        minted: Some(minted),
        ..UserExtras::default()
    };
    render_user(&cosmos, &database, &user, extras).await
}

/// `POST …/permissions/{p}/delete`: `DELETE …/permissions/{p}`.
async fn delete_permission(
    State(state): State<AppState>,
    Path((database, user, permission)): Path<(String, String, String)>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let path = format!(
        "{}/permissions/{}",
        user_path(&database, &user),
        encoded(&permission)
    );
    let answer = cosmos.send(Method::DELETE, &path, &[], None).await;
    if answer.ok() {
        return see_other(&format!("{}?done=deleted", user_page(&database, &user)));
    }
    let notice = refused("Could not delete the permission", &answer);
    render_user(&cosmos, &database, &user, UserExtras::notice(notice)).await
}

// ---------------------------------------------------------------------------------------------
// Entra ID: role definitions, assignments, applications (read-only).
// ---------------------------------------------------------------------------------------------

/// `GET /_explorer/roles`.
///
/// Role definitions and assignments are Resource Manager resources on Azure (management plane,
/// not Cosmos DB requests), so they are read here from the emulator's state, with the functions
/// `GET /_cosmolab/sqlRoleDefinitions` and `…/sqlRoleAssignments` answer from.
async fn roles(State(state): State<AppState>) -> Markup {
    // Both locks are taken and released here, before anything is rendered or awaited.
    let (definitions, assignments) = {
        let rbac = state.rbac();
        let assignments: Vec<_> = rbac
            .assignments()
            .into_iter()
            .map(|(id, assignment)| {
                // Stored as the role's id; Resource Manager's answers carry a full resource id.
                let role_id = assignment
                    .role_definition_id
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let role_name = rbac
                    .definition(&role_id)
                    .map(|role| role.role_name)
                    .unwrap_or_default();
                (id, role_id, role_name, assignment)
            })
            .collect();
        (rbac.definitions(), assignments)
    };
    let applications = state.identity.applications();
    let application_of = |object_id: &str| {
        applications
            .iter()
            .find(|application| application.object_id == object_id)
            .map(|application| application.display_name.as_str())
    };
    let body = html! {
        p {
            "An Entra ID caller (an application with a token from the tenant "
            code { (state.identity.tenant_id()) } ") is allowed a request when one of its role "
            "assignments has a scope containing the request's and a role granting its data action. "
            "Definitions and assignments are managed through Azure Resource Manager ("
            code { "az cosmosdb sql role …" } "); the emulator serves them under "
            code { "/_cosmolab/sqlRoleDefinitions" } " and " code { "/_cosmolab/sqlRoleAssignments" }
            ", with the primary key. This page only reads them."
        }
        h2 { "Role definitions" }
        table {
            thead { tr { th { "Role" } th { "Type" } th { "Assignable scopes" } th { "Data actions" } } }
            tbody {
                @for (id, role) in &definitions {
                    tr {
                        td { strong { (role.role_name) } br; code.muted { (id) } }
                        td { @match role.role_type {
                            RoleType::BuiltInRole => "built-in",
                            RoleType::CustomRole => "custom",
                        } }
                        td { @for scope in &role.assignable_scopes { code { (scope) } br; } }
                        td { @for permission in &role.permissions {
                            @for action in &permission.data_actions { code { (action) } br; }
                        } }
                    }
                }
            }
        }
        h2 { "Role assignments" }
        @if assignments.is_empty() {
            p.muted { "No role assignments: no Entra ID caller may read or write data yet." }
        } @else {
            table {
                thead { tr { th { "Assignment" } th { "Role" } th { "Scope" } th { "Principal (object id)" } } }
                tbody {
                    @for (id, role_id, role_name, assignment) in &assignments {
                        tr {
                            td { code { (id) } }
                            td { (role_name) br; code.muted { (role_id) } }
                            td { code { (assignment.scope) } }
                            td {
                                code { (assignment.principal_id) }
                                @if let Some(name) = application_of(&assignment.principal_id) {
                                    br; "application " strong { (name) }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Registered applications" }
        @if applications.is_empty() {
            p.muted { "No applications registered (POST /_cosmolab/identity/applications, or --applications)." }
        } @else {
            table {
                thead { tr { th { "Display name" } th { "Client id" } th { "Object id (the principal roles are assigned to)" } } }
                tbody {
                    @for application in &applications {
                        tr {
                            td { (application.display_name) }
                            td { code { (application.client_id) } }
                            td { code { (application.object_id) } }
                        }
                    }
                }
            }
            p.muted { "Client secrets are shown once, when an application is registered; the emulator keeps only their hash." }
        }
    };
    frame("Roles", Section::Roles, body)
}

// ---------------------------------------------------------------------------------------------
// Keys.
// ---------------------------------------------------------------------------------------------

/// `?reveal=<kind>` and `?regenerated=<kind>`, as Resource Manager names kinds (`primary`,
/// `primaryReadonly`, …).
#[derive(Debug, Default, Deserialize)]
struct KeysQuery {
    reveal: Option<String>,
    regenerated: Option<String>,
}

/// The form that regenerates a key.
#[derive(Debug, Default, Deserialize)]
struct RegenerateForm {
    #[serde(default)]
    kind: String,
}

/// The kind named `name` (Resource Manager's spelling), if any.
fn key_kind(name: &str) -> Option<KeyKind> {
    KeyKind::ALL
        .into_iter()
        .find(|kind| kind.arm_name() == name)
}

/// A key as the page shows it unless revealed: its first four characters.
fn masked(key: &str) -> String {
    format!("{}…", key.chars().take(4).collect::<String>())
}

/// `GET /_explorer/keys?reveal=<kind>`.
///
/// Keys are management-plane data (on Azure, Resource Manager's `listKeys`): read here from the
/// emulator's state with the function `GET /_cosmolab/keys` answers from.
async fn keys(State(state): State<AppState>, Query(query): Query<KeysQuery>) -> Response {
    let notice = query
        .regenerated
        .as_deref()
        .and_then(key_kind)
        .map(|kind| layout::notice(true, &regenerated_text(kind)));
    let reveal = query.reveal.as_deref().and_then(key_kind);
    render_keys(&state, notice, reveal)
}

/// What regenerating `kind` changed, for the notice.
fn regenerated_text(kind: KeyKind) -> String {
    let tokens = if kind == KeyKind::Primary {
        "Every resource token it signed is revoked too (401: signed by an older generation of the \
         primary key): read the permissions again for new tokens. The explorer signs with the new \
         key from its next request on."
    } else {
        "Resource tokens are untouched: they are signed with the primary key."
    };
    format!("The {kind} was regenerated: requests signed with the old one now get 401. {tokens}")
}

/// The keys page: each key masked (one in full if asked), its generation, and the rotation steps.
fn render_keys(state: &AppState, notice: Option<Markup>, reveal: Option<KeyKind>) -> Response {
    // The lock is released at the end of this statement, before rendering.
    let rows: Vec<(KeyKind, String, u32)> = {
        let keys = state.keys();
        KeyKind::ALL
            .into_iter()
            .map(|kind| {
                (
                    kind,
                    keys.key(kind).reveal_base64(),
                    keys.slot(kind).generation,
                )
            })
            .collect()
    };
    let body = html! {
        @if let Some(notice) = notice { (notice) }
        p {
            "Anyone with a read-write key can do anything in the account, including managing users \
             and permissions; a read-only key can read data and run queries. Keys are shown masked: "
            "reveal one only to copy it."
        }
        table {
            thead { tr { th { "Key" } th { "Value" } th { "Generation" } th {} } }
            tbody {
                @for (kind, key, generation) in &rows {
                    tr {
                        td { (kind.to_string()) br; code.muted { (kind.arm_name()) } }
                        td {
                            @if reveal == Some(*kind) {
                                (layout::copyable(&format!("key-{}", kind.arm_name()), key))
                                " " a href="/_explorer/keys" { "hide" }
                            } @else {
                                code { (masked(key)) } " "
                                a href={ "/_explorer/keys?reveal=" (kind.arm_name()) } { "reveal" }
                            }
                        }
                        td { (generation) @if *generation == 0 { span.muted { " (never regenerated)" } } }
                        td {
                            form.inline method="post" action="/_explorer/keys/regenerate"
                                data-confirm={ "Regenerate the " (kind.to_string()) "? Every client using it gets 401 from now on." } {
                                input type="hidden" name="kind" value=(kind.arm_name());
                                button.danger type="submit" { "Regenerate" }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Rotating keys without downtime" }
        p { "Two keys of each kind exist so that one can be replaced while clients use the other:" }
        ol.steps {
            li { "Move every client to the " strong { "secondary" } " key (each keeps working: both keys are valid)." }
            li { "Regenerate the " strong { "primary" } " key: requests signed with the old primary now get 401." }
            li { "Move the clients back to the new primary key." }
            li { "Regenerate the " strong { "secondary" } " key, so that the copies handed out in step 1 stop working." }
        }
        p { "Read-only keys rotate the same way: readers move to the secondary read-only key, the primary read-only key is regenerated, readers move back, then the secondary read-only key is regenerated." }
        p {
            "Resource tokens: this emulator signs every resource token with the primary key and "
            "writes the key's generation into it, so regenerating the " strong { "primary" } " key "
            "revokes every token minted before (401) — clients must read their permissions again. "
            "Regenerating the secondary or a read-only key leaves tokens alone. This is our choice "
            "(docs/fidelity.md): one report saw tokens survive a regeneration on Azure; we revoke, "
            "which is the safer behaviour and makes rotation visible."
        }
        p.muted {
            "Keys are managed through Azure Resource Manager (az cosmosdb keys list / regenerate), "
            "not with Cosmos DB requests; the emulator serves the same at /_cosmolab/keys, with the "
            "primary key."
        }
    };
    no_store(frame("Keys", Section::Keys, body))
}

/// `POST /_explorer/keys/regenerate` (`kind`): through the admin route
/// `POST /_cosmolab/keys/regenerate`, then back to the keys page with a notice.
///
/// This is a management-plane operation (on Azure, Resource Manager's `regenerateKey`), not a
/// Cosmos DB request: so it appears in the emulator's log, not in the data-plane audit log. Going
/// through the admin route runs the very code an `az`-style client runs, with its check that the
/// caller holds the current primary key.
async fn regenerate_key(
    State(state): State<AppState>,
    Form(form): Form<RegenerateForm>,
) -> Response {
    let Some(kind) = key_kind(&form.kind) else {
        let text = format!(
            "There is no key kind '{}': the kinds are primary, secondary, primaryReadonly and \
             secondaryReadonly. Nothing was regenerated.",
            form.kind
        );
        return render_keys(&state, Some(layout::notice(false, &text)), None);
    };
    let cosmos = ExplorerClient::new(state.clone());
    let body = json!({ "keyKind": kind.arm_name() });
    // The answer lists the new keys: it is dropped, the page reads them (masked) itself.
    let answer = cosmos
        .send(
            Method::POST,
            "/_cosmolab/keys/regenerate",
            &[JSON_BODY],
            Some(&body),
        )
        .await;
    if answer.ok() {
        return see_other(&format!("/_explorer/keys?regenerated={}", kind.arm_name()));
    }
    let notice = refused(&format!("Could not regenerate the {kind}"), &answer);
    render_keys(&state, Some(notice), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_masked_to_four_characters() {
        assert_eq!(
            masked(
                "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
            ),
            "C2y6…"
        );
        assert_eq!(masked("ab"), "ab…");
    }

    #[test]
    fn key_kinds_are_named_as_resource_manager_names_them() {
        assert_eq!(key_kind("primaryReadonly"), Some(KeyKind::PrimaryReadonly));
        assert_eq!(key_kind("PRIMARY"), None);
    }

    #[test]
    fn an_expiry_says_whether_it_has_passed() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert!(expiry_text(now + Duration::from_secs(3600), now).ends_with("(in 60 min)"));
        assert!(expiry_text(now, now).ends_with("(expired)"));
    }
}
