//! Role definitions and assignments over HTTP, in Azure Resource Manager's shapes.
//!
//! On Azure these are Resource Manager calls (`az cosmosdb sql role definition create`, `…
//! assignment create`) made with an Entra identity that may manage the account. The emulator has
//! no Resource Manager, so it serves the same resources under `/_cosmolab/`, behind the primary
//! key like the rest of its admin API:
//!
//! | route | methods |
//! |---|---|
//! | `/_cosmolab/sqlRoleDefinitions` | `GET` (list: the built-in roles, then the custom ones) |
//! | `/_cosmolab/sqlRoleDefinitions/{id}` | `PUT` (create or replace a custom role), `GET`, `DELETE` |
//! | `/_cosmolab/sqlRoleAssignments` | `GET` (list) |
//! | `/_cosmolab/sqlRoleAssignments/{id}` | `PUT`, `GET`, `DELETE` |
//!
//! Bodies and answers are `{"id", "name", "type", "properties": {…}}`, the properties being
//! [`RoleDefinition`] (`roleName`, `type`, `assignableScopes`, `permissions`) and [`RoleAssignment`]
//! (`roleDefinitionId`, `scope`, `principalId`). `PUT` answers 201 when it created, 200 when it
//! replaced.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::roles::{RoleAssignment, RoleDefinition};
use crate::admin::AdminRequest;
use crate::error::{CosmosError, Result};
use crate::state::AppState;

const DEFINITION_TYPE: &str = "Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions";
const ASSIGNMENT_TYPE: &str = "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments";

/// A Resource Manager resource: its id (a path), name, type and properties.
#[derive(Serialize)]
struct Resource<T> {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: &'static str,
    properties: T,
}

/// What a `PUT` carries: the properties (anything else in the envelope is ignored, as ARM does
/// with read-only fields).
#[derive(Deserialize)]
struct Envelope<T> {
    properties: T,
}

fn definition(id: String, role: RoleDefinition) -> Resource<RoleDefinition> {
    Resource {
        id: format!("/_cosmolab/sqlRoleDefinitions/{id}"),
        name: id,
        kind: DEFINITION_TYPE,
        properties: role,
    }
}

/// An assignment names its role by the role's resource id, as Resource Manager answers it.
fn assignment(id: String, assignment: RoleAssignment) -> Resource<serde_json::Value> {
    Resource {
        id: format!("/_cosmolab/sqlRoleAssignments/{id}"),
        properties: json!({
            "roleDefinitionId": format!(
                "/_cosmolab/sqlRoleDefinitions/{}",
                assignment.role_definition_id
            ),
            "scope": assignment.scope,
            "principalId": assignment.principal_id,
        }),
        name: id,
        kind: ASSIGNMENT_TYPE,
    }
}

fn created_or_replaced(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// `GET /_cosmolab/sqlRoleDefinitions`.
pub async fn list_definitions(State(state): State<AppState>, _: AdminRequest) -> Response {
    let roles: Vec<_> = state
        .rbac()
        .definitions()
        .into_iter()
        .map(|(id, role)| definition(id, role))
        .collect();
    Json(json!({ "value": roles })).into_response()
}

/// `GET /_cosmolab/sqlRoleDefinitions/{id}`.
pub async fn get_definition(
    State(state): State<AppState>,
    Path(id): Path<String>,
    _: AdminRequest,
) -> Result<Response> {
    let role = state
        .rbac()
        .definition(&id)
        .ok_or_else(CosmosError::not_found)?;
    Ok(Json(definition(id, role)).into_response())
}

/// `PUT /_cosmolab/sqlRoleDefinitions/{id}`.
pub async fn put_definition(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminRequest(request): AdminRequest,
) -> Result<Response> {
    let Envelope { properties } = request.json::<Envelope<RoleDefinition>>()?;
    let (role, created) = state.rbac_mut().put_definition(&id, properties)?;
    tracing::info!(role = %id, created, "role definition saved");
    Ok((created_or_replaced(created), Json(definition(id, role))).into_response())
}

/// `DELETE /_cosmolab/sqlRoleDefinitions/{id}`.
pub async fn delete_definition(
    State(state): State<AppState>,
    Path(id): Path<String>,
    _: AdminRequest,
) -> Result<Response> {
    state.rbac_mut().delete_definition(&id)?;
    tracing::info!(role = %id, "role definition deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /_cosmolab/sqlRoleAssignments`.
pub async fn list_assignments(State(state): State<AppState>, _: AdminRequest) -> Response {
    let assignments: Vec<_> = state
        .rbac()
        .assignments()
        .into_iter()
        .map(|(id, found)| assignment(id, found))
        .collect();
    Json(json!({ "value": assignments })).into_response()
}

/// `GET /_cosmolab/sqlRoleAssignments/{id}`.
pub async fn get_assignment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    _: AdminRequest,
) -> Result<Response> {
    let found = state
        .rbac()
        .assignment(&id)
        .ok_or_else(CosmosError::not_found)?;
    Ok(Json(assignment(id, found)).into_response())
}

/// `PUT /_cosmolab/sqlRoleAssignments/{id}`.
pub async fn put_assignment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminRequest(request): AdminRequest,
) -> Result<Response> {
    let Envelope { properties } = request.json::<Envelope<RoleAssignment>>()?;
    let (saved, created) = state.rbac_mut().put_assignment(&id, properties)?;
    tracing::info!(
        assignment = %id, role = %saved.role_definition_id, scope = %saved.scope,
        principal = %saved.principal_id, created, "role assignment saved"
    );
    Ok((created_or_replaced(created), Json(assignment(id, saved))).into_response())
}

/// `DELETE /_cosmolab/sqlRoleAssignments/{id}`.
pub async fn delete_assignment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    _: AdminRequest,
) -> Result<Response> {
    state.rbac_mut().delete_assignment(&id)?;
    tracing::info!(assignment = %id, "role assignment deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}
