//! [`ContainerClient`]: one container and its items.
//!
//! Every item lives in one **logical partition**, named by the value at the container's
//! partition-key path (`/customer` → `"alice"`). The service finds an item by its id *and* that
//! value, so every item operation here takes the partition key first, and sends it as the header
//! `x-ms-documentdb-partitionkey: ["alice"]`. On writes the service also checks that the header
//! agrees with the item's body (400 otherwise). The client does not read the key out of the body
//! for you, as some SDKs do by fetching the container's definition first: it is one request less,
//! and the partition a request targets stays visible in the code.
//!
//! Items are any serde type: your own structs, a [`serde_json::Value`], or the model's
//! [`Document`](cosmolab_model::Document), which also keeps the system properties.
//!
//! The container's server-side scripts — stored procedures, triggers and user-defined functions —
//! are managed and run through this handle too; their methods are in `container/scripts.rs`.
//! Naming triggers is a property of the *write*, not of the item, so, like a permission's token
//! lifetime on [`UserClient`](crate::UserClient), it is set on a handle made for it:
//! `orders.clone().with_pre_triggers(["stamp"]).create_item("alice", &order)`.

use std::sync::Arc;

use cosmolab_model::{Container, PartitionKey, PartitionKeyRange};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Result;
use crate::headers;
use crate::paging::{FeedPager, decode_feed, decode_items};
use crate::path::ResourcePath;
use crate::pipeline::{CosmosRequest, Pipeline};
use crate::query::{PartitionScope, Query};
use crate::response::Response;

mod scripts;

/// A handle for one container. Cheap to clone; making one sends nothing.
#[derive(Clone, Debug)]
pub struct ContainerClient {
    pipeline: Arc<Pipeline>,
    id: String,
    path: ResourcePath,
    /// The triggers every item write of this handle names (`with_pre_triggers`,
    /// `with_post_triggers`); empty for a plain handle.
    pre_triggers: Vec<String>,
    post_triggers: Vec<String>,
    /// Whether stored procedures run through this handle send back their `console.log` output.
    script_logging: bool,
}

impl ContainerClient {
    pub(crate) fn new(pipeline: Arc<Pipeline>, database: &ResourcePath, id: &str) -> Self {
        Self {
            pipeline,
            id: id.to_owned(),
            path: database.child("colls", id),
            pre_triggers: Vec::new(),
            post_triggers: Vec::new(),
            script_logging: false,
        }
    }

    /// The container's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The container's link, `dbs/<db>/colls/<id>`: the `resource` of a permission on it.
    pub fn link(&self) -> String {
        self.path.link()
    }

    /// The same handle, running the pre-triggers `names` (in that order) before every item write
    /// it sends: `x-ms-documentdb-pre-trigger-include: stamp,check`.
    ///
    /// A trigger runs only when a write names it: creating one changes nothing by itself. Each
    /// named trigger must exist, be a `Pre` trigger, and be declared for the write's operation
    /// (`Create` covers creates and upserts), or the write is refused with 400. The triggers and
    /// the write are one transaction: a trigger that throws leaves nothing written.
    pub fn with_pre_triggers<S: Into<String>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> Self {
        self.pre_triggers = names.into_iter().map(Into::into).collect();
        self
    }

    /// The same handle, running the post-triggers `names` after every item write it sends
    /// (`x-ms-documentdb-post-trigger-include`). They see the written item, and a throw undoes
    /// the write.
    pub fn with_post_triggers<S: Into<String>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> Self {
        self.post_triggers = names.into_iter().map(Into::into).collect();
        self
    }

    /// The same handle, asking the service for the `console.log` output of every stored procedure
    /// it runs (`x-ms-documentdb-script-enable-logging: true`); read it with
    /// [`Response::script_log`]. Off by default, as in the SDKs: most runs need no log, and it
    /// travels in a response header, which has a size limit.
    pub fn with_script_logging(mut self) -> Self {
        self.script_logging = true;
        self
    }

    /// `GET …/colls/<id>`: the container's properties, including its partition-key definition.
    pub async fn read(&self) -> Result<Response<Container>> {
        let request = CosmosRequest::new(Method::GET, self.path.clone());
        self.pipeline.send_json(request).await
    }

    /// `PUT …/colls/<id>`: replaces the container's settable properties (the partition key cannot
    /// change).
    pub async fn replace(&self, container: &Container) -> Result<Response<Container>> {
        let request = CosmosRequest::new(Method::PUT, self.path.clone()).json(container)?;
        self.pipeline.send_json(request).await
    }

    /// `DELETE …/colls/<id>`: deletes the container and its items (204).
    pub async fn delete(&self) -> Result<Response<()>> {
        let request = CosmosRequest::new(Method::DELETE, self.path.clone());
        self.pipeline.send_without_body(request).await
    }

    /// `GET …/colls/<id>/pkranges`: the container's physical partitions (one in the emulator).
    pub async fn partition_key_ranges(&self) -> Result<Response<Vec<PartitionKeyRange>>> {
        let request = CosmosRequest::new(Method::GET, self.path.feed("pkranges"));
        let raw = self.pipeline.send(&request).await?;
        let ranges = decode_feed::<PartitionKeyRange>(&raw.body)?;
        Ok(Response::new(raw.status, raw.headers, ranges))
    }

    /// `POST …/docs`: creates an item (201; 409 if its id exists in that partition).
    pub async fn create_item<T: Serialize + DeserializeOwned>(
        &self,
        partition_key: impl Into<PartitionKey>,
        item: &T,
    ) -> Result<Response<T>> {
        let request = self
            .item_write(Method::POST, self.path.feed("docs"), partition_key.into())
            .json(item)?;
        self.pipeline.send_json(request).await
    }

    /// `POST …/docs` with `x-ms-documentdb-is-upsert: True`: creates the item (201) or replaces
    /// the one with its id (200).
    pub async fn upsert_item<T: Serialize + DeserializeOwned>(
        &self,
        partition_key: impl Into<PartitionKey>,
        item: &T,
    ) -> Result<Response<T>> {
        let request = self
            .item_write(Method::POST, self.path.feed("docs"), partition_key.into())
            .header(headers::IS_UPSERT, "True")
            .json(item)?;
        self.pipeline.send_json(request).await
    }

    /// `GET …/docs/<id>`: reads an item (404 if there is none with that id in that partition).
    pub async fn read_item<T: DeserializeOwned>(
        &self,
        partition_key: impl Into<PartitionKey>,
        id: &str,
    ) -> Result<Response<T>> {
        let request = CosmosRequest::new(Method::GET, self.path.child("docs", id))
            .partition_key(partition_key.into());
        self.pipeline.send_json(request).await
    }

    /// `PUT …/docs/<id>`: replaces an item, whatever its current version (200; 404 if missing).
    pub async fn replace_item<T: Serialize + DeserializeOwned>(
        &self,
        partition_key: impl Into<PartitionKey>,
        id: &str,
        item: &T,
    ) -> Result<Response<T>> {
        let request = self
            .item_write(
                Method::PUT,
                self.path.child("docs", id),
                partition_key.into(),
            )
            .json(item)?;
        self.pipeline.send_json(request).await
    }

    /// `PUT …/docs/<id>` with `if-match: <etag>`: replaces the item only if it is still at the
    /// version `etag` (from [`Response::etag`] or the item's `_etag`), 412 otherwise.
    ///
    /// This is optimistic concurrency: read, change, write back *if nobody wrote in between*; on
    /// 412, read again and redo the change.
    pub async fn replace_item_if_match<T: Serialize + DeserializeOwned>(
        &self,
        partition_key: impl Into<PartitionKey>,
        id: &str,
        item: &T,
        etag: &str,
    ) -> Result<Response<T>> {
        let request = self
            .item_write(
                Method::PUT,
                self.path.child("docs", id),
                partition_key.into(),
            )
            .header("if-match", etag)
            .json(item)?;
        self.pipeline.send_json(request).await
    }

    /// `DELETE …/docs/<id>`: deletes an item (204; 404 if missing).
    pub async fn delete_item(
        &self,
        partition_key: impl Into<PartitionKey>,
        id: &str,
    ) -> Result<Response<()>> {
        let request = self.item_write(
            Method::DELETE,
            self.path.child("docs", id),
            partition_key.into(),
        );
        self.pipeline.send_without_body(request).await
    }

    /// `GET …/docs`: every item of one partition or of all of them, page by page.
    pub fn read_items<T: DeserializeOwned + Send + 'static>(
        &self,
        scope: impl Into<PartitionScope>,
    ) -> FeedPager<T> {
        let request = scoped(
            CosmosRequest::new(Method::GET, self.path.feed("docs")),
            scope.into(),
        );
        FeedPager::new(self.pipeline.clone(), request, decode_items::<T>)
    }

    /// `POST …/docs` as a query: the results of `query`, page by page.
    ///
    /// Results are of any type: whole items, projections (`SELECT c.id, c.total`), or values
    /// (`SELECT VALUE COUNT(1)` as `u64`).
    pub fn query_items<T: DeserializeOwned + Send + 'static>(
        &self,
        query: impl Into<Query>,
        scope: impl Into<PartitionScope>,
    ) -> FeedPager<T> {
        let request = CosmosRequest::new(Method::POST, self.path.feed("docs"))
            .header(headers::IS_QUERY, "True")
            .body(headers::QUERY_CONTENT_TYPE, query.into().to_json());
        let request = scoped(request, scope.into());
        FeedPager::new(self.pipeline.clone(), request, decode_items::<T>)
    }

    /// A write of one item (create, upsert, replace, delete) in `partition_key`, naming the
    /// handle's triggers. Reads and queries never name triggers: the service runs them on writes
    /// only.
    fn item_write(
        &self,
        method: Method,
        path: ResourcePath,
        partition_key: PartitionKey,
    ) -> CosmosRequest {
        let mut request = CosmosRequest::new(method, path).partition_key(partition_key);
        // An empty header would name no trigger either, but a header that is absent shows in a
        // capture that the write asked for nothing.
        if !self.pre_triggers.is_empty() {
            request = request.header(headers::PRE_TRIGGER_INCLUDE, self.pre_triggers.join(","));
        }
        if !self.post_triggers.is_empty() {
            request = request.header(headers::POST_TRIGGER_INCLUDE, self.post_triggers.join(","));
        }
        request
    }
}

/// Adds the partition key header, or the cross-partition flag, to a feed read or query.
fn scoped(request: CosmosRequest, scope: PartitionScope) -> CosmosRequest {
    match scope {
        PartitionScope::Partition(key) => request.partition_key(key),
        PartitionScope::CrossPartition => request.header(headers::ENABLE_CROSS_PARTITION, "True"),
    }
}
