//! The scenario that grades lab 1, for your copy (`labs/01-signing`) and the solution alike.
//!
//! It first checks your functions on fixed inputs, then signs real requests with them against the
//! emulator: a mismatched signature (to read the 401), your signature (200), a client whose clock
//! is twenty minutes late (403), and the same client once it corrects its date from the server's.
//! Run it with `cargo lab check 1`; do not edit it — `cargo xtask grade` uses its own copy.

use std::time::{Duration, SystemTime};

use cosmolab_auth_signing::WELL_KNOWN_EMULATOR_KEY;
use cosmolab_lab_harness::Lab;
use lab_01_signing as lab;

/// The date of the example in the Cosmos DB REST reference.
const FIXED_DATE: &str = "Thu, 27 Apr 2017 00:51:12 GMT";

#[tokio::test]
async fn scenario() {
    // `None`: this target cannot run the lab (the reason is printed).
    let Some(lab) = Lab::start("01-signing").await else {
        return;
    };
    let mut t = lab.transcript();

    // Part 1: the three pieces of a signature, on fixed inputs.
    let listing = t.compute_exact("string to sign: GET the database feed", || {
        lab::string_to_sign("GET", "dbs", "", FIXED_DATE)
    });
    t.compute_exact(
        "string to sign: POST an item (the link keeps its case)",
        || lab::string_to_sign("POST", "docs", "dbs/Shop/colls/Orders", FIXED_DATE),
    );
    let signature = t.compute_exact("signature of the first, with the emulator's key", || {
        lab::signature(WELL_KNOWN_EMULATOR_KEY, &listing).ok()
    });
    t.compute_exact(
        "signature with a key that is not base64",
        || match lab::signature("not base64!", &listing) {
            Ok(signature) => format!("signed anyway: {signature}"),
            Err(error) => format!("refused: {error}"),
        },
    );
    let signature = lab.need(&t, signature);
    t.compute_exact("authorization header", || {
        lab::authorization_header(&signature)
    });

    // Part 2: real requests, signed by your code.
    let key = lab.primary_key().await;
    let client = Signer { lab: &lab, key };
    let now = SystemTime::now();

    // A request whose path says /dbs/shop while the signature covers /dbs: the 401 shows the
    // payload the server signed, which is how you debug a signature.
    let wrong = client.request(reqwest::Method::GET, "dbs/shop", "dbs", "", now, 0);
    t.http(
        "GET /dbs/shop, signed for another link: read the 401",
        wrong,
        false,
    )
    .await;

    let list = client.request(reqwest::Method::GET, "dbs", "dbs", "", now, 0);
    t.http("GET /dbs, signed by your code", list, false).await;

    let create = client
        .request(reqwest::Method::POST, "dbs", "dbs", "", now, 0)
        .json(&serde_json::json!({"id": "shop"}));
    t.http("POST /dbs {\"id\": \"shop\"}", create, true).await;

    let read = client.request(reqwest::Method::GET, "dbs/shop", "dbs", "dbs/shop", now, 0);
    t.http("GET /dbs/shop", read, true).await;

    // Part 3: a client whose clock is twenty minutes late.
    let late_clock = SystemTime::now() - Duration::from_secs(20 * 60);
    let late = client.request(
        reqwest::Method::GET,
        "dbs/shop",
        "dbs",
        "dbs/shop",
        late_clock,
        0,
    );
    let refused = t
        .http("GET /dbs/shop from a clock 20 minutes late", late, false)
        .await;
    let server_date = refused
        .as_ref()
        .and_then(|reply| reply.header("date"))
        .unwrap_or_default()
        .to_owned();
    let offset = t.compute(
        "the offset your clock_offset measures, in whole minutes",
        || {
            lab::clock_offset(late_clock, &server_date)
                .map(|seconds| (seconds as f64 / 60.0).round())
        },
    );
    let offset = lab.need(&t, offset) as i64 * 60;
    let corrected = client.request(
        reqwest::Method::GET,
        "dbs/shop",
        "dbs",
        "dbs/shop",
        late_clock,
        offset,
    );
    t.http(
        "GET /dbs/shop from the late clock, date corrected",
        corrected,
        false,
    )
    .await;

    lab.finish(&t);
}

/// Builds requests signed entirely by the lab's functions.
struct Signer<'a> {
    lab: &'a Lab,
    key: String,
}

impl Signer<'_> {
    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        resource_type: &str,
        resource_link: &str,
        local_now: SystemTime,
        server_ahead_by: i64,
    ) -> reqwest::RequestBuilder {
        let date = lab::request_date(local_now, server_ahead_by);
        let payload = lab::string_to_sign(method.as_str(), resource_type, resource_link, &date);
        let signature = lab::signature(&self.key, &payload).unwrap_or_default();
        let authorization = lab::authorization_header(&signature);
        reqwest::Client::new()
            .request(method, format!("{}{path}", self.lab.endpoint()))
            .header("x-ms-date", date)
            .header("x-ms-version", "2020-07-15")
            .header("authorization", authorization)
    }
}
