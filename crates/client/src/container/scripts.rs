//! A container's server-side scripts: stored procedures, triggers and user-defined functions.
//!
//! A script is JavaScript the service keeps in a container and runs next to the data:
//!
//! | kind | feed | runs when | model type |
//! |---|---|---|---|
//! | stored procedure | `…/sprocs` | a client calls it: `POST …/sprocs/<id>` | [`StoredProcedure`] |
//! | trigger | `…/triggers` | an item write names it ([`ContainerClient::with_pre_triggers`]) | [`Trigger`] |
//! | user-defined function | `…/udfs` | a query calls it: `SELECT VALUE udf.tax(c.price) FROM c` | [`UserDefinedFunction`] |
//!
//! All three are managed the same way — create (201), read, replace, delete (204), list — so one
//! private set of generic requests serves them, and the public methods only name the kind. That
//! management is metadata: a read-only key may read scripts, only a master key (or a resource
//! token with `All` on the container or the script) may create or change them.
//!
//! **Running a stored procedure** is a write, whatever the script does: it needs `All` — a master
//! key, or a resource token with `All` on the container or on the procedure itself. A read-only key
//! is refused with 401 like any write; a `Read` token with 403, even one on the procedure (which
//! may still *read* its definition). The procedure runs inside **one logical partition**, the one
//! the request names, and everything it writes is one transaction: if it throws, the service
//! answers 400 ("Encountered exception while executing function…") and nothing it wrote remains.
//! A procedure that runs too long is stopped with 408.
//!
//! ```no_run
//! # async fn demo(orders: cosmolab_client::ContainerClient) -> cosmolab_client::Result<()> {
//! use cosmolab_model::StoredProcedure;
//! use serde_json::json;
//!
//! let hello = StoredProcedure::new(
//!     "hello",
//!     "function hello(name) { getContext().getResponse().setBody('Hello, ' + name); }",
//! );
//! orders.create_stored_procedure(&hello).await?;
//! let answer = orders
//!     .execute_stored_procedure::<String>("hello", "alice", &[json!("Alice")])
//!     .await?;
//! assert_eq!(answer.resource().as_deref(), Some("Hello, Alice"));
//! # Ok(()) }
//! ```

use cosmolab_model::{FeedItem, PartitionKey, StoredProcedure, Trigger, UserDefinedFunction};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ContainerClient;
use crate::error::Result;
use crate::headers;
use crate::paging::{FeedPager, decode_feed};
use crate::pipeline::{CosmosRequest, decode};
use crate::response::Response;

/// The feed of each kind under the container: also the resource type a request on it signs.
const STORED_PROCEDURES: &str = "sprocs";
const TRIGGERS: &str = "triggers";
const USER_DEFINED_FUNCTIONS: &str = "udfs";

impl ContainerClient {
    // --------------------------------------------------------------------------------------------
    // Stored procedures
    // --------------------------------------------------------------------------------------------

    /// `POST …/sprocs`: stores a stored procedure (201; 409 if the id is taken).
    ///
    /// The service does not compile the source now: a syntax error shows at the first execution.
    pub async fn create_stored_procedure(
        &self,
        procedure: &StoredProcedure,
    ) -> Result<Response<StoredProcedure>> {
        self.create_script(STORED_PROCEDURES, procedure).await
    }

    /// `GET …/sprocs/<id>`: the stored procedure's definition, source included.
    pub async fn read_stored_procedure(&self, id: &str) -> Result<Response<StoredProcedure>> {
        self.read_script(STORED_PROCEDURES, id).await
    }

    /// `PUT …/sprocs/<id>`: replaces the stored procedure's source (200). The body's id must be
    /// `id`: a replace cannot rename (400).
    pub async fn replace_stored_procedure(
        &self,
        id: &str,
        procedure: &StoredProcedure,
    ) -> Result<Response<StoredProcedure>> {
        self.replace_script(STORED_PROCEDURES, id, procedure).await
    }

    /// `DELETE …/sprocs/<id>` (204; 404 if there is none).
    pub async fn delete_stored_procedure(&self, id: &str) -> Result<Response<()>> {
        self.delete_script(STORED_PROCEDURES, id).await
    }

    /// `GET …/sprocs`: the container's stored procedures, page by page.
    pub fn stored_procedures(&self) -> FeedPager<StoredProcedure> {
        self.list_scripts(STORED_PROCEDURES)
    }

    /// `POST …/sprocs/<id>`: runs the stored procedure in the logical partition `partition_key`,
    /// with `args` as its arguments (`[]` for none), and returns what it set with
    /// `getContext().getResponse().setBody(…)`, as a `T`.
    ///
    /// The answer is `None` when the procedure set no body (or set `null`): a procedure that only
    /// writes has nothing to say, and that is not an error. The partition key is required — a
    /// procedure only ever sees one partition — and the service refuses a request without it (400).
    ///
    /// Errors worth knowing: 400 when the script throws or does not compile (nothing it wrote is
    /// kept), 408 when it runs too long, 401 with a read-only key, 403 with a resource token that
    /// does not grant `All` on the container or on this procedure.
    pub async fn execute_stored_procedure<T: DeserializeOwned>(
        &self,
        id: &str,
        partition_key: impl Into<PartitionKey>,
        args: &[Value],
    ) -> Result<Response<Option<T>>> {
        // The arguments travel as one JSON array: element `i` is the script's parameter `i`.
        let mut request = CosmosRequest::new(Method::POST, self.path.child(STORED_PROCEDURES, id))
            .partition_key(partition_key.into())
            .json(&args)?;
        if self.script_logging {
            request = request.header(headers::SCRIPT_ENABLE_LOGGING, "true");
        }
        let raw = self.pipeline.send(&request).await?;
        let answer = decode_script_answer(&raw.body)?;
        Ok(Response::new(raw.status, raw.headers, answer))
    }

    // --------------------------------------------------------------------------------------------
    // Triggers
    // --------------------------------------------------------------------------------------------

    /// `POST …/triggers`: stores a trigger (201; 409 if the id is taken; 400 without its type or
    /// operation). `Trigger::new(id, body, TriggerType::Pre, TriggerOperation::Create)`.
    ///
    /// A trigger never runs by itself: an item write runs it only when it names it, see
    /// [`ContainerClient::with_pre_triggers`] and [`ContainerClient::with_post_triggers`].
    pub async fn create_trigger(&self, trigger: &Trigger) -> Result<Response<Trigger>> {
        self.create_script(TRIGGERS, trigger).await
    }

    /// `GET …/triggers/<id>`: the trigger's definition.
    pub async fn read_trigger(&self, id: &str) -> Result<Response<Trigger>> {
        self.read_script(TRIGGERS, id).await
    }

    /// `PUT …/triggers/<id>`: replaces the trigger (its source, type or operation; not its id).
    pub async fn replace_trigger(&self, id: &str, trigger: &Trigger) -> Result<Response<Trigger>> {
        self.replace_script(TRIGGERS, id, trigger).await
    }

    /// `DELETE …/triggers/<id>` (204). A write that still names it is then refused with 400.
    pub async fn delete_trigger(&self, id: &str) -> Result<Response<()>> {
        self.delete_script(TRIGGERS, id).await
    }

    /// `GET …/triggers`: the container's triggers, page by page.
    pub fn triggers(&self) -> FeedPager<Trigger> {
        self.list_scripts(TRIGGERS)
    }

    // --------------------------------------------------------------------------------------------
    // User-defined functions
    // --------------------------------------------------------------------------------------------

    /// `POST …/udfs`: stores a user-defined function (201; 409 if the id is taken), which queries
    /// of this container then call as `udf.<id>(…)`.
    pub async fn create_user_defined_function(
        &self,
        function: &UserDefinedFunction,
    ) -> Result<Response<UserDefinedFunction>> {
        self.create_script(USER_DEFINED_FUNCTIONS, function).await
    }

    /// `GET …/udfs/<id>`: the function's definition.
    pub async fn read_user_defined_function(
        &self,
        id: &str,
    ) -> Result<Response<UserDefinedFunction>> {
        self.read_script(USER_DEFINED_FUNCTIONS, id).await
    }

    /// `PUT …/udfs/<id>`: replaces the function's source.
    pub async fn replace_user_defined_function(
        &self,
        id: &str,
        function: &UserDefinedFunction,
    ) -> Result<Response<UserDefinedFunction>> {
        self.replace_script(USER_DEFINED_FUNCTIONS, id, function)
            .await
    }

    /// `DELETE …/udfs/<id>` (204). A query that still calls it is then refused with 400.
    pub async fn delete_user_defined_function(&self, id: &str) -> Result<Response<()>> {
        self.delete_script(USER_DEFINED_FUNCTIONS, id).await
    }

    /// `GET …/udfs`: the container's user-defined functions, page by page.
    pub fn user_defined_functions(&self) -> FeedPager<UserDefinedFunction> {
        self.list_scripts(USER_DEFINED_FUNCTIONS)
    }

    // --------------------------------------------------------------------------------------------
    // The requests all three kinds share; `kind` is the feed's segment (`sprocs`, …)
    // --------------------------------------------------------------------------------------------

    async fn create_script<S: Serialize + DeserializeOwned>(
        &self,
        kind: &str,
        script: &S,
    ) -> Result<Response<S>> {
        let request = CosmosRequest::new(Method::POST, self.path.feed(kind)).json(script)?;
        self.pipeline.send_json(request).await
    }

    async fn read_script<S: DeserializeOwned>(&self, kind: &str, id: &str) -> Result<Response<S>> {
        let request = CosmosRequest::new(Method::GET, self.path.child(kind, id));
        self.pipeline.send_json(request).await
    }

    async fn replace_script<S: Serialize + DeserializeOwned>(
        &self,
        kind: &str,
        id: &str,
        script: &S,
    ) -> Result<Response<S>> {
        let request = CosmosRequest::new(Method::PUT, self.path.child(kind, id)).json(script)?;
        self.pipeline.send_json(request).await
    }

    async fn delete_script(&self, kind: &str, id: &str) -> Result<Response<()>> {
        let request = CosmosRequest::new(Method::DELETE, self.path.child(kind, id));
        self.pipeline.send_without_body(request).await
    }

    fn list_scripts<S: FeedItem + DeserializeOwned + Send + 'static>(
        &self,
        kind: &str,
    ) -> FeedPager<S> {
        let request = CosmosRequest::new(Method::GET, self.path.feed(kind));
        FeedPager::new(self.pipeline.clone(), request, decode_feed::<S>)
    }
}

/// What a stored procedure answered: `None` for an empty body (it set none) or `null`.
///
/// The service answers a procedure that never called `setBody` with 200 and no body at all, which
/// is not JSON; decoding it as `T` would turn a successful run into an error.
fn decode_script_answer<T: DeserializeOwned>(body: &[u8]) -> Result<Option<T>> {
    let text = body.trim_ascii();
    if text.is_empty() || text == b"null" {
        return Ok(None);
    }
    // Decoded as `T`, not `Option<T>`, so that a wrong body's error names the caller's type.
    decode::<T>(text).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    /// No body and `null` are "the procedure set nothing"; any other body is decoded as `T`, and
    /// a body that is not a `T` is an error naming the type.
    #[test]
    fn script_answers_may_be_empty() {
        assert_eq!(decode_script_answer::<String>(b"").unwrap(), None);
        assert_eq!(decode_script_answer::<String>(b" \n").unwrap(), None);
        assert_eq!(decode_script_answer::<String>(b"null").unwrap(), None);
        assert_eq!(
            decode_script_answer::<String>(br#""Hello""#).unwrap(),
            Some("Hello".to_owned())
        );
        assert_eq!(decode_script_answer::<u32>(b"42").unwrap(), Some(42));
        let error = decode_script_answer::<u32>(br#"{"a": 1}"#).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::UnexpectedResponse);
        assert!(error.message().contains("u32"), "{error}");
    }
}
