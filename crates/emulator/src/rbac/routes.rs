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
//! Bodies and answers are `crates/model`'s [`RoleDefinition`] and [`RoleAssignment`]: `{"id",
//! "name", "type", "properties": {…}}`, the properties being `roleName`, `type`,
//! `assignableScopes`, `permissions` for a definition and `roleDefinitionId`, `scope`,
//! `principalId` for an assignment. A `PUT` body needs only `properties` (the name is in the
//! URL; the rest is ignored, as Resource Manager ignores read-only fields). `PUT` answers 201
//! when it created, 200 when it replaced.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cosmolab_model::{
    ROLE_ASSIGNMENT_TYPE, ROLE_DEFINITION_TYPE, RoleAssignment, RoleAssignmentProperties,
    RoleDefinition, RoleDefinitionProperties, role_definition_id,
};
use serde_json::json;

use crate::admin::AdminRequest;
use crate::error::{CosmosError, Result};
use crate::state::AppState;

/// What stands for the account's Resource Manager id in the ids the emulator answers: its
/// resources live under `/_cosmolab/`, as `…/databaseAccounts/<account>` on Azure.
const ACCOUNT_ID: &str = "/_cosmolab";

fn definition(id: String, properties: RoleDefinitionProperties) -> RoleDefinition {
    RoleDefinition {
        id: role_definition_id(ACCOUNT_ID, &id),
        name: id,
        resource_type: ROLE_DEFINITION_TYPE.to_owned(),
        properties,
    }
}

/// An assignment names its role by the role's resource id, as Resource Manager answers it.
fn assignment(id: String, mut properties: RoleAssignmentProperties) -> RoleAssignment {
    properties.role_definition_id = role_definition_id(ACCOUNT_ID, &properties.role_definition_id);
    RoleAssignment {
        id: format!("{ACCOUNT_ID}/sqlRoleAssignments/{id}"),
        name: id,
        resource_type: ROLE_ASSIGNMENT_TYPE.to_owned(),
        properties,
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
    let RoleDefinition { properties, .. } = request.json()?;
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
    let RoleAssignment { properties, .. } = request.json()?;
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
