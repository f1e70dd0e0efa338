//! `GET /`: the database account.
//!
//! SDKs read it first, and then send every request to the endpoint it advertises. So we advertise
//! exactly the address the client used (its `Host` header), which stays right behind a container's
//! port mapping (protocol notes §0, §4).

use axum::http::StatusCode;
use cosmolab_model::DatabaseAccount;

use super::Context;
use crate::error::Result;
use crate::response::Reply;

/// Answers `GET /`.
pub fn read(context: &Context<'_>) -> Result<Reply> {
    let mut account = DatabaseAccount::new(&context.state.settings.account_id, context.endpoint);
    account.system.rid = Some(format!(
        "{}.documents.azure.com",
        context.state.settings.account_id
    ));
    account.system.self_link = Some(String::new());
    Ok(Reply::json(StatusCode::OK, &account))
}
