//! `GET …/pkranges`: the container's partition-key ranges, as an incremental feed.
//!
//! The emulator keeps every container in one physical partition, so there is one range covering
//! the whole key space, `""` to `"FF"`. SDKs read ranges as a change feed and poll until they get
//! a literal `304 Not Modified` for the etag they hold — answering 200 again would make them poll
//! forever (protocol notes §10). So: 200 with an `etag` the first time, 304 afterwards.

use axum::http::StatusCode;
use cosmolab_model::PartitionKeyRange;

use super::{Context, to_json};
use crate::error::Result;
use crate::operation::{Operation, ResourcePath};
use crate::response::{self, Reply};

/// Answers a read of the ranges.
pub fn read(context: &Context<'_>, operation: &Operation) -> Result<Reply> {
    let ResourcePath::PartitionKeyRanges {
        database,
        container,
    } = &operation.path
    else {
        return Err(crate::error::CosmosError::not_found());
    };
    let store = context.state.store();
    let rid = store.container(database, container)?.rid();
    // The ranges never change, so one etag per container describes them for ever.
    let etag = format!("\"{rid}-ranges-1\"");
    if context.request.header("if-none-match").map(str::trim) == Some(etag.as_str()) {
        return Ok(Reply::empty(StatusCode::NOT_MODIFIED).etag(Some(&etag)));
    }
    let mut range = PartitionKeyRange::whole_key_space();
    range.system.etag = Some(etag.clone());
    Ok(response::feed("PartitionKeyRanges", &rid, vec![to_json(&range)], None).etag(Some(&etag)))
}
