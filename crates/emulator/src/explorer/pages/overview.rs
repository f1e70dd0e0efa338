//! `/_explorer/`: the account at a glance, and where to go next.

use axum::extract::State;
use maud::{Markup, html};

use crate::explorer::api::ExplorerClient;
use crate::explorer::layout::{Section, page as frame};
use crate::state::AppState;

/// `GET /_explorer/`.
pub async fn page(State(state): State<AppState>) -> Markup {
    let cosmos = ExplorerClient::new(state.clone());
    let databases = cosmos.get("/dbs").await;
    let database_count = databases.body["_count"].as_u64().unwrap_or(0);
    let recent = state.audit.read(&crate::audit::AuditFilter::default());
    let refused = recent.iter().filter(|record| record.denied()).count();
    let local_auth = if state.local_auth_disabled() {
        "off (disableLocalAuth): only Entra ID tokens"
    } else {
        "on: keys, resource tokens and Entra ID tokens"
    };
    let body = html! {
        div.cards {
            div.card { strong { (database_count) } a href="/_explorer/dbs" { "databases" } }
            div.card { strong { (recent.len()) } a href="/_explorer/log" { "requests in the log" } }
            div.card { strong { (refused) } a href="/_explorer/log?denied=true" { "of them refused" } }
        }
        h2 { "This account" }
        table {
            tr { th { "Account" } td { (state.settings.account_id) } }
            tr { th { "Entra tenant" } td { code { (state.settings.tenant_id) } } }
            tr { th { "Local authorization" } td { (local_auth) } }
        }
        h2 { "Where to go" }
        ul {
            li { a href="/_explorer/dbs" { "Data" } ": databases, containers and items; run a query." }
            li { a href="/_explorer/users" { "Users & permissions" } ": mint a resource token for a permission and try it." }
            li { a href="/_explorer/roles" { "Roles" } ": Entra ID role definitions and who is assigned what, where." }
            li { a href="/_explorer/keys" { "Keys" } ": the four account keys and how to rotate them." }
            li { a href="/_explorer/log" { "Request log" } ": every request as it happens, who made it, and why a refusal was refused." }
        }
    };
    frame("Overview", Section::Home, body)
}
