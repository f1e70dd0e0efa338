//! Feeds: paging and queries, the same for every kind of resource.
//!
//! A feed read returns a page of the resources; a query returns a page of the query's results.
//! Both page the same way: at most `x-ms-max-item-count` items, and while more remain, an
//! `x-ms-continuation` that the client sends back for the next page. Ours is the offset of the
//! next item, which is opaque to clients (the SDKs re-send it unchanged).
//!
//! Queries are answered completely here, cross-partition ones included (ORDER BY, TOP and
//! aggregates over all partitions), so clients never need a query plan.

use serde::Deserialize;
use serde_json::Value;

use crate::error::{CosmosError, Result};
use crate::operation::Action;
use crate::query::{Parameters, Query};
use crate::request::{CosmosRequest, DEFAULT_PAGE_SIZE, headers};
use crate::response::{self, Reply};
use crate::scripts::{ContainerFunctions, ScriptLimits};
use cosmolab_model::UserDefinedFunction;

/// Answers a feed read or a query over a feed's `items`, one page at a time:
/// `{"_rid": parent_rid, key: [...], "_count"}`.
pub fn answer(
    request: &CosmosRequest,
    action: Action,
    key: &str,
    parent_rid: &str,
    items: Vec<Value>,
) -> Result<Reply> {
    let items = if action == Action::Query {
        run_query(request, &items, None)?
    } else {
        items
    };
    let (page, continuation) = page(request, items)?;
    Ok(response::feed(key, parent_rid, page, continuation))
}

/// The body of a query request.
#[derive(Debug, Deserialize)]
struct QueryBody {
    query: String,
    #[serde(default)]
    parameters: Option<Value>,
}

/// The user-defined functions a query over documents may call: the container's, and the limits
/// their JavaScript runs under.
pub type Functions<'f> = Option<(&'f [UserDefinedFunction], ScriptLimits)>;

/// Runs the query in the request's body over `items`, with the container's user-defined
/// functions for `udf.name(…)` if the feed has any (only documents do).
pub fn run_query<'a>(
    request: &CosmosRequest,
    items: impl IntoIterator<Item = &'a Value>,
    functions: Functions<'_>,
) -> Result<Vec<Value>> {
    if request.flag(headers::IS_QUERY_PLAN) {
        // Query plans exist for clients that assemble cross-partition results themselves. We
        // answer every query completely, and an SDK only asks for a plan after a 400/1004.
        return Err(CosmosError::bad_request(
            "The cosmolab emulator answers every query itself, across partitions too: send the \
             query without x-ms-cosmos-is-query-plan-request.",
        ));
    }
    let body: QueryBody = request.json()?;
    let query =
        Query::parse(&body.query).map_err(|error| CosmosError::bad_request(error.to_string()))?;
    let parameters = match &body.parameters {
        Some(list) => Parameters::from_request(list),
        None => Ok(Parameters::new()),
    }
    .map_err(|error| CosmosError::bad_request(error.to_string()))?;
    let bad_query = |error: crate::query::QueryError| CosmosError::bad_request(error.to_string());
    let called = query.user_defined_functions();
    if called.is_empty() {
        return query.execute(items, &parameters).map_err(bad_query);
    }
    // Each function the query calls must exist; they are compiled once for the whole query.
    let (defined, limits) = functions.unwrap_or((&[], ScriptLimits::default()));
    let compiled = ContainerFunctions::compile(&called, defined, limits)?;
    let results = query
        .execute_with_functions(items, &parameters, &compiled)
        .map_err(bad_query)?;
    match compiled.failure() {
        Some(error) => Err(error),
        None => Ok(results),
    }
}

/// Whether the request is a query that calls user-defined functions — JavaScript, which the
/// router runs off the async workers (`crate::app`). A body that is not a query says no; the
/// handler reports what is wrong with it.
pub fn calls_functions(request: &CosmosRequest) -> bool {
    request
        .json::<QueryBody>()
        .ok()
        .and_then(|body| Query::parse(&body.query).ok())
        .is_some_and(|query| !query.user_defined_functions().is_empty())
}

/// Cuts one page out of `items`, starting where the request's continuation says.
pub fn page(request: &CosmosRequest, items: Vec<Value>) -> Result<(Vec<Value>, Option<String>)> {
    let start = match request.continuation() {
        None => 0,
        Some(token) => token.parse::<usize>().map_err(|_| {
            CosmosError::bad_request(format!(
                "The continuation token '{token}' is invalid: send back exactly the \
                 x-ms-continuation of the previous page."
            ))
        })?,
    };
    let size = request.max_item_count()?.unwrap_or(DEFAULT_PAGE_SIZE);
    let total = items.len();
    let end = start.saturating_add(size).min(total);
    let page: Vec<Value> = items.into_iter().skip(start).take(size).collect();
    // A continuation only while items remain: an SDK keeps asking as long as it gets one.
    let continuation = (end < total).then(|| end.to_string());
    Ok((page, continuation))
}
