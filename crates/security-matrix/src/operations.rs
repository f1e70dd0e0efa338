//! The operations of the matrix: one request each, on the fixture's resources.
//!
//! Each is one HTTP request as an SDK would send it. Destructive ones act on something made for
//! them just before (the `scratch` database and container, a document `d-<n>`), and creating ones
//! use a fresh id (`new-<n>`), so every cell starts from the same state whatever the cells before
//! it did. The scripts the script columns use (stored procedure `hello`, pre-trigger `stamp`,
//! user-defined function `shout`) are made once by the fixture, and none writes anything of its
//! own: running one changes nothing a later cell could see.

use serde_json::{Value, json};

/// What must exist before an operation runs, made with the master key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// Nothing beyond the fixture.
    None,
    /// Database `scratch`.
    ScratchDatabase,
    /// Container `shop/scratch`.
    ScratchContainer,
    /// Document `d-<n>` in `shop/orders`, partition `alice`.
    Document,
}

/// One operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Its name in the matrix.
    pub name: &'static str,
    /// `GET`, `POST`, `PUT`, `DELETE`.
    pub method: &'static str,
    /// The path; `{n}` is replaced by the cell's number.
    pub path: &'static str,
    /// The JSON body; `{n}` in a string is replaced too.
    pub body: Option<Value>,
    /// The partition key header's single value.
    pub partition_key: Option<&'static str>,
    /// A query (`x-ms-documentdb-isquery`), across partitions when no partition key is given.
    pub query: bool,
    /// An upsert (`x-ms-documentdb-is-upsert`).
    pub upsert: bool,
    /// A pre-trigger the write names (`x-ms-documentdb-pre-trigger-include`).
    pub pre_trigger: Option<&'static str>,
    /// What must exist first.
    pub setup: Setup,
}

impl Operation {
    fn new(name: &'static str, method: &'static str, path: &'static str) -> Self {
        Self {
            name,
            method,
            path,
            body: None,
            partition_key: None,
            query: false,
            upsert: false,
            pre_trigger: None,
            setup: Setup::None,
        }
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    fn partition(mut self, key: &'static str) -> Self {
        self.partition_key = Some(key);
        self
    }

    fn query(mut self) -> Self {
        self.query = true;
        self
    }

    fn upsert(mut self) -> Self {
        self.upsert = true;
        self
    }

    fn pre_trigger(mut self, trigger: &'static str) -> Self {
        self.pre_trigger = Some(trigger);
        self
    }

    fn setup(mut self, setup: Setup) -> Self {
        self.setup = setup;
        self
    }

    /// The path for cell `n`.
    pub fn path_for(&self, n: usize) -> String {
        self.path.replace("{n}", &n.to_string())
    }

    /// The body for cell `n`.
    pub fn body_for(&self, n: usize) -> Option<Value> {
        self.body.as_ref().map(|body| {
            serde_json::from_str(&body.to_string().replace("{n}", &n.to_string()))
                .unwrap_or(Value::Null)
        })
    }
}

/// Every operation, account first, then databases, containers, users and permissions, items,
/// and last the server-side scripts.
pub fn all() -> Vec<Operation> {
    let item = |customer: &str| json!({"id": "new-{n}", "customer": customer, "total": 1});
    let query = json!({"query": "SELECT c.id FROM c", "parameters": []});
    vec![
        Operation::new("read account", "GET", "/"),
        Operation::new("list databases", "GET", "/dbs"),
        Operation::new("create database", "POST", "/dbs").body(json!({"id": "new-{n}"})),
        Operation::new("read database", "GET", "/dbs/shop"),
        Operation::new("delete database", "DELETE", "/dbs/scratch").setup(Setup::ScratchDatabase),
        Operation::new("list containers", "GET", "/dbs/shop/colls"),
        Operation::new("create container", "POST", "/dbs/shop/colls").body(json!({
            "id": "new-{n}", "partitionKey": {"paths": ["/id"], "kind": "Hash"}
        })),
        Operation::new("read container", "GET", "/dbs/shop/colls/orders"),
        Operation::new("delete container", "DELETE", "/dbs/shop/colls/scratch")
            .setup(Setup::ScratchContainer),
        Operation::new(
            "read partition key ranges",
            "GET",
            "/dbs/shop/colls/orders/pkranges",
        ),
        Operation::new("list users", "GET", "/dbs/shop/users"),
        Operation::new("create user", "POST", "/dbs/shop/users").body(json!({"id": "new-{n}"})),
        Operation::new(
            "read a permission",
            "GET",
            "/dbs/shop/users/u-all-container/permissions/p",
        ),
        Operation::new("create item (alice)", "POST", "/dbs/shop/colls/orders/docs")
            .body(item("alice"))
            .partition("alice"),
        Operation::new("create item (bob)", "POST", "/dbs/shop/colls/orders/docs")
            .body(item("bob"))
            .partition("bob"),
        Operation::new("upsert item o-alice", "POST", "/dbs/shop/colls/orders/docs")
            .body(json!({"id": "o-alice", "customer": "alice", "total": 10}))
            .partition("alice")
            .upsert(),
        Operation::new(
            "read item o-alice",
            "GET",
            "/dbs/shop/colls/orders/docs/o-alice",
        )
        .partition("alice"),
        Operation::new(
            "read item o-bob",
            "GET",
            "/dbs/shop/colls/orders/docs/o-bob",
        )
        .partition("bob"),
        Operation::new(
            "replace item o-alice",
            "PUT",
            "/dbs/shop/colls/orders/docs/o-alice",
        )
        .body(json!({"id": "o-alice", "customer": "alice", "total": 10}))
        .partition("alice"),
        Operation::new(
            "delete an item (alice)",
            "DELETE",
            "/dbs/shop/colls/orders/docs/d-{n}",
        )
        .partition("alice")
        .setup(Setup::Document),
        Operation::new("query (alice)", "POST", "/dbs/shop/colls/orders/docs")
            .body(query.clone())
            .partition("alice")
            .query(),
        Operation::new(
            "query (all partitions)",
            "POST",
            "/dbs/shop/colls/orders/docs",
        )
        .body(query)
        .query(),
        Operation::new(
            "read item feed (alice)",
            "GET",
            "/dbs/shop/colls/orders/docs",
        )
        .partition("alice"),
        Operation::new(
            "read item i-alice (invoices)",
            "GET",
            "/dbs/shop/colls/invoices/docs/i-alice",
        )
        .partition("alice"),
        // Server-side scripts (issue 12). Managing them is a write on the container (like creating
        // an item); reading and listing them are reads; running a stored procedure is a write that
        // needs `All` (seed 003) and, for Entra ID, `executeStoredProcedure`.
        Operation::new(
            "create stored procedure",
            "POST",
            "/dbs/shop/colls/orders/sprocs",
        )
        .body(json!({"id": "new-{n}", "body": "function () {}"})),
        Operation::new(
            "read stored procedure hello",
            "GET",
            "/dbs/shop/colls/orders/sprocs/hello",
        ),
        Operation::new(
            "list stored procedures",
            "GET",
            "/dbs/shop/colls/orders/sprocs",
        ),
        // A stored procedure runs in one logical partition, named by the partition-key header;
        // its arguments are the body, a JSON array (none here). Partition `alice` is the one the
        // partition-scoped tokens are for; `bob` is not.
        Operation::new(
            "execute sproc hello (alice)",
            "POST",
            "/dbs/shop/colls/orders/sprocs/hello",
        )
        .body(json!([]))
        .partition("alice"),
        Operation::new(
            "execute sproc hello (bob)",
            "POST",
            "/dbs/shop/colls/orders/sprocs/hello",
        )
        .body(json!([]))
        .partition("bob"),
        // A trigger runs only inside the write that names it: this column asks whether naming one
        // needs more than the write itself.
        Operation::new(
            "create item + trigger (alice)",
            "POST",
            "/dbs/shop/colls/orders/docs",
        )
        .body(item("alice"))
        .partition("alice")
        .pre_trigger("stamp"),
        // Likewise a user-defined function runs only inside a query that calls it.
        Operation::new(
            "query with a UDF (alice)",
            "POST",
            "/dbs/shop/colls/orders/docs",
        )
        .body(json!({"query": "SELECT VALUE udf.shout(c.id) FROM c", "parameters": []}))
        .partition("alice")
        .query(),
    ]
}
