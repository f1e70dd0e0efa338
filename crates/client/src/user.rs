//! [`UserClient`]: one user and its permissions — where resource tokens come from.
//!
//! A Cosmos DB user is not a person who signs in: it is a name in a database that a trusted
//! mid-tier service (seed 001's "token broker") creates for an application user, to hang
//! permissions on. A permission grants `All` or `Read` on one resource link, optionally narrowed to
//! one partition key. **Every** time the service returns a permission — on create, upsert,
//! replace, read, and in the permissions feed — it mints a fresh resource token in `_token`, valid
//! for the lifetime asked with `x-ms-documentdb-expiry-seconds` (default one hour; the emulator
//! accepts 10 minutes to 5 hours). The broker hands that token to the application, which then
//! talks to Cosmos DB directly with it.
//!
//! The lifetime is a property of the *request*, not of the permission, so it is set on the handle:
//! `user.with_token_lifetime(Duration::from_secs(600)).read_permission("orders")`.

use std::sync::Arc;
use std::time::Duration;

use cosmolab_model::{Permission, User};
use reqwest::Method;
use serde_json::json;

use crate::error::Result;
use crate::headers;
use crate::paging::{FeedPager, decode_feed};
use crate::path::ResourcePath;
use crate::pipeline::{CosmosRequest, Pipeline};
use crate::response::Response;

/// A handle for one user. Cheap to clone; making one sends nothing.
#[derive(Clone, Debug)]
pub struct UserClient {
    pipeline: Arc<Pipeline>,
    id: String,
    path: ResourcePath,
    token_lifetime: Option<Duration>,
}

impl UserClient {
    pub(crate) fn new(pipeline: Arc<Pipeline>, database: &ResourcePath, id: &str) -> Self {
        Self {
            pipeline,
            id: id.to_owned(),
            path: database.child("users", id),
            token_lifetime: None,
        }
    }

    /// The user's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The user's link, `dbs/<db>/users/<id>`.
    pub fn link(&self) -> String {
        self.path.link()
    }

    /// The same handle, asking for resource tokens that live `lifetime` (whole seconds) on every
    /// permission request it sends.
    pub fn with_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = Some(lifetime);
        self
    }

    /// `GET …/users/<id>`.
    pub async fn read(&self) -> Result<Response<User>> {
        let request = CosmosRequest::new(Method::GET, self.path.clone());
        self.pipeline.send_json(request).await
    }

    /// `PUT …/users/<id>`: renames the user to `new_id`.
    pub async fn replace(&self, new_id: &str) -> Result<Response<User>> {
        let request =
            CosmosRequest::new(Method::PUT, self.path.clone()).json(&json!({ "id": new_id }))?;
        self.pipeline.send_json(request).await
    }

    /// `DELETE …/users/<id>`: deletes the user and its permissions (204). Tokens already handed
    /// out keep working until they expire.
    pub async fn delete(&self) -> Result<Response<()>> {
        let request = CosmosRequest::new(Method::DELETE, self.path.clone());
        self.pipeline.send_without_body(request).await
    }

    /// `POST …/permissions`: grants a permission (201) and returns it with a fresh `_token`.
    ///
    /// A user may hold one permission per resource: a second one on the same link is 409.
    pub async fn create_permission(&self, permission: &Permission) -> Result<Response<Permission>> {
        let request = self
            .permission_request(Method::POST, self.path.feed("permissions"))
            .json(permission)?;
        self.pipeline.send_json(request).await
    }

    /// `POST …/permissions` as an upsert: creates or replaces the permission (201 or 200).
    pub async fn upsert_permission(&self, permission: &Permission) -> Result<Response<Permission>> {
        let request = self
            .permission_request(Method::POST, self.path.feed("permissions"))
            .header(headers::IS_UPSERT, "True")
            .json(permission)?;
        self.pipeline.send_json(request).await
    }

    /// `GET …/permissions/<id>`: the permission, with a freshly minted `_token`.
    pub async fn read_permission(&self, id: &str) -> Result<Response<Permission>> {
        let request = self.permission_request(Method::GET, self.path.child("permissions", id));
        self.pipeline.send_json(request).await
    }

    /// `PUT …/permissions/<id>`: replaces the permission (its mode, resource or partition key).
    pub async fn replace_permission(
        &self,
        id: &str,
        permission: &Permission,
    ) -> Result<Response<Permission>> {
        let request = self
            .permission_request(Method::PUT, self.path.child("permissions", id))
            .json(permission)?;
        self.pipeline.send_json(request).await
    }

    /// `DELETE …/permissions/<id>` (204). Its tokens keep working until they expire.
    pub async fn delete_permission(&self, id: &str) -> Result<Response<()>> {
        let request = CosmosRequest::new(Method::DELETE, self.path.child("permissions", id));
        self.pipeline.send_without_body(request).await
    }

    /// `GET …/permissions`: the user's permissions, each with a freshly minted `_token`.
    pub fn permissions(&self) -> FeedPager<Permission> {
        let request = self.permission_request(Method::GET, self.path.feed("permissions"));
        FeedPager::new(self.pipeline.clone(), request, decode_feed::<Permission>)
    }

    /// A request on a permission path, carrying the token lifetime if one was set.
    fn permission_request(&self, method: Method, path: ResourcePath) -> CosmosRequest {
        let request = CosmosRequest::new(method, path);
        match self.token_lifetime {
            Some(lifetime) => {
                request.header(headers::EXPIRY_SECONDS, lifetime.as_secs().to_string())
            }
            None => request,
        }
    }
}
