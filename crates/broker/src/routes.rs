//! The broker over HTTP (axum): `POST /token` and `GET /healthz`.
//!
//! | request | answer |
//! |---|---|
//! | `POST /token`, `Authorization: Bearer <JWT>`, optional body `{"lifetimeSeconds": n}` | 200 [`TokenGrant`](cosmolab_model::TokenGrant), `Cache-Control: no-store` |
//! | no token, or one that does not verify | 401 `{"code": "Unauthorized", "message"}` and `WWW-Authenticate: Bearer error="invalid_token"` |
//! | a valid token the policy cannot serve | 403 `{"code": "Forbidden", …}` |
//! | a body that is not that JSON | 400 `{"code": "BadRequest", …}` |
//! | too many requests from one identity | 429 `{"code": "TooManyRequests", …}` and `Retry-After` |
//! | the account refused or did not answer | 502 `{"code": "BadGateway", …}` |
//! | `GET /healthz` | 200 `{"status": "ok"}` |
//!
//! Errors have the shape of Cosmos DB's, so one error reader serves both. Nothing is logged from
//! the request's headers: the bearer token is a credential.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tower_http::limit::RequestBodyLimitLayer;

use crate::broker::{Broker, BrokerError};

/// A token request's body is a few bytes; anything larger is not one.
const MAX_BODY_BYTES: usize = 4 * 1024;

/// The optional body of `POST /token`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TokenRequest {
    /// The lifetime asked for, in seconds (bounded by the configuration).
    #[serde(default)]
    lifetime_seconds: Option<u64>,
}

/// The broker's router.
pub fn router(broker: Arc<Broker>) -> Router {
    Router::new()
        .route("/token", post(token))
        .route("/healthz", get(healthz))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .with_state(broker)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn token(State(broker): State<Arc<Broker>>, headers: HeaderMap, body: Bytes) -> Response {
    let request: TokenRequest = if body.iter().all(u8::is_ascii_whitespace) {
        TokenRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(request) => request,
            Err(error) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!(
                        "the body must be empty or {{\"lifetimeSeconds\": <seconds>}}: {error}"
                    ),
                );
            }
        }
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim);
    match broker.token_request(bearer, request.lifetime_seconds).await {
        Ok(grant) => {
            let mut response = Json(grant).into_response();
            // Tokens are credentials: no proxy or browser may keep a copy (RFC 6749 §5.1).
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => refusal(&error),
    }
}

/// The answer for a failed request, logged without the caller's token.
fn refusal(error: &BrokerError) -> Response {
    let message = error.to_string();
    match error {
        BrokerError::Rejected(rejected) => {
            tracing::info!(reason = %rejected, "token request refused");
            let status = if matches!(rejected, crate::identity::TokenRejected::KeysUnavailable(_)) {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::UNAUTHORIZED
            };
            let mut response = error_response(status, status_code_name(status), &message);
            if status == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            response
        }
        BrokerError::NotServed(_) => {
            tracing::info!(reason = %message, "token request not served by the policy");
            error_response(StatusCode::FORBIDDEN, "Forbidden", &message)
        }
        BrokerError::RateLimited(wait) => {
            let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
            tracing::info!(wait_s = seconds, "token request rate-limited");
            let mut response =
                error_response(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", &message);
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        BrokerError::Account(_) => error_response(StatusCode::BAD_GATEWAY, "BadGateway", &message),
    }
}

fn status_code_name(status: StatusCode) -> &'static str {
    match status {
        StatusCode::SERVICE_UNAVAILABLE => "ServiceUnavailable",
        _ => "Unauthorized",
    }
}

fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"code": code, "message": message}))).into_response()
}
