//! Users: the identities that permissions are granted to, `POST /dbs/<db>/users`.
//!
//! A Cosmos DB user is not a person who logs in: it is a name inside one database that a trusted
//! mid-tier service creates for an application user, so that it can hang permissions on it and
//! hand out the resulting resource tokens.

use serde::{Deserialize, Serialize};

use crate::{FeedItem, SystemProperties};

/// A user of one database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The name the client chose; it may contain spaces (`Test User`).
    pub id: String,

    /// `_rid`, `_self`, `_etag`, `_ts`.
    #[serde(flatten)]
    pub system: SystemProperties,

    /// `_permissions`: the relative link of this user's permissions feed, `"permissions/"`.
    #[serde(
        rename = "_permissions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub permissions_link: Option<String>,
}

impl User {
    /// A user as a client creates it: only the id.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            system: SystemProperties::default(),
            permissions_link: None,
        }
    }
}

impl FeedItem for User {
    const FEED_KEY: &'static str = "Users";
}
