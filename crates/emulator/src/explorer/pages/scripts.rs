//! `/_explorer/dbs/{db}/colls/{c}/scripts`: a container's stored procedures, triggers and
//! user-defined functions — read their source, add a stored procedure, run one in a partition.
//!
//! Like every page, each read and action is a Cosmos DB request through [`ExplorerClient`], as
//! the account owner (`docs/scripts.md` explains scripts):
//!
//! | explorer route | Cosmos DB request |
//! |---|---|
//! | `GET …/scripts` | `GET …/sprocs`, `GET …/triggers`, `GET …/udfs` |
//! | `POST …/scripts/sprocs` (`id`, `body`) | `POST …/sprocs` |
//! | `POST …/scripts/sprocs/{id}/run` (`pk`, `args`) | `POST …/sprocs/{id}` with the partition key and the arguments |
//!
//! Running a procedure here shows its answer, its `console.log` lines and its charge on the same
//! page; a refusal (a throw, the time limit, a partition outside the script's reach) shows the
//! service's status and message, which is the lesson.

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use super::data::{container_page, encoded, feed, refused, text};
use crate::explorer::api::ExplorerClient;
use crate::explorer::layout::{self, Section, page as frame};
use crate::state::AppState;

/// This module's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_explorer/dbs/{db}/colls/{c}/scripts", get(scripts))
        .route(
            "/_explorer/dbs/{db}/colls/{c}/scripts/sprocs",
            post(create_procedure),
        )
        .route(
            "/_explorer/dbs/{db}/colls/{c}/scripts/sprocs/{id}/run",
            post(run_procedure),
        )
}

/// The explorer page of a container's scripts.
pub(super) fn scripts_page(database: &str, container: &str) -> String {
    format!("{}/scripts", container_page(database, container))
}

/// The Cosmos DB path of a container's scripts of one kind: `/dbs/{db}/colls/{c}/sprocs`.
fn scripts_path(database: &str, container: &str, kind: &str) -> String {
    format!(
        "/dbs/{}/colls/{}/{kind}",
        encoded(database),
        encoded(container)
    )
}

/// A new stored procedure, as typed.
#[derive(Deserialize, Default)]
struct NewProcedure {
    #[serde(default)]
    id: String,
    #[serde(default)]
    body: String,
}

/// A run of a stored procedure, as typed: the partition key value and the arguments as JSON.
#[derive(Deserialize, Default)]
struct Run {
    #[serde(default)]
    pk: String,
    #[serde(default)]
    args: String,
}

/// `GET …/scripts`.
async fn scripts(
    State(state): State<AppState>,
    Path((database, container)): Path<(String, String)>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    render(
        &cosmos,
        &database,
        &container,
        None,
        &NewProcedure::default(),
    )
    .await
}

/// `POST …/scripts/sprocs`: stores the procedure typed, then shows the page again.
async fn create_procedure(
    State(state): State<AppState>,
    Path((database, container)): Path<(String, String)>,
    Form(form): Form<NewProcedure>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let path = scripts_path(&database, &container, "sprocs");
    let answer = cosmos
        .send(
            Method::POST,
            &path,
            &[("content-type", "application/json")],
            Some(&json!({"id": form.id, "body": form.body})),
        )
        .await;
    let (notice, draft) = if answer.ok() {
        let text = format!("Stored procedure '{}' created.", text(&answer.body, "id"));
        (layout::notice(true, &text), NewProcedure::default())
    } else {
        (
            refused("Could not create the stored procedure", &answer),
            form,
        )
    };
    render(&cosmos, &database, &container, Some(notice), &draft).await
}

/// `POST …/scripts/sprocs/{id}/run`: runs the procedure, then shows its answer on the page.
async fn run_procedure(
    State(state): State<AppState>,
    Path((database, container, id)): Path<(String, String, String)>,
    Form(form): Form<Run>,
) -> Response {
    let cosmos = ExplorerClient::new(state);
    let outcome = run(&cosmos, (&database, &container), &id, &form).await;
    render(
        &cosmos,
        &database,
        &container,
        Some(outcome),
        &NewProcedure::default(),
    )
    .await
}

/// Runs procedure `id` as `form` says, and describes what happened.
async fn run(
    cosmos: &ExplorerClient,
    (database, container): (&str, &str),
    id: &str,
    form: &Run,
) -> Markup {
    // The partition key is typed as a value (`contoso`, `42`, `["a", 1]`); the header is a JSON
    // array. Text that is not JSON is a string.
    let value = serde_json::from_str::<Value>(form.pk.trim())
        .unwrap_or_else(|_| Value::String(form.pk.trim().to_owned()));
    let header = match value {
        Value::Array(_) => value.to_string(),
        single => json!([single]).to_string(),
    };
    let args = if form.args.trim().is_empty() {
        json!([])
    } else {
        match serde_json::from_str::<Value>(&form.args) {
            Ok(Value::Array(args)) => Value::Array(args),
            Ok(single) => json!([single]),
            Err(error) => {
                let text = format!("The arguments are not JSON: {error}. Nothing was sent.");
                return layout::notice(false, &text);
            }
        }
    };
    let path = format!(
        "{}/{}",
        scripts_path(database, container, "sprocs"),
        encoded(id)
    );
    let answer = cosmos
        .send(
            Method::POST,
            &path,
            &[
                ("content-type", "application/json"),
                ("x-ms-documentdb-partitionkey", &header),
                ("x-ms-documentdb-script-enable-logging", "true"),
            ],
            Some(&args),
        )
        .await;
    if !answer.ok() {
        return refused(&format!("Running '{id}' was refused"), &answer);
    }
    let log = answer
        .header("x-ms-documentdb-script-log-results")
        .map(|encoded| {
            percent_encoding::percent_decode_str(encoded)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    html! {
        div.notice.ok role="status" {
            p { "Ran '" (id) "' in partition " code { (header) } " · "
                (answer.header("x-ms-request-charge").unwrap_or("?")) " RU · its answer:" }
            pre.json { (serde_json::to_string_pretty(&answer.body).unwrap_or_default()) }
            @if !log.is_empty() {
                p { "console.log:" }
                pre { (log) }
            }
        }
    }
}

/// The page: the three kinds of script with their source, and the two forms.
async fn render(
    cosmos: &ExplorerClient,
    database: &str,
    container: &str,
    notice: Option<Markup>,
    draft: &NewProcedure,
) -> Response {
    let title = format!("Scripts of {container}");
    let procedures = cosmos
        .get(&scripts_path(database, container, "sprocs"))
        .await;
    if !procedures.ok() {
        return layout::error_page(procedures.status, &title, procedures.message());
    }
    let triggers = cosmos
        .get(&scripts_path(database, container, "triggers"))
        .await;
    let functions = cosmos.get(&scripts_path(database, container, "udfs")).await;
    let body = html! {
        p.muted {
            a href="/_explorer/dbs" { "Databases" } " › "
            a href=(super::data::database_page(database)) { (database) } " › "
            a href=(container_page(database, container)) { (container) } " › scripts"
        }
        @if let Some(notice) = notice { (notice) }
        h2 { "Stored procedures" }
        p.muted { "Run by a client in one partition, as one transaction: every write is kept, or none. \
                   Running one needs All on it or on the container (seed 003); a Read permission \
                   only reads its source." }
        @let procedures = feed(&procedures, "StoredProcedures");
        @if procedures.is_empty() { p.muted { "None yet." } }
        @for procedure in procedures {
            @let id = text(procedure, "id");
            details.panel {
                summary { code { (id) } }
                pre.json { (text(procedure, "body")) }
                form.inline method="post"
                    action={ (scripts_page(database, container)) "/sprocs/" (encoded(id)) "/run" } {
                    label { "Partition key " input name="pk" placeholder="contoso" required; }
                    label { "Arguments (a JSON array) " input name="args" placeholder="[]"; }
                    button type="submit" { "Run" }
                }
            }
        }
        h2 { "Triggers" }
        @let triggers = feed(&triggers, "Triggers");
        @if triggers.is_empty() { p.muted { "None. A trigger runs before (Pre) or after (Post) a write that names it in x-ms-documentdb-pre-trigger-include or -post-trigger-include." } }
        @for trigger in triggers {
            details.panel {
                summary { code { (text(trigger, "id")) } " · " (text(trigger, "triggerType")) " · "
                    (text(trigger, "triggerOperation")) }
                pre.json { (text(trigger, "body")) }
            }
        }
        h2 { "User-defined functions" }
        @let functions = feed(&functions, "UserDefinedFunctions");
        @if functions.is_empty() { p.muted { "None. A query calls one as udf.<id>(…)." } }
        @for function in functions {
            details.panel {
                summary { code { "udf." (text(function, "id")) } }
                pre.json { (text(function, "body")) }
            }
        }
        h2 { "New stored procedure" }
        form.panel method="post" action={ (scripts_page(database, container)) "/sprocs" } {
            label { "Id" input name="id" value=(draft.id) required; }
            label { "Source: one function; getContext() gives the request, the response and the collection"
                textarea name="body" rows="8"
                    placeholder="function hello(name) { getContext().getResponse().setBody('Hello, ' + name); }" { (draft.body) }
            }
            div { button type="submit" { "Create stored procedure" } }
        }
    };
    frame(&title, Section::Data, body).into_response()
}
