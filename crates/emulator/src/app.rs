//! The router, and the pipeline every Cosmos DB request goes through.
//!
//! ```text
//! request ─► read (request.rs) ─► authenticate ─► resolve & classify (operation.rs)
//!         ─► authorize ─► handle (handlers/) ─► respond (response.rs), logged either way
//! ```
//!
//! Cosmos DB paths are not a fixed set of routes (`/dbs/{any name}/colls/{any name}/…`), so all of
//! them go to one fallback handler, [`cosmos`], which reads the path itself. The few routes that are
//! not Cosmos DB's — the admin API under `/_cosmolab/` and the certificate under `/_explorer/` — are
//! ordinary axum routes (see `crate::admin`).

use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cosmolab_auth_signing::Addressing;

use crate::admin;
use crate::audit::{self, AuditRecord};
use crate::authenticate::{Caller, authenticate};
use crate::authorize::authorize;
use crate::error::{CosmosError, Result};
use crate::handlers::{self, Context};
use crate::identity;
use crate::operation::{Operation, ResourcePath};
use crate::rbac;
use crate::request::{CosmosRequest, headers};
use crate::response::Reply;
use crate::state::AppState;

/// The service's message for a key or resource token when `disableLocalAuth` is on.
pub const LOCAL_AUTH_DISABLED: &str =
    "Local Authorization is disabled. Use an AAD token to authorize all requests.";

/// The emulator's router: the admin API, the certificate, and everything else as Cosmos DB.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/_cosmolab/health", get(admin::health))
        .route("/_cosmolab/keys", get(admin::list_keys))
        .route("/_cosmolab/keys/regenerate", post(admin::regenerate_key))
        .route("/_cosmolab/clock/advance", post(admin::advance_clock))
        .route("/_explorer/emulator.pem", get(admin::certificate))
        .route("/_cosmolab/audit", get(admin::audit))
        .route(
            "/_cosmolab/account",
            get(admin::account_settings).patch(admin::update_account_settings),
        )
        // The identity provider (crate::identity), shaped like Entra ID's endpoints.
        .route(
            "/_cosmolab/identity/applications",
            get(identity::routes::list_applications).post(identity::routes::register_application),
        )
        .route(
            "/{tenant}/oauth2/v2.0/token",
            post(identity::routes::issue_token),
        )
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(identity::routes::openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(identity::routes::jwks))
        // Role definitions and assignments (crate::rbac), shaped like Resource Manager's.
        .route(
            "/_cosmolab/sqlRoleDefinitions",
            get(rbac::routes::list_definitions),
        )
        .route(
            "/_cosmolab/sqlRoleDefinitions/{id}",
            get(rbac::routes::get_definition)
                .put(rbac::routes::put_definition)
                .delete(rbac::routes::delete_definition),
        )
        .route(
            "/_cosmolab/sqlRoleAssignments",
            get(rbac::routes::list_assignments),
        )
        .route(
            "/_cosmolab/sqlRoleAssignments/{id}",
            get(rbac::routes::get_assignment)
                .put(rbac::routes::put_assignment)
                .delete(rbac::routes::delete_assignment),
        )
        // The explorer's pages (crate::explorer), each behind its own guard.
        .merge(crate::explorer::routes(state.clone()))
        .fallback(cosmos)
        // Outermost last: the timeout covers everything, the size limits run before any handler.
        .layer(axum::middleware::from_fn(crate::limits::size_limits))
        .layer(axum::middleware::from_fn_with_state(
            state.settings.request_timeout,
            crate::limits::request_timeout,
        ))
        .with_state(state)
}

/// The endpoint the client used: scheme, its `Host` header, and a trailing `/`.
pub fn client_endpoint(state: &AppState, uri: &Uri, headers: &HeaderMap) -> String {
    let scheme = if state.settings.tls { "https" } else { "http" };
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|host| host.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|authority| authority.to_string()))
        .unwrap_or_else(|| "127.0.0.1".to_owned());
    format!("{scheme}://{host}/")
}

/// Every Cosmos DB request: run the pipeline, then log and stamp the answer.
pub async fn cosmos(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let activity_id = headers
        .get(headers::ACTIVITY_ID)
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                .unwrap_or(HeaderValue::from_static("-"))
        });
    let endpoint = client_endpoint(&state, &uri, &headers);
    let mut seen = Seen::default();
    let outcome = serve(
        &state,
        method.clone(),
        &uri,
        headers,
        body,
        &endpoint,
        &mut seen,
    )
    .await;

    let caller_text = seen
        .caller
        .as_ref()
        .map_or_else(|| "unauthenticated".to_owned(), Caller::to_string);
    let (status, deny_reason) = match &outcome {
        Ok(reply) => (reply.status().as_u16(), None),
        Err(error) => (error.status.as_u16(), error.deny_reason.clone()),
    };
    let address = cosmolab_auth_signing::ResourceAddress::from_path(uri.path()).ok();
    state.audit.record(audit::with_caller(
        AuditRecord {
            time: audit::now_rfc3339(),
            activity_id: activity_id.to_str().unwrap_or("-").to_owned(),
            operation: seen.operation.map_or_else(
                || method.as_str().to_owned(),
                |action| action.audit_name().to_owned(),
            ),
            resource_type: address
                .as_ref()
                .map(|address| address.resource_type().to_owned())
                .unwrap_or_default(),
            resource_link: address
                .as_ref()
                .map(|address| address.resource_link())
                .unwrap_or_else(|| uri.path().to_owned()),
            status_code: status,
            auth_type: String::new(),
            key_kind: None,
            permission: None,
            aad_principal_id: None,
            aad_applied_role_assignment_id: seen.applied_assignment.clone(),
            deny_reason,
        },
        seen.caller.as_ref(),
    ));
    let mut response = match outcome {
        Ok(reply) => {
            let reply = if reply.has_header(headers::REQUEST_CHARGE) {
                reply
            } else {
                reply.charge(1.0)
            };
            tracing::info!(
                %method, path = uri.path(), status = reply.status().as_u16(), caller = %caller_text,
                elapsed_us = started.elapsed().as_micros() as u64, "request served"
            );
            reply.into_response()
        }
        Err(error) => {
            // Only the path, the caller's kind and the reason are logged: never a header value,
            // which could hold a key, a signature or a token.
            tracing::info!(
                %method, path = uri.path(), status = error.status.as_u16(), caller = %caller_text,
                deny_reason = error.deny_reason.as_deref().unwrap_or(""),
                error = %error.message,
                elapsed_us = started.elapsed().as_micros() as u64, "request refused"
            );
            error.into_response()
        }
    };
    response
        .headers_mut()
        .insert(headers::ACTIVITY_ID, activity_id);
    // The service's `Date` is the service's clock — here the token clock, which time travel moves —
    // so that a client (a token broker) can tell when a token it was just given expires on the
    // clock that will judge it: this `Date` plus the lifetime it asked for.
    if let Ok(date) =
        HeaderValue::from_str(&cosmolab_auth_signing::format_http_date(state.clock.now()))
    {
        response
            .headers_mut()
            .insert(axum::http::header::DATE, date);
    }
    response
}

/// What the pipeline learned about a request, for the log line and the audit record, filled in
/// as it becomes known (a refused request stops part way).
#[derive(Default)]
struct Seen {
    caller: Option<Caller>,
    operation: Option<crate::operation::Action>,
    applied_assignment: Option<String>,
}

/// The pipeline proper.
async fn serve(
    state: &AppState,
    method: Method,
    uri: &Uri,
    headers: HeaderMap,
    body: Body,
    endpoint: &str,
    seen: &mut Seen,
) -> Result<Reply> {
    let request = CosmosRequest::read(method, uri, headers, body).await?;
    state.wire.saw_request(&request);
    let who = authenticate(state, &request)?;
    seen.caller = Some(who.caller.clone());
    if state.local_auth_disabled() && !matches!(who.caller, Caller::Entra(_)) {
        return Err(CosmosError::unauthorized(
            LOCAL_AUTH_DISABLED,
            format!(
                "the account has disableLocalAuth on: {} is refused, only Entra ID tokens are \
                 accepted (turn it off with PATCH /_cosmolab/account)",
                who.caller
            ),
        ));
    }

    // Rid-based paths (`_self` links) name resources by `_rid`; translate them to names.
    let by_rid = request.address.addressing() == Addressing::ByRid;
    let token_holder = matches!(who.caller, Caller::ResourceToken(_));
    let names = if by_rid {
        match state.store().names_for_rids(request.address.segments()) {
            Some(names) => names,
            // A token holder must not learn, from 404 versus 403, which rids exist.
            None if token_holder => return Err(rid_refusal(&who, &request)),
            None => return Err(CosmosError::not_found()),
        }
    } else {
        request.address.segments().to_vec()
    };
    let operation = Operation::classify(&request, ResourcePath::from_segments(&names)?)?;
    seen.operation = Some(operation.action);
    if let Caller::Entra(principal) = &who.caller {
        seen.applied_assignment = crate::rbac::authorize(
            &state.rbac(),
            &state.settings.account_id,
            principal,
            &operation,
            request.method.as_str(),
            &request.address.resource_link(),
        )?;
    } else {
        authorize(&who, &operation, request.partition_key()?.as_ref()).map_err(|error| {
            // The ordinary refusal names the resolved link: for a rid-based path that would reveal
            // the id behind a rid the caller may not see. Describe the path as the caller sent it.
            if by_rid && token_holder && error.status == axum::http::StatusCode::FORBIDDEN {
                rid_refusal(&who, &request)
            } else {
                error
            }
        })?;
    }

    // For a rid-based path, the handler checks that the resource it finds is this one: a
    // document id is unique only within its partition.
    let addressed_rid = by_rid
        .then(|| request.address.segments().last().cloned())
        .flatten();
    let (reply, request) = if runs_javascript(&request, &operation) {
        // A script may run for seconds (up to its time limit): run the handler on a thread meant
        // for blocking work, so that the async workers keep serving other requests meanwhile.
        let state = state.clone();
        let endpoint = endpoint.to_owned();
        let operation = operation.clone();
        tokio::task::spawn_blocking(move || {
            let context = Context {
                state: &state,
                request: &request,
                who: &who,
                endpoint: &endpoint,
                addressed_rid,
            };
            (handlers::dispatch(&context, &operation), request)
        })
        .await
        .map_err(|_| {
            CosmosError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "The script's worker stopped unexpectedly; nothing was written. See the \
                 emulator's log.",
            )
        })?
    } else {
        let context = Context {
            state,
            request: &request,
            who: &who,
            endpoint,
            addressed_rid,
        };
        (handlers::dispatch(&context, &operation), request)
    };
    Ok(crate::encoding::negotiate(
        &state.wire,
        &request,
        &operation,
        reply?,
    ))
}

/// Whether serving the request runs JavaScript (`crate::scripts`): executing a stored procedure,
/// a document write that names triggers, a query that calls user-defined functions.
fn runs_javascript(request: &CosmosRequest, operation: &Operation) -> bool {
    use crate::operation::Action;
    match (&operation.path, operation.action) {
        (_, Action::Execute) => true,
        (ResourcePath::Documents { .. }, Action::Query) => handlers::feed::calls_functions(request),
        (ResourcePath::Documents { .. } | ResourcePath::Document { .. }, action) => {
            action.is_write() && !crate::scripts::TriggerNames::from_request(request).is_empty()
        }
        _ => false,
    }
}

/// The 403 for a resource token on a rid-based path it may not use, naming only what was sent.
fn rid_refusal(who: &crate::authenticate::Authenticated, request: &CosmosRequest) -> CosmosError {
    let granted = match &who.caller {
        Caller::ResourceToken(claims) => format!(
            "the resource token of permission '{}' grants access to '{}' only",
            claims.permission, claims.resource
        ),
        Caller::Key(_) | Caller::Entra(_) => "this credential does not reach it".to_owned(),
    };
    CosmosError::forbidden(
        crate::authorize::INSUFFICIENT_PERMISSIONS,
        format!(
            "{granted}; the rid-based path '{}' is not within it",
            request.address.resource_link()
        ),
    )
}
