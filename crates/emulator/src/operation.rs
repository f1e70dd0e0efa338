//! Step 3: what is the request asking for? An [`Operation`] = a resource path and an action.
//!
//! Access rules are written in terms of operations, not HTTP verbs: a query is a `POST` but only
//! *reads*, so a read-only key and a `Read` permission may run it. This module turns method, path
//! and headers into that vocabulary, once, so that every later step speaks it.
//!
//! | request | operation |
//! |---|---|
//! | `GET /` | read the account |
//! | `GET …/docs` | read the document feed |
//! | `POST …/docs` + `x-ms-documentdb-isquery` (or `application/query+json`) | query |
//! | `POST …/docs` + `x-ms-documentdb-is-upsert` | upsert |
//! | `POST …/docs` | create |
//! | `GET …/docs/{id}`, `PUT …`, `DELETE …` | read, replace, delete |
//! | `GET`/`POST …/sprocs` (`triggers`, `udfs`), `GET`/`PUT`/`DELETE …/sprocs/{id}` | the same, on scripts |
//! | `POST …/sprocs/{id}` | execute the stored procedure |

use std::fmt;

use axum::http::{Method, StatusCode};

use crate::error::{CosmosError, Result};
use crate::request::{CosmosRequest, headers};

/// The resource a request names, with names (rid-based paths are translated before this).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourcePath {
    /// `/`: the database account.
    Account,
    /// `/dbs`
    Databases,
    /// `/dbs/{database}`
    Database {
        /// The database id.
        database: String,
    },
    /// `/dbs/{database}/colls`
    Containers {
        /// The database id.
        database: String,
    },
    /// `/dbs/{database}/colls/{container}`
    Container {
        /// The database id.
        database: String,
        /// The container id.
        container: String,
    },
    /// `/dbs/{database}/colls/{container}/docs`
    Documents {
        /// The database id.
        database: String,
        /// The container id.
        container: String,
    },
    /// `/dbs/{database}/colls/{container}/docs/{document}`
    Document {
        /// The database id.
        database: String,
        /// The container id.
        container: String,
        /// The document id.
        document: String,
    },
    /// `/dbs/{database}/colls/{container}/pkranges`
    PartitionKeyRanges {
        /// The database id.
        database: String,
        /// The container id.
        container: String,
    },
    /// `/dbs/{database}/colls/{container}/sprocs` (or `triggers`, `udfs`)
    Scripts {
        /// The database id.
        database: String,
        /// The container id.
        container: String,
        /// Which kind of script.
        kind: ScriptKind,
    },
    /// `/dbs/{database}/colls/{container}/sprocs/{id}` (or `triggers/{id}`, `udfs/{id}`)
    Script {
        /// The database id.
        database: String,
        /// The container id.
        container: String,
        /// Which kind of script.
        kind: ScriptKind,
        /// The script's id.
        id: String,
    },
    /// `/dbs/{database}/users`
    Users {
        /// The database id.
        database: String,
    },
    /// `/dbs/{database}/users/{user}`
    User {
        /// The database id.
        database: String,
        /// The user id.
        user: String,
    },
    /// `/dbs/{database}/users/{user}/permissions`
    Permissions {
        /// The database id.
        database: String,
        /// The user id.
        user: String,
    },
    /// `/dbs/{database}/users/{user}/permissions/{permission}`
    Permission {
        /// The database id.
        database: String,
        /// The user id.
        user: String,
        /// The permission id.
        permission: String,
    },
}

impl ResourcePath {
    /// Reads decoded, name-based path segments.
    pub fn from_segments(segments: &[String]) -> Result<Self> {
        let s: Vec<&str> = segments.iter().map(String::as_str).collect();
        let owned = |text: &str| text.to_owned();
        // Scripts first: their kind is one of three segments, which a slice pattern cannot test.
        if let ["dbs", db, "colls", c, kind, rest @ ..] = s.as_slice()
            && let Some(kind) = ScriptKind::from_segment(kind)
        {
            match rest {
                [] => {
                    return Ok(Self::Scripts {
                        database: owned(db),
                        container: owned(c),
                        kind,
                    });
                }
                [id] => {
                    return Ok(Self::Script {
                        database: owned(db),
                        container: owned(c),
                        kind,
                        id: owned(id),
                    });
                }
                _ => {}
            }
        }
        Ok(match s.as_slice() {
            [] => Self::Account,
            ["dbs"] => Self::Databases,
            ["dbs", db] => Self::Database {
                database: owned(db),
            },
            ["dbs", db, "colls"] => Self::Containers {
                database: owned(db),
            },
            ["dbs", db, "colls", c] => Self::Container {
                database: owned(db),
                container: owned(c),
            },
            ["dbs", db, "colls", c, "docs"] => Self::Documents {
                database: owned(db),
                container: owned(c),
            },
            ["dbs", db, "colls", c, "docs", d] => Self::Document {
                database: owned(db),
                container: owned(c),
                document: owned(d),
            },
            ["dbs", db, "colls", c, "pkranges"] => Self::PartitionKeyRanges {
                database: owned(db),
                container: owned(c),
            },
            ["dbs", db, "users"] => Self::Users {
                database: owned(db),
            },
            ["dbs", db, "users", u] => Self::User {
                database: owned(db),
                user: owned(u),
            },
            ["dbs", db, "users", u, "permissions"] => Self::Permissions {
                database: owned(db),
                user: owned(u),
            },
            ["dbs", db, "users", u, "permissions", p] => Self::Permission {
                database: owned(db),
                user: owned(u),
                permission: owned(p),
            },
            _ => {
                let kind = if segments.len() % 2 == 1 {
                    segments.last()
                } else {
                    segments.get(segments.len().saturating_sub(2))
                };
                return Err(CosmosError::new(
                    StatusCode::NOT_FOUND,
                    format!(
                        "The cosmolab emulator does not serve this path (resource type '{}'). It \
                         serves databases, containers, documents, partition-key ranges, stored \
                         procedures, triggers, user-defined functions, users and permissions.",
                        kind.map(String::as_str).unwrap_or_default()
                    ),
                ));
            }
        })
    }

    /// `true` for feeds (lists, creates, queries), `false` for single resources.
    pub fn is_feed(&self) -> bool {
        matches!(
            self,
            Self::Databases
                | Self::Containers { .. }
                | Self::Documents { .. }
                | Self::PartitionKeyRanges { .. }
                | Self::Scripts { .. }
                | Self::Users { .. }
                | Self::Permissions { .. }
        )
    }

    /// The link of the resource, or for a feed of its parent (`dbs/db/colls/c`).
    pub fn link(&self) -> String {
        match self {
            Self::Account | Self::Databases => String::new(),
            Self::Database { database }
            | Self::Containers { database }
            | Self::Users { database } => {
                format!("dbs/{database}")
            }
            Self::Container {
                database,
                container,
            }
            | Self::Documents {
                database,
                container,
            }
            | Self::PartitionKeyRanges {
                database,
                container,
            }
            | Self::Scripts {
                database,
                container,
                ..
            } => {
                format!("dbs/{database}/colls/{container}")
            }
            Self::Script {
                database,
                container,
                kind,
                id,
            } => format!("dbs/{database}/colls/{container}/{}/{id}", kind.segment()),
            Self::Document {
                database,
                container,
                document,
            } => format!("dbs/{database}/colls/{container}/docs/{document}"),
            Self::User { database, user } | Self::Permissions { database, user } => {
                format!("dbs/{database}/users/{user}")
            }
            Self::Permission {
                database,
                user,
                permission,
            } => format!("dbs/{database}/users/{user}/permissions/{permission}"),
        }
    }

    /// Whether this path is about users or permissions (which only read-write keys may touch).
    pub fn is_user_management(&self) -> bool {
        matches!(
            self,
            Self::Users { .. }
                | Self::User { .. }
                | Self::Permissions { .. }
                | Self::Permission { .. }
        )
    }
}

/// The three kinds of server-side script a container keeps (`crate::scripts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScriptKind {
    /// `sprocs`: stored procedures, run by a client.
    StoredProcedure,
    /// `triggers`: run before or after a document write that names them.
    Trigger,
    /// `udfs`: user-defined functions, called from queries.
    UserDefinedFunction,
}

impl ScriptKind {
    /// The kind a path segment names, if it names a script kind.
    pub fn from_segment(segment: &str) -> Option<Self> {
        match segment {
            "sprocs" => Some(Self::StoredProcedure),
            "triggers" => Some(Self::Trigger),
            "udfs" => Some(Self::UserDefinedFunction),
            _ => None,
        }
    }

    /// The path segment (and resource type) of this kind: `sprocs`, `triggers` or `udfs`.
    pub fn segment(self) -> &'static str {
        match self {
            Self::StoredProcedure => "sprocs",
            Self::Trigger => "triggers",
            Self::UserDefinedFunction => "udfs",
        }
    }

    /// The kind in words, for messages: "stored procedure".
    pub fn noun(self) -> &'static str {
        match self {
            Self::StoredProcedure => "stored procedure",
            Self::Trigger => "trigger",
            Self::UserDefinedFunction => "user-defined function",
        }
    }
}

/// What the request does to its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `GET` of one resource.
    Read,
    /// `GET` of a feed.
    ReadFeed,
    /// `POST` of a query to a feed.
    Query,
    /// `POST` to a feed.
    Create,
    /// `POST` to a feed with the upsert header.
    Upsert,
    /// `PUT` of one resource.
    Replace,
    /// `DELETE` of one resource.
    Delete,
    /// `POST` to one stored procedure: run it.
    Execute,
}

impl Action {
    /// Whether the action changes data (read-only keys and `Read` permissions may not).
    pub fn is_write(self) -> bool {
        // Running a stored procedure counts as a write whatever the script does: it *may* write,
        // so it needs `All` (seed 003) and a read-write key.
        matches!(
            self,
            Self::Create | Self::Upsert | Self::Replace | Self::Delete | Self::Execute
        )
    }
}

impl Action {
    /// The operation's name in the audit log (as the service's diagnostic logs write it).
    pub fn audit_name(self) -> &'static str {
        match self {
            Self::Read => "Read",
            Self::ReadFeed => "ReadFeed",
            Self::Query => "Query",
            Self::Create => "Create",
            Self::Upsert => "Upsert",
            Self::Replace => "Replace",
            Self::Delete => "Delete",
            Self::Execute => "ExecuteJavaScript",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Read => "read",
            Self::ReadFeed => "read feed",
            Self::Query => "query",
            Self::Create => "create",
            Self::Upsert => "upsert",
            Self::Replace => "replace",
            Self::Delete => "delete",
            Self::Execute => "execute",
        })
    }
}

/// A classified request: which resource, which action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The resource.
    pub path: ResourcePath,
    /// What is done to it.
    pub action: Action,
}

impl Operation {
    /// Classifies a request whose path has already been resolved to names.
    pub fn classify(request: &CosmosRequest, path: ResourcePath) -> Result<Self> {
        let method = &request.method;
        let action = match (method, path.is_feed()) {
            (&Method::GET, true) => Action::ReadFeed,
            (&Method::GET, false) => Action::Read,
            (&Method::POST, true) => {
                let content_type = request.header("content-type").unwrap_or_default();
                if request.flag(headers::IS_QUERY)
                    || request.flag(headers::IS_QUERY_PLAN)
                    || content_type.starts_with("application/query+json")
                {
                    Action::Query
                } else if request.flag(headers::IS_UPSERT) {
                    Action::Upsert
                } else {
                    Action::Create
                }
            }
            (&Method::POST, false)
                if matches!(
                    path,
                    ResourcePath::Script {
                        kind: ScriptKind::StoredProcedure,
                        ..
                    }
                ) =>
            {
                Action::Execute
            }
            (&Method::PUT, false) => Action::Replace,
            (&Method::DELETE, false) => Action::Delete,
            _ => return Err(method_not_allowed(method, &path)),
        };
        // A few combinations the service does not offer.
        let allowed = match &path {
            ResourcePath::Account => action == Action::Read,
            ResourcePath::PartitionKeyRanges { .. } => action == Action::ReadFeed,
            ResourcePath::Database { .. } | ResourcePath::Container { .. } => {
                matches!(action, Action::Read | Action::Delete | Action::Replace)
            }
            _ => true,
        };
        if !allowed {
            return Err(method_not_allowed(method, &path));
        }
        Ok(Self { path, action })
    }
}

fn method_not_allowed(method: &Method, path: &ResourcePath) -> CosmosError {
    CosmosError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "The method {method} is not supported on '{}'.",
            if path.link().is_empty() {
                "/".to_owned()
            } else {
                path.link()
            }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{HeaderMap, Uri};

    fn segments(path: &str) -> Vec<String> {
        path.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    async fn classify(method: Method, path: &str, headers: &[(&str, &str)]) -> Result<Operation> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        let uri: Uri = path.parse().unwrap();
        let request = CosmosRequest::read(method, &uri, map, Body::empty())
            .await
            .unwrap();
        Operation::classify(&request, ResourcePath::from_segments(&segments(path))?)
    }

    /// Queries are reads even though they are POSTs; upserts and creates are writes.
    #[tokio::test]
    async fn posts_to_document_feeds() {
        let docs = "/dbs/db/colls/c/docs/";
        let query = classify(Method::POST, docs, &[(headers::IS_QUERY, "true")])
            .await
            .unwrap();
        assert_eq!(query.action, Action::Query);
        assert!(!query.action.is_write());
        let by_type = classify(
            Method::POST,
            docs,
            &[("content-type", "application/query+json")],
        )
        .await
        .unwrap();
        assert_eq!(by_type.action, Action::Query);
        let upsert = classify(Method::POST, docs, &[(headers::IS_UPSERT, "True")])
            .await
            .unwrap();
        assert_eq!(upsert.action, Action::Upsert);
        assert_eq!(
            classify(Method::POST, docs, &[]).await.unwrap().action,
            Action::Create
        );
    }

    /// Verbs on single resources and feeds.
    #[tokio::test]
    async fn verbs_map_to_actions() {
        assert_eq!(
            classify(Method::GET, "/", &[]).await.unwrap().path,
            ResourcePath::Account
        );
        assert_eq!(
            classify(Method::GET, "/dbs", &[]).await.unwrap().action,
            Action::ReadFeed
        );
        assert_eq!(
            classify(Method::PUT, "/dbs/d/colls/c/docs/1", &[])
                .await
                .unwrap()
                .action,
            Action::Replace
        );
        assert_eq!(
            classify(Method::DELETE, "/dbs/d/users/u", &[])
                .await
                .unwrap()
                .action,
            Action::Delete
        );
    }

    /// Unsupported combinations are 405, unknown resource kinds 404 naming the kind.
    #[tokio::test]
    async fn unsupported_requests_are_explained() {
        assert_eq!(
            classify(Method::DELETE, "/", &[]).await.unwrap_err().status,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            classify(Method::PUT, "/dbs", &[]).await.unwrap_err().status,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            classify(Method::PATCH, "/dbs/d/colls/c/docs/1", &[])
                .await
                .unwrap_err()
                .status,
            StatusCode::METHOD_NOT_ALLOWED
        );
        let unknown = classify(Method::GET, "/dbs/d/colls/c/widgets", &[])
            .await
            .unwrap_err();
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert!(unknown.message.contains("'widgets'"), "{}", unknown.message);
    }

    /// Links match what the service puts in `resource` and what signatures cover.
    #[test]
    fn links() {
        let path = ResourcePath::from_segments(&segments("/dbs/d/users/Test User/permissions/p1"))
            .unwrap();
        assert_eq!(path.link(), "dbs/d/users/Test User/permissions/p1");
        assert!(path.is_user_management());
        let docs = ResourcePath::from_segments(&segments("/dbs/d/colls/c/docs")).unwrap();
        assert_eq!(docs.link(), "dbs/d/colls/c");
    }
}
