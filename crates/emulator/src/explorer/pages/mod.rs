//! The explorer's pages, one module per section of the navigation.
//!
//! | module | pages |
//! |---|---|
//! | [`overview`] | `/_explorer/`: the account at a glance |
//! | [`data`] | databases → containers → items (view, create, edit, delete, query, paging) |
//! | [`scripts`] | a container's stored procedures, triggers and UDFs (read, add, run) |
//! | [`security`] | users → permissions (mint a token), role definitions and assignments, keys |
//! | [`log`] | the live request log, with filters and each refusal's reason |
//!
//! Every handler reads and acts through [`super::api::ExplorerClient`], as the account owner.

pub mod data;
pub mod log;
pub mod overview;
pub mod scripts;
pub mod security;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// Every page's route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_explorer", get(overview::page))
        .route("/_explorer/", get(overview::page))
        .route("/_explorer/log", get(log::page))
        .merge(data::routes())
        .merge(scripts::routes())
        .merge(security::routes())
}
