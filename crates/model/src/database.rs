//! Databases: `POST /dbs` creates one, `GET /dbs/<id>` reads it, `GET /dbs` lists them.

use serde::{Deserialize, Serialize};

use crate::{FeedItem, SystemProperties};

/// A database: a namespace for containers and users.
///
/// A client creates one with the body `{"id": "my_database"}`; the service answers with the
/// system properties and the relative links of the database's two feeds added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Database {
    /// The name the client chose (see [`validate_resource_id`](crate::validate_resource_id)).
    pub id: String,

    /// `_rid`, `_self`, `_etag`, `_ts`.
    #[serde(flatten)]
    pub system: SystemProperties,

    /// `_colls`: the relative link of the containers feed, `"colls/"`.
    #[serde(rename = "_colls", default, skip_serializing_if = "Option::is_none")]
    pub containers_link: Option<String>,

    /// `_users`: the relative link of the users feed, `"users/"`.
    #[serde(rename = "_users", default, skip_serializing_if = "Option::is_none")]
    pub users_link: Option<String>,
}

impl Database {
    /// A database as a client creates it: only the id.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            system: SystemProperties::default(),
            containers_link: None,
            users_link: None,
        }
    }
}

impl FeedItem for Database {
    const FEED_KEY: &'static str = "Databases";
}
