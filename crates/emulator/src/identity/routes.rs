//! The identity provider's HTTP side: Entra ID's endpoints, and application registration.
//!
//! | route | who may call | what it does |
//! |---|---|---|
//! | `POST /{tenant}/oauth2/v2.0/token` | anyone (form: client id, secret, scope) | the client-credentials grant |
//! | `GET /{tenant}/v2.0/.well-known/openid-configuration` | anyone | OpenID discovery |
//! | `GET /{tenant}/discovery/v2.0/keys` | anyone | the tenant's public keys (JWKS) |
//! | `POST /_cosmolab/identity/applications` | the primary key | registers an application; answers its secret once |
//! | `GET /_cosmolab/identity/applications` | the primary key | the registered applications, without secrets |

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;

use super::{Application, TokenRequest};
use crate::admin::AdminRequest;
use crate::app::client_endpoint;
use crate::error::{CosmosError, Result};
use crate::state::AppState;

/// The origin (`http://127.0.0.1:8081`) the caller reached us at.
fn origin(state: &AppState, uri: &Uri, headers: &HeaderMap) -> String {
    client_endpoint(state, uri, headers)
        .trim_end_matches('/')
        .to_owned()
}

/// `POST /{tenant}/oauth2/v2.0/token`: a token, or Entra's error body.
pub async fn issue_token(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    form: std::result::Result<Form<TokenRequest>, axum::extract::rejection::FormRejection>,
) -> Response {
    // A body that is not a form reads as an empty one: refused below for its missing grant type.
    let request = form.map(|Form(form)| form).unwrap_or_default();
    let origin = origin(&state, &uri, &headers);
    match state
        .identity
        .issue(&tenant, &request, &origin, state.clock.now())
    {
        Ok(token) => {
            tracing::info!(client_id = %request.client_id, "access token issued");
            Json(token).into_response()
        }
        Err(error) => {
            tracing::info!(
                client_id = %request.client_id, error = error.error, code = error.code,
                "token request refused"
            );
            let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
            (status, Json(error.body())).into_response()
        }
    }
}

/// Refuses a tenant this identity provider does not serve, as Entra's discovery does.
fn require_tenant(state: &AppState, tenant: &str) -> Result<()> {
    if tenant == state.identity.tenant_id() {
        Ok(())
    } else {
        Err(CosmosError::new(
            StatusCode::NOT_FOUND,
            format!(
                "Tenant '{tenant}' not found. This emulator's tenant is '{}'.",
                state.identity.tenant_id()
            ),
        ))
    }
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub async fn openid_configuration(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response> {
    require_tenant(&state, &tenant)?;
    let origin = origin(&state, &uri, &headers);
    Ok(Json(state.identity.openid_configuration(&origin)).into_response())
}

/// `GET /{tenant}/discovery/v2.0/keys`.
pub async fn jwks(State(state): State<AppState>, Path(tenant): Path<String>) -> Result<Response> {
    require_tenant(&state, &tenant)?;
    Ok(Json(state.identity.jwks()).into_response())
}

/// The body of an application registration; every field is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Registration {
    display_name: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// `POST /_cosmolab/identity/applications` (primary key): 201 with the application, its tenant
/// and — this once — its secret.
pub async fn register_application(
    State(state): State<AppState>,
    AdminRequest(request): AdminRequest,
) -> Result<Response> {
    let registration: Registration = if request.body.is_empty() {
        Registration::default()
    } else {
        request.json()?
    };
    for (field, value) in [
        ("clientId", &registration.client_id),
        ("clientSecret", &registration.client_secret),
    ] {
        if value.as_deref().is_some_and(|value| {
            value.is_empty() || value.len() > 256 || value.chars().any(char::is_control)
        }) {
            return Err(CosmosError::bad_request(format!(
                "{field} must be 1 to 256 characters, without control characters."
            )));
        }
    }
    let display_name = registration
        .display_name
        .unwrap_or_else(|| "application".to_owned());
    let registered = state.identity.register(
        &display_name,
        registration.client_id,
        registration.client_secret,
    );
    tracing::info!(
        client_id = %registered.application.client_id,
        object_id = %registered.application.object_id,
        "application registered"
    );
    Ok((StatusCode::CREATED, Json(registered)).into_response())
}

/// `GET /_cosmolab/identity/applications` (primary key).
pub async fn list_applications(
    State(state): State<AppState>,
    _: AdminRequest,
) -> Json<Vec<Application>> {
    Json(state.identity.applications())
}
