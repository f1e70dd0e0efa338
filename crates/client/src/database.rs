//! [`DatabaseClient`]: one database, its containers and its users.
//!
//! A database is a namespace for two kinds of children: **containers**, which hold the data, and
//! **users**, which hold permissions (seed 001). Users live in the database rather than in the
//! account because a permission can only open resources of its own database.

use std::sync::Arc;

use cosmolab_model::{Container, Database, User};
use reqwest::Method;
use serde_json::json;

use crate::container::ContainerClient;
use crate::error::Result;
use crate::headers;
use crate::paging::{FeedPager, decode_feed};
use crate::path::ResourcePath;
use crate::pipeline::{CosmosRequest, Pipeline};
use crate::response::Response;
use crate::user::UserClient;

/// A handle for one database. Cheap to clone; making one sends nothing.
#[derive(Clone, Debug)]
pub struct DatabaseClient {
    pipeline: Arc<Pipeline>,
    id: String,
    path: ResourcePath,
}

impl DatabaseClient {
    pub(crate) fn new(pipeline: Arc<Pipeline>, id: &str) -> Self {
        Self {
            pipeline,
            id: id.to_owned(),
            path: ResourcePath::account().child("dbs", id),
        }
    }

    /// The database's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The database's link, `dbs/<id>`.
    pub fn link(&self) -> String {
        self.path.link()
    }

    /// `GET /dbs/<id>`: the database's properties (404 if it does not exist).
    pub async fn read(&self) -> Result<Response<Database>> {
        let request = CosmosRequest::new(Method::GET, self.path.clone());
        self.pipeline.send_json(request).await
    }

    /// `DELETE /dbs/<id>`: deletes the database and everything in it (204).
    pub async fn delete(&self) -> Result<Response<()>> {
        let request = CosmosRequest::new(Method::DELETE, self.path.clone());
        self.pipeline.send_without_body(request).await
    }

    /// A handle for the container `id` of this database (nothing is sent).
    pub fn container_client(&self, id: &str) -> ContainerClient {
        ContainerClient::new(self.pipeline.clone(), &self.path, id)
    }

    /// `POST /dbs/<id>/colls`: creates a container (201; 409 if the id is taken).
    ///
    /// `Container::new(id, PartitionKeyDefinition::hash("/key"))` is the minimal definition.
    pub async fn create_container(&self, container: &Container) -> Result<Response<Container>> {
        let request = CosmosRequest::new(Method::POST, self.path.feed("colls")).json(container)?;
        self.pipeline.send_json(request).await
    }

    /// `GET /dbs/<id>/colls`: the database's containers, page by page.
    pub fn containers(&self) -> FeedPager<Container> {
        let request = CosmosRequest::new(Method::GET, self.path.feed("colls"));
        FeedPager::new(self.pipeline.clone(), request, decode_feed::<Container>)
    }

    /// A handle for the user `id` of this database (nothing is sent).
    pub fn user_client(&self, id: &str) -> UserClient {
        UserClient::new(self.pipeline.clone(), &self.path, id)
    }

    /// `POST /dbs/<id>/users`: creates a user (201; 409 if the id is taken).
    pub async fn create_user(&self, id: &str) -> Result<Response<User>> {
        let request =
            CosmosRequest::new(Method::POST, self.path.feed("users")).json(&json!({ "id": id }))?;
        self.pipeline.send_json(request).await
    }

    /// `POST /dbs/<id>/users` as an upsert: creates the user, or returns it if it exists (201 or
    /// 200). What a token broker does for every application user it has not seen yet.
    pub async fn upsert_user(&self, id: &str) -> Result<Response<User>> {
        let request = CosmosRequest::new(Method::POST, self.path.feed("users"))
            .header(headers::IS_UPSERT, "True")
            .json(&json!({ "id": id }))?;
        self.pipeline.send_json(request).await
    }

    /// `GET /dbs/<id>/users`: the database's users, page by page.
    pub fn users(&self) -> FeedPager<User> {
        let request = CosmosRequest::new(Method::GET, self.path.feed("users"));
        FeedPager::new(self.pipeline.clone(), request, decode_feed::<User>)
    }
}
