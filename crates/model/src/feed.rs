//! Feeds: the envelope of every list and query response.
//!
//! A feed looks like `{"_rid": "<parent rid>", "Documents": [...], "_count": 2}`, but the name of
//! the array depends on what it holds — `Databases`, `DocumentCollections`, `Documents`, `Users`,
//! `Permissions`, `PartitionKeyRanges`, later `StoredProcedures`, `Triggers`,
//! `UserDefinedFunctions`. SDKs read *only* that array and look it up by that exact name, so a
//! feed with the wrong key reads as an empty result. That is why [`Feed<T>`] takes the key from
//! the item type through [`FeedItem::FEED_KEY`]: the compiler picks the key, so it cannot be wrong.
//!
//! serde's derive cannot name a field after a constant of a type parameter, so the two impls below
//! are written by hand. They are short: a map of three entries out, and the same three read back.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A resource type that can appear in a feed, and the key its array has there.
pub trait FeedItem {
    /// The name of the feed's array, e.g. `"Documents"`.
    const FEED_KEY: &'static str;
}

/// A page of a list or query response, holding items of one kind.
///
/// ```
/// use cosmolab_model::{Feed, User};
///
/// let feed = Feed::new("Sl8fAA==", vec![User::new("Test User")]);
/// assert_eq!(
///     serde_json::to_value(&feed)?,
///     serde_json::json!({"_rid": "Sl8fAA==", "Users": [{"id": "Test User"}], "_count": 1}),
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Feed<T> {
    /// `_rid`: the resource id of the feed's parent (the database for users, the container for
    /// documents); empty for the databases feed, which belongs to the account.
    pub rid: String,

    /// The items of this page.
    pub items: Vec<T>,
}

impl<T> Feed<T> {
    /// A page of `items` under the parent whose `_rid` is `rid`.
    pub fn new(rid: impl Into<String>, items: Vec<T>) -> Self {
        Self {
            rid: rid.into(),
            items,
        }
    }

    /// `_count`: how many items this page holds (also sent as the `x-ms-item-count` header).
    pub fn count(&self) -> usize {
        self.items.len()
    }
}

/// Writes `{"_rid": …, "<FEED_KEY>": […], "_count": …}`, with `_count` computed from the items so
/// that it can never disagree with them.
impl<T: FeedItem + Serialize> Serialize for Feed<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("_rid", &self.rid)?;
        map.serialize_entry(T::FEED_KEY, &self.items)?;
        map.serialize_entry("_count", &self.count())?;
        map.end()
    }
}

/// Reads a feed, requiring the array under `T`'s key.
///
/// `_rid` may be missing (it is then empty) and `_count` is ignored: SDKs do neither check, and the
/// item count is known from the array itself. Any other property is skipped.
impl<'de, T: FeedItem + Deserialize<'de>> Deserialize<'de> for Feed<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FeedVisitor(PhantomData))
    }
}

/// Walks the feed's properties; see the `Deserialize` impl of [`Feed`].
struct FeedVisitor<T>(PhantomData<T>);

impl<'de, T: FeedItem + Deserialize<'de>> Visitor<'de> for FeedVisitor<T> {
    type Value = Feed<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "a feed object with a \"{}\" array", T::FEED_KEY)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut rid = None;
        let mut items = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "_rid" {
                if rid.is_some() {
                    return Err(de::Error::duplicate_field("_rid"));
                }
                rid = Some(map.next_value()?);
            } else if key == T::FEED_KEY {
                if items.is_some() {
                    return Err(de::Error::duplicate_field(T::FEED_KEY));
                }
                items = Some(map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Feed {
            rid: rid.unwrap_or_default(),
            items: items.ok_or_else(|| de::Error::missing_field(T::FEED_KEY))?,
        })
    }
}
