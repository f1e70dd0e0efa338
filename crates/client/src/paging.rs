//! Paging: a feed or a query result, one page per request, as a `Stream` (see [`FeedPager`]).
//!
//! The pager is a small state machine — ready, fetching, finished — written by hand rather than
//! with a stream-building macro, so that each state and each transition can be read in
//! `poll_next`.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use cosmolab_model::{Document, Feed, FeedItem};
pub use futures_core::Stream;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Result};
use crate::headers;
use crate::pipeline::{CosmosRequest, Pipeline, decode};
use crate::response::{Page, Response};

/// Reads the items out of a feed's body.
type Decoder<T> = fn(&[u8]) -> Result<Vec<T>>;

/// The page being fetched: a boxed future, so that the pager is `Unpin` and easy to poll.
type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Page<T>>> + Send>>;

/// A feed or query result, fetched page by page: a [`Stream`] of [`Page`]s.
///
/// The service never answers a list or a query with everything at once. It answers one **page**
/// of at most `x-ms-max-item-count` items and, while more remain, an `x-ms-continuation` token;
/// sending that token back gets the next page. The pager does the sending, and each `next()` on it
/// is exactly one HTTP request. An error ends the stream.
///
/// Nothing is sent until the pager is first polled, so it can still be configured:
/// [`max_item_count`](FeedPager::max_item_count) sets the page size, and
/// [`resume_from`](FeedPager::resume_from) starts from a continuation token saved earlier — even
/// by another process, since the token is all the state there is.
///
/// ```no_run
/// # async fn demo(container: cosmolab_client::ContainerClient) -> cosmolab_client::Result<()> {
/// use cosmolab_client::{PartitionScope, Query};
/// use serde_json::Value;
///
/// let mut pages = container
///     .query_items::<Value>(Query::new("SELECT * FROM c"), PartitionScope::CrossPartition)
///     .max_item_count(10);
/// while let Some(page) = pages.next_page().await {
///     let page = page?;
///     println!("{} items for {} RU", page.resource().len(), page.request_charge());
/// }
/// # Ok(()) }
/// ```
pub struct FeedPager<T> {
    pipeline: Arc<Pipeline>,
    request: CosmosRequest,
    decode: Decoder<T>,
    max_item_count: Option<u32>,
    state: State<T>,
    // `fn() -> T`: the pager produces `T`s but holds none, so it is `Unpin` and `Send` whatever `T` is.
    _items: PhantomData<fn() -> T>,
}

enum State<T> {
    /// Ready to fetch the next page, from this continuation (`None`: the first page).
    Ready(Option<String>),
    /// A request is on its way, sent with this continuation.
    Fetching(PageFuture<T>, Option<String>),
    /// The last page was returned, or a request failed.
    Finished,
}

impl<T: DeserializeOwned + Send + 'static> FeedPager<T> {
    /// A pager over the feed `request` reads, decoding each page with `decode`.
    pub(crate) fn new(pipeline: Arc<Pipeline>, request: CosmosRequest, decode: Decoder<T>) -> Self {
        Self {
            pipeline,
            request,
            decode,
            max_item_count: None,
            state: State::Ready(None),
            _items: PhantomData,
        }
    }

    /// Asks for at most `count` items per page (`x-ms-max-item-count`). Without it, the service
    /// chooses (100 items in the emulator).
    pub fn max_item_count(mut self, count: u32) -> Self {
        self.max_item_count = Some(count);
        self
    }

    /// Continues from a continuation token returned with an earlier page.
    pub fn resume_from(mut self, continuation: impl Into<String>) -> Self {
        self.state = State::Ready(Some(continuation.into()));
        self
    }

    /// The next page, or `None` after the last one. The same as `StreamExt::next`, without
    /// needing a stream library.
    pub async fn next_page(&mut self) -> Option<Result<Page<T>>> {
        std::future::poll_fn(|context| Pin::new(&mut *self).poll_next(context)).await
    }

    /// Reads every remaining page and returns all their items, or the first error.
    pub async fn collect_items(mut self) -> Result<Vec<T>> {
        let mut items = Vec::new();
        while let Some(page) = self.next_page().await {
            items.extend(page?.into_resource());
        }
        Ok(items)
    }

    /// The request for the page after `continuation`.
    fn page_request(&self, continuation: Option<String>) -> PageFuture<T> {
        let pipeline = self.pipeline.clone();
        let decode = self.decode;
        let mut request = self.request.clone();
        if let Some(count) = self.max_item_count {
            request = request.header(headers::MAX_ITEM_COUNT, count.to_string());
        }
        if let Some(continuation) = continuation {
            request = request.header(headers::CONTINUATION, continuation);
        }
        Box::pin(async move {
            let raw = pipeline.send(&request).await?;
            let items = decode(&raw.body)?;
            Ok(Response::new(raw.status, raw.headers, items))
        })
    }
}

impl<T: DeserializeOwned + Send + 'static> Stream for FeedPager<T> {
    type Item = Result<Page<T>>;

    fn poll_next(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Ready(continuation) => {
                    let continuation = continuation.take();
                    let page = this.page_request(continuation.clone());
                    this.state = State::Fetching(page, continuation);
                }
                State::Fetching(page, sent) => {
                    let mut page = std::task::ready!(page.as_mut().poll(context));
                    // A page with a continuation means more follow; an error ends the stream,
                    // since there is no continuation to go on from. A continuation equal to the
                    // one just sent would fetch the same page forever: a broken (or hostile)
                    // server, reported instead of that page, whose items were most likely seen.
                    let repeated = match &page {
                        Ok(answer) => answer
                            .continuation()
                            .is_some_and(|next| sent.as_deref() == Some(next)),
                        Err(_) => false,
                    };
                    if repeated {
                        page = Err(Error::new(
                            ErrorKind::UnexpectedResponse,
                            format!(
                                "the service answered the continuation {:?} with the same \
                                 continuation again; paging stopped, since it would never end",
                                sent.as_deref().unwrap_or_default()
                            ),
                        ));
                    }
                    this.state = match &page {
                        Ok(page) => match page.continuation() {
                            Some(next) => State::Ready(Some(next.to_owned())),
                            None => State::Finished,
                        },
                        Err(_) => State::Finished,
                    };
                    return Poll::Ready(Some(page));
                }
                State::Finished => return Poll::Ready(None),
            }
        }
    }
}

impl<T> fmt::Debug for FeedPager<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Ready(None) => "not started",
            State::Ready(Some(_)) => "between pages",
            State::Fetching(..) => "fetching",
            State::Finished => "finished",
        };
        f.debug_struct("FeedPager")
            .field("request", &self.request)
            .field("max_item_count", &self.max_item_count)
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

/// Decodes a feed of one of the model's resource types (`Databases`, `Users`, …).
pub(crate) fn decode_feed<T: FeedItem + DeserializeOwned>(body: &[u8]) -> Result<Vec<T>> {
    decode::<Feed<T>>(body).map(|feed| feed.items)
}

/// Decodes a feed of items of the caller's own type `T`, under the `Documents` key.
pub(crate) fn decode_items<T: DeserializeOwned>(body: &[u8]) -> Result<Vec<T>> {
    decode::<Feed<ItemOf<T>>>(body).map(|feed| feed.items.into_iter().map(|item| item.0).collect())
}

/// Any item type, dressed as a feed item: `Feed<T>` finds its array by `T::FEED_KEY`, and the
/// caller's `T` (their own struct, a `serde_json::Value`, a number from `SELECT VALUE COUNT(1)`)
/// knows nothing of feeds.
#[derive(Deserialize)]
#[serde(transparent)]
struct ItemOf<T>(T);

impl<T> FeedItem for ItemOf<T> {
    const FEED_KEY: &'static str = <Document as FeedItem>::FEED_KEY;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Items of any type come out of the `Documents` array.
    #[test]
    fn items_of_any_type_decode_from_documents() {
        let body = br#"{"_rid": "x", "Documents": [3, 4], "_count": 2}"#;
        assert_eq!(decode_items::<u64>(body).unwrap(), [3, 4]);
        let error = decode_items::<u64>(br#"{"Users": []}"#).unwrap_err();
        assert!(error.message().contains("Documents"), "{error}");
    }
}
