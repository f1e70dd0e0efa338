//! Documents: create, upsert, read, replace, delete, read feed, query.
//!
//! The partition key is at the heart of every document operation. A write names it twice — in
//! the `x-ms-documentdb-partitionkey` header and in the document itself, at the container's
//! partition-key path — and the two must agree (400 otherwise), because the header decides where
//! the service routes the request and the body decides where the document belongs. Point reads,
//! replaces and deletes need the header: an id is unique only within its logical partition.
//!
//! Queries and feed reads may name a partition (then only its documents are read) or not (then the
//! whole container is, across partitions).

use axum::http::StatusCode;
use cosmolab_model::{Document, PartitionKey, Trigger, TriggerOperation, UserDefinedFunction};
use serde_json::{Map, Value};

use super::{Context, feed};
use crate::error::{CosmosError, Result};
use crate::operation::{Action, Operation, ResourcePath};
use crate::request::headers;
use crate::response::{self, Reply};
use crate::scripts::TriggerNames;
use crate::store::{StoredDocument, Upserted};

/// Request units charged: a point read costs 1, a write about 5, a query a little more than a read.
const READ_CHARGE: f64 = 1.0;
const WRITE_CHARGE: f64 = 5.0;
const QUERY_CHARGE: f64 = 2.5;

/// Handles `…/docs` and `…/docs/{id}`.
pub fn handle(context: &Context<'_>, operation: &Operation) -> Result<Reply> {
    let request = context.request;
    let (database, container, document) = match &operation.path {
        ResourcePath::Documents {
            database,
            container,
        } => (database, container, None),
        ResourcePath::Document {
            database,
            container,
            document,
        } => (database, container, Some(document)),
        _ => return Err(CosmosError::not_found()),
    };
    let container_link = format!("dbs/{database}/colls/{container}");
    let mut store = context.state.store();
    let definition = store
        .container(database, container)?
        .resource
        .partition_key
        .clone();
    let ts = context.now_seconds();

    // Writes: the header's partition key must match the one in the document.
    let partition_of = |body: &Map<String, Value>| -> Result<PartitionKey> {
        let header = request.required_partition_key()?;
        let in_body = Document::new(body.clone())
            .partition_key(&definition)
            .map_err(|error| {
                CosmosError::bad_request(format!(
                    "The document's partition key is invalid: {error}."
                ))
            })?;
        if in_body != header {
            return Err(CosmosError::bad_request(format!(
                "PartitionKey extracted from document doesn't match the one specified in the header \
                 (document {in_body}, header {header}; the container's partition key path is {}).",
                definition.paths.join(", ")
            )));
        }
        Ok(header)
    };
    let document_reply = |status: StatusCode, stored: &StoredDocument, lsn: u64, charge: f64| {
        Reply::json(status, &stored.body)
            .etag(Some(stored.etag()))
            .session(lsn, &container_link)
            .charge(charge)
    };

    // A write that names triggers runs them and itself as one transaction (`crate::scripts`).
    let triggers = TriggerNames::from_request(request);
    if !triggers.is_empty() && operation.action.is_write() {
        let defined = store.scripts::<Trigger>(database, container)?.to_vec();
        drop(store);
        let written = TriggeredWrite {
            context,
            action: operation.action,
            place: (database, container),
            document,
            defined: &defined,
            partition_of: &partition_of,
        };
        return written.run(&triggers, &container_link);
    }

    match (document, operation.action) {
        (None, Action::Create) => {
            let body = request.json_object()?;
            let partition = partition_of(&body)?;
            let stored = store.create_document(database, container, partition, body, ts)?;
            Ok(document_reply(
                StatusCode::CREATED,
                &stored,
                store.lsn(),
                WRITE_CHARGE,
            ))
        }
        (None, Action::Upsert) => {
            let body = request.json_object()?;
            let partition = partition_of(&body)?;
            let (stored, outcome) = store.upsert_document(
                database,
                container,
                partition,
                body,
                request.if_match(),
                ts,
            )?;
            let status = match outcome {
                Upserted::Created => StatusCode::CREATED,
                Upserted::Replaced => StatusCode::OK,
            };
            Ok(document_reply(status, &stored, store.lsn(), WRITE_CHARGE))
        }
        (Some(id), Action::Read) => {
            let partition = request.required_partition_key()?;
            let stored = store.document(database, container, &partition, id)?;
            check_addressed_rid(context, stored)?;
            if request.header("if-none-match").map(str::trim) == Some(stored.etag()) {
                return Ok(Reply::empty(StatusCode::NOT_MODIFIED).etag(Some(stored.etag())));
            }
            Ok(document_reply(
                StatusCode::OK,
                stored,
                store.lsn(),
                READ_CHARGE,
            ))
        }
        (Some(id), Action::Replace) => {
            let body = request.json_object()?;
            let partition = partition_of(&body)?;
            check_addressed_rid(
                context,
                store.document(database, container, &partition, id)?,
            )?;
            let stored = store.replace_document(
                database,
                container,
                partition,
                id,
                body,
                request.if_match(),
                ts,
            )?;
            Ok(document_reply(
                StatusCode::OK,
                &stored,
                store.lsn(),
                WRITE_CHARGE,
            ))
        }
        (Some(id), Action::Delete) => {
            let partition = request.required_partition_key()?;
            check_addressed_rid(
                context,
                store.document(database, container, &partition, id)?,
            )?;
            store.delete_document(database, container, &partition, id, request.if_match())?;
            Ok(Reply::empty(StatusCode::NO_CONTENT)
                .session(store.lsn(), &container_link)
                .charge(WRITE_CHARGE))
        }
        (None, Action::ReadFeed | Action::Query) => {
            let partition = request.partition_key()?;
            check_range_id(request)?;
            let rid = store.container(database, container)?.rid();
            let lsn = store.lsn();
            let answer = |items: Vec<Value>, charge: f64| -> Result<Reply> {
                let (page, continuation) = feed::page(request, items)?;
                Ok(response::feed("Documents", &rid, page, continuation)
                    .session(lsn, &container_link)
                    .charge(charge))
            };
            let documents = store.documents(database, container, partition.as_ref())?;
            if operation.action == Action::ReadFeed {
                let items = documents.map(|stored| stored.body.clone()).collect();
                return answer(items, READ_CHARGE);
            }
            if !feed::calls_functions(request) {
                let items = feed::run_query(request, documents.map(|stored| &stored.body), None)?;
                return answer(items, QUERY_CHARGE);
            }
            // User-defined functions are JavaScript, which may run for seconds: query a copy of
            // the documents and let other requests have the store meanwhile.
            let copies: Vec<Value> = documents.map(|stored| stored.body.clone()).collect();
            let functions = store
                .scripts::<UserDefinedFunction>(database, container)?
                .to_vec();
            drop(store);
            let limits = context.state.settings.script_limits;
            let items = feed::run_query(request, &copies, Some((&functions, limits)))?;
            answer(items, QUERY_CHARGE)
        }
        _ => Err(CosmosError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "A document cannot be the target of a {} request.",
                operation.action
            ),
        )),
    }
}

/// A client's document write that names triggers.
struct TriggeredWrite<'a> {
    context: &'a Context<'a>,
    action: Action,
    place: (&'a str, &'a str),
    document: Option<&'a String>,
    defined: &'a [Trigger],
    /// The request's partition key, checked against the body's (as for any write).
    partition_of: &'a dyn Fn(&Map<String, Value>) -> Result<PartitionKey>,
}

impl TriggeredWrite<'_> {
    /// Runs the pre-triggers, the write and the post-triggers in one transaction.
    fn run(&self, names: &TriggerNames, container_link: &str) -> Result<Reply> {
        let request = self.context.request;
        let operation = match self.action {
            Action::Create | Action::Upsert => TriggerOperation::Create,
            Action::Replace => TriggerOperation::Replace,
            _ => TriggerOperation::Delete,
        };
        let (pre, post) = names.resolve(self.defined, operation)?;
        let partition = request.required_partition_key()?;
        let body = match self.action {
            Action::Delete | Action::Execute => None,
            _ => Some(Value::Object(request.json_object()?)),
        };
        let if_match = request.if_match();
        let (status, stored) = crate::scripts::run_triggered_write(
            self.context.state,
            self.place,
            (&pre, &post),
            &partition,
            body,
            self.context.now_seconds(),
            |scope, body| {
                // What the pre-triggers left is the body to write.
                let body = || match body.clone() {
                    Some(Value::Object(body)) => Ok(body),
                    _ => Err(CosmosError::bad_request(
                        "The request body must be a JSON object (after the pre-triggers ran).",
                    )),
                };
                let (status, stored) = match (self.action, self.document) {
                    (Action::Create | Action::Upsert, None) => {
                        let body = body()?;
                        (self.partition_of)(&body)?;
                        let (stored, outcome) =
                            scope.create(body, self.action == Action::Upsert, if_match)?;
                        let status = match outcome {
                            Upserted::Created => StatusCode::CREATED,
                            Upserted::Replaced => StatusCode::OK,
                        };
                        (status, Some(stored))
                    }
                    (Action::Replace, Some(id)) => {
                        let body = body()?;
                        (self.partition_of)(&body)?;
                        (StatusCode::OK, Some(scope.replace(id, body, if_match)?))
                    }
                    (Action::Delete, Some(id)) => {
                        scope.delete(id, if_match)?;
                        (StatusCode::NO_CONTENT, None)
                    }
                    _ => {
                        return Err(CosmosError::new(
                            StatusCode::METHOD_NOT_ALLOWED,
                            format!("Triggers cannot run on a {} of this resource.", self.action),
                        ));
                    }
                };
                let written = stored.as_ref().map(|stored| stored.body.clone());
                Ok(((status, stored), written))
            },
        )?;
        let lsn = self.context.state.store().lsn();
        Ok(match stored {
            Some(stored) => Reply::json(status, &stored.body)
                .etag(Some(stored.etag()))
                .session(lsn, container_link)
                .charge(WRITE_CHARGE),
            None => Reply::empty(status)
                .session(lsn, container_link)
                .charge(WRITE_CHARGE),
        })
    }
}

/// For a request addressed by `_rid`, the document found by (partition, id) must be that very
/// document: the same id may exist in another partition, and a `_self` link names exactly one.
fn check_addressed_rid(context: &Context<'_>, stored: &StoredDocument) -> Result<()> {
    match &context.addressed_rid {
        Some(rid) if stored.body["_rid"].as_str() != Some(rid.as_str()) => {
            Err(CosmosError::not_found())
        }
        _ => Ok(()),
    }
}

/// Clients that route queries per partition-key range name the range; ours is the only one, `0`.
fn check_range_id(request: &crate::request::CosmosRequest) -> Result<()> {
    match request.header(headers::PARTITION_KEY_RANGE_ID) {
        None | Some("0") => Ok(()),
        Some(other) => Err(CosmosError::new(
            StatusCode::GONE,
            format!("The partition key range '{other}' does not exist; this container has one range, '0'."),
        )
        .with_substatus(1002)),
    }
}
