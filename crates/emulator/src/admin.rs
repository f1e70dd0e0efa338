//! The emulator's own API, under `/_cosmolab/`: things Azure does through Resource Manager or the
//! portal, not through the Cosmos DB endpoint.
//!
//! | route | what | who |
//! |---|---|---|
//! | `GET /_cosmolab/health` | readiness | anyone |
//! | `GET /_cosmolab/keys` | the four keys, in ARM's `listKeys` shape | the primary key |
//! | `POST /_cosmolab/keys/regenerate` `{"keyKind": "primary"}` | ARM's `regenerateKey` | the primary key |
//! | `POST /_cosmolab/clock/advance` `{"seconds": 3600}` | move token time forward | the primary key, and only with `--enable-time-travel` |
//! | `GET /_explorer/emulator.pem` | the self-signed certificate, with `--tls` | anyone |
//!
//! Requests are signed exactly like Cosmos DB requests (same string to sign, derived from the
//! path), and must be signed with the **current primary key**: key management is the account
//! owner's business, and the rotation story of seed 001 depends on it. That check is the
//! [`AdminRequest`] extractor, so a handler that takes one only ever runs for the account owner.

use std::time::Duration;

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::authenticate::{Caller, authenticate};
use crate::clock::EmulatorClock;
use crate::error::{CosmosError, Result};
use crate::keys::{KeyKind, KeyList};
use crate::request::CosmosRequest;
use crate::state::AppState;

/// A request to the admin API, already authenticated as signed with the current primary key.
///
/// As an axum extractor it reads and checks the request before the handler runs; anything else
/// (no signature, a wrong key, the secondary or a read-only key, a resource token) is refused with
/// the Cosmos-style error and never reaches the handler.
pub struct AdminRequest(pub CosmosRequest);

impl FromRequest<AppState> for AdminRequest {
    type Rejection = CosmosError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self> {
        let (parts, body) = request.into_parts();
        let request = CosmosRequest::read(parts.method, &parts.uri, parts.headers, body).await?;
        match authenticate(state, &request)?.caller {
            Caller::Key(KeyKind::Primary) => Ok(Self(request)),
            other => Err(CosmosError::forbidden(
                "The emulator's admin API requires the primary key.",
                format!(
                    "the request was made with {other}; managing keys and the clock needs the \
                     current primary read-write key"
                ),
            )),
        }
    }
}

/// `GET /_cosmolab/health`: 200 as soon as the server accepts requests.
pub async fn health() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

/// `GET /_cosmolab/keys`.
pub async fn list_keys(State(state): State<AppState>, _: AdminRequest) -> Json<KeyList> {
    Json(state.keys().list())
}

/// The body of a regeneration, as Azure Resource Manager's `regenerateKey` takes it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegenerateRequest {
    key_kind: KeyKind,
}

/// `POST /_cosmolab/keys/regenerate`.
pub async fn regenerate_key(
    State(state): State<AppState>,
    AdminRequest(request): AdminRequest,
) -> Result<Json<KeyList>> {
    let body: RegenerateRequest = request.json()?;
    let mut keys = state.keys_mut();
    keys.regenerate(body.key_kind);
    tracing::info!(key = %body.key_kind, "key regenerated");
    Ok(Json(keys.list()))
}

/// The body of a clock advance.
#[derive(Deserialize)]
struct AdvanceRequest {
    seconds: u64,
}

/// `POST /_cosmolab/clock/advance` (only with time travel enabled).
pub async fn advance_clock(
    State(state): State<AppState>,
    AdminRequest(request): AdminRequest,
) -> Result<Response> {
    if !state.settings.time_travel {
        return Err(CosmosError::new(
            StatusCode::NOT_FOUND,
            "Time travel is disabled. Start the emulator with --enable-time-travel (for tests \
             only) to advance its clock.",
        ));
    }
    let body: AdvanceRequest = request.json()?;
    if !state.clock.advance(Duration::from_secs(body.seconds)) {
        return Err(CosmosError::bad_request(format!(
            "The clock can move forward by at most {} seconds in total (a century).",
            EmulatorClock::MAX_OFFSET.as_secs()
        )));
    }
    tracing::info!(seconds = body.seconds, "clock advanced");
    Ok(Json(json!({"offsetSeconds": state.clock.offset().as_secs()})).into_response())
}

/// The account's settings, as Resource Manager's `databaseAccounts` carries them (the one we
/// model: `disableLocalAuth`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountProperties {
    disable_local_auth: Option<bool>,
}

/// `{"properties": {…}}`, as a Resource Manager `PATCH` carries it.
#[derive(Deserialize)]
struct AccountUpdate {
    properties: AccountProperties,
}

/// `GET /_cosmolab/account`: the account's settings.
pub async fn account_settings(State(state): State<AppState>, _: AdminRequest) -> Response {
    Json(json!({"properties": {"disableLocalAuth": state.local_auth_disabled()}})).into_response()
}

/// `PATCH /_cosmolab/account` with `{"properties": {"disableLocalAuth": true}}`: turns key and
/// resource-token access off (or back on). The admin API itself keeps taking the primary key: on
/// Azure, this setting is changed through Resource Manager, which keys do not reach.
pub async fn update_account_settings(
    State(state): State<AppState>,
    AdminRequest(request): AdminRequest,
) -> Result<Response> {
    let update: AccountUpdate = request.json()?;
    if let Some(disabled) = update.properties.disable_local_auth {
        state.set_local_auth_disabled(disabled);
        tracing::info!(disable_local_auth = disabled, "account settings changed");
    }
    Ok(
        Json(json!({"properties": {"disableLocalAuth": state.local_auth_disabled()}}))
            .into_response(),
    )
}

/// `GET /_cosmolab/audit?principal=<object id>&denied=true`: the recent audit records that pass
/// the filter, oldest first.
pub async fn audit(
    State(state): State<AppState>,
    axum::extract::Query(filter): axum::extract::Query<crate::audit::AuditFilter>,
    _: AdminRequest,
) -> Response {
    Json(state.audit.read(&filter)).into_response()
}

/// `GET /_explorer/emulator.pem`: the certificate clients can trust, as the classic emulator
/// serves it.
pub async fn certificate(State(state): State<AppState>) -> Result<Response> {
    let pem = state.settings.certificate_pem.clone().ok_or_else(|| {
        CosmosError::new(
            StatusCode::NOT_FOUND,
            "This emulator serves plain http; start it with --tls for a certificate.",
        )
    })?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/x-pem-file")],
        pem,
    )
        .into_response())
}
