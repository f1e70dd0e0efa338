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
//! owner's business, and the rotation story of seed 001 depends on it.

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::authenticate::{Caller, authenticate};
use crate::error::{CosmosError, Result};
use crate::keys::KeyKind;
use crate::request::CosmosRequest;
use crate::state::AppState;

/// `GET /_cosmolab/health`: 200 as soon as the server accepts requests.
pub async fn health() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

/// `GET /_cosmolab/keys`.
pub async fn list_keys(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(async {
        require_primary_key(&state, method, &uri, headers, body).await?;
        Ok(Json(state.keys().list()).into_response())
    })
    .await
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
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(async {
        let request = require_primary_key(&state, method, &uri, headers, body).await?;
        let body: RegenerateRequest = request.json()?;
        let mut keys = state.keys_mut();
        keys.regenerate(body.key_kind);
        tracing::info!(key = %body.key_kind, "key regenerated");
        Ok(Json(keys.list()).into_response())
    })
    .await
}

/// The body of a clock advance.
#[derive(Deserialize)]
struct AdvanceRequest {
    seconds: u64,
}

/// `POST /_cosmolab/clock/advance` (only with time travel enabled).
pub async fn advance_clock(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(async {
        if !state.settings.time_travel {
            return Err(CosmosError::new(
                StatusCode::NOT_FOUND,
                "Time travel is disabled. Start the emulator with --enable-time-travel (for tests \
                 only) to advance its clock.",
            ));
        }
        let request = require_primary_key(&state, method, &uri, headers, body).await?;
        let body: AdvanceRequest = request.json()?;
        if !state.clock.advance(Duration::from_secs(body.seconds)) {
            return Err(CosmosError::bad_request(format!(
                "The clock can move forward by at most {} seconds in total (a century).",
                crate::clock::EmulatorClock::MAX_OFFSET.as_secs()
            )));
        }
        tracing::info!(seconds = body.seconds, "clock advanced");
        Ok(Json(json!({"offsetSeconds": state.clock.offset().as_secs()})).into_response())
    })
    .await
}

/// `GET /_explorer/emulator.pem`: the certificate clients can trust, as the classic emulator
/// serves it.
pub async fn certificate(State(state): State<AppState>) -> Response {
    match &state.settings.certificate_pem {
        Some(pem) => (
            [(axum::http::header::CONTENT_TYPE, "application/x-pem-file")],
            pem.clone(),
        )
            .into_response(),
        None => CosmosError::new(
            StatusCode::NOT_FOUND,
            "This emulator serves plain http; start it with --tls for a certificate.",
        )
        .into_response(),
    }
}

async fn respond(work: impl Future<Output = Result<Response>>) -> Response {
    work.await.unwrap_or_else(IntoResponse::into_response)
}

/// Authenticates like a Cosmos DB request, then insists on the primary read-write key.
async fn require_primary_key(
    state: &AppState,
    method: Method,
    uri: &Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<CosmosRequest> {
    let request = CosmosRequest::read(method, uri, headers, body).await?;
    let who = authenticate(state, &request)?;
    match who.caller {
        Caller::Key(KeyKind::Primary) => Ok(request),
        other => Err(CosmosError::forbidden(
            "The emulator's admin API requires the primary key.",
            format!(
                "the request was made with {other}; managing keys and the clock needs the current \
                 primary read-write key"
            ),
        )),
    }
}
