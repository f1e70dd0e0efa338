//! The pipeline every request goes through: address, sign, send, read, retry — in one span.
//!
//! ```text
//!  CosmosRequest (method, names, partition key, body)
//!    │ ResourcePath::address      URL path (encoded) and what the signature covers (decoded)
//!    ▼
//!  ┌─ span "cosmos_request" { method, resource_type, link, credential, status, charge, attempts }
//!  │  loop
//!  │    x-ms-date ← now                        a fresh date per attempt: a retried request
//!  │    authorization ← Credential             is signed again, never replayed
//!  │    send with x-ms-version, x-ms-activity-id, partition key, body
//!  │    2xx/304 ─────────────────────────────► RawResponse
//!  │    429/449 and RetryPolicy agrees ──────► wait, loop
//!  │    anything else ───────────────────────► Error (status, sub-status, message, deny reason)
//!  └─
//! ```
//!
//! The span records the request's method, resource type and link (names are not secrets), the
//! kind of credential, and once answered the status, the request charge and the number of
//! attempts. It never records a header value: the `Authorization` header is marked *sensitive*
//! so that even reqwest's and hyper's own `Debug` output hides it.

use std::time::{Duration, SystemTime};

use cosmolab_auth_signing::{ResourceAddress, format_http_date};
use cosmolab_model::PartitionKey;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use tracing::Instrument as _;
use tracing::field::Empty;

use crate::credential::{Credential, SigningInput};
use crate::error::{Error, ErrorKind, Result, ServiceErrorDetails};
use crate::headers;
use crate::path::ResourcePath;
use crate::response::{Response, ResponseHeaders};
use crate::retry::{RetryPolicy, RetryState};

/// What a client shares between all its handles: the HTTP client, the endpoint, the credential
/// and the retry policy.
pub(crate) struct Pipeline {
    pub(crate) http: reqwest::Client,
    pub(crate) endpoint: Url,
    pub(crate) credential: Credential,
    pub(crate) retry: RetryPolicy,
    /// The Entra ID scope of the account, derived once from the endpoint.
    pub(crate) entra_scope: String,
}

/// Handles print their pipeline as the account and credential they use (the credential redacted).
impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("endpoint", &self.endpoint.as_str())
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

/// One request, described in Cosmos DB terms; the pipeline turns it into HTTP.
#[derive(Debug, Clone)]
pub(crate) struct CosmosRequest {
    method: Method,
    path: ResourcePath,
    partition_key: Option<PartitionKey>,
    headers: Vec<(&'static str, String)>,
    body: Option<(&'static str, Vec<u8>)>,
}

impl CosmosRequest {
    /// A request without headers or body.
    pub(crate) fn new(method: Method, path: ResourcePath) -> Self {
        Self {
            method,
            path,
            partition_key: None,
            headers: Vec::new(),
            body: None,
        }
    }

    /// Names the logical partition (`x-ms-documentdb-partitionkey: ["1"]`).
    pub(crate) fn partition_key(mut self, partition_key: PartitionKey) -> Self {
        self.partition_key = Some(partition_key);
        self
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets a JSON body (`content-type: application/json`).
    pub(crate) fn json(self, body: &impl Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|error| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("the request body could not be serialized as JSON: {error}"),
            )
            .with_source(error)
        })?;
        Ok(self.body("application/json", bytes))
    }

    /// Sets a body that is already serialized, with its content type.
    pub(crate) fn body(mut self, content_type: &'static str, bytes: Vec<u8>) -> Self {
        self.body = Some((content_type, bytes));
        self
    }
}

/// A successful answer, before its body is decoded.
pub(crate) struct RawResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: ResponseHeaders,
    pub(crate) body: Vec<u8>,
}

/// One HTTP answer of any status, with what the retry decision and the error need.
struct Answer {
    status: StatusCode,
    headers: ResponseHeaders,
    retry_after: Option<Duration>,
    details: ServiceErrorDetails,
}

impl Pipeline {
    /// Sends a request and decodes the JSON resource of its answer.
    pub(crate) async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        request: CosmosRequest,
    ) -> Result<Response<T>> {
        let raw = self.send(&request).await?;
        let resource = decode(&raw.body)?;
        Ok(Response::new(raw.status, raw.headers, resource))
    }

    /// Sends a request whose answer has no body worth reading (deletes).
    pub(crate) async fn send_without_body(&self, request: CosmosRequest) -> Result<Response<()>> {
        let raw = self.send(&request).await?;
        Ok(Response::new(raw.status, raw.headers, ()))
    }

    /// Sends a request, retrying where the service asks for it, inside one tracing span.
    pub(crate) async fn send(&self, request: &CosmosRequest) -> Result<RawResponse> {
        let address = request.path.address()?;
        let span = tracing::info_span!(
            "cosmos_request",
            method = %request.method,
            resource_type = address.resource_type(),
            link = %address.resource_link(),
            credential = self.credential.kind_name(),
            status = Empty,
            charge = Empty,
            attempts = Empty,
        );
        self.send_with_retries(request, &address)
            .instrument(span)
            .await
    }

    async fn send_with_retries(
        &self,
        request: &CosmosRequest,
        address: &ResourceAddress,
    ) -> Result<RawResponse> {
        let span = tracing::Span::current();
        let mut retries = RetryState::default();
        let mut attempts = 0_u32;
        let mut renewed_credential = false;
        loop {
            attempts += 1;
            let (answer, body) = self.send_once(request, address).await?;
            span.record("status", answer.status.as_u16());
            span.record("charge", answer.headers.request_charge());
            span.record("attempts", attempts);

            if answer.status.is_success() || answer.status == StatusCode::NOT_MODIFIED {
                tracing::debug!("answered");
                return Ok(RawResponse {
                    status: answer.status,
                    headers: answer.headers,
                    body,
                });
            }
            if let Some(wait) =
                self.retry
                    .next_attempt(answer.status, answer.retry_after, &mut retries)
            {
                tracing::debug!(
                    wait_ms = wait.as_millis() as u64,
                    "the service asked for a retry"
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            let details = ServiceErrorDetails {
                body,
                ..answer.details
            };
            let error = Error::from_service(answer.status, details);
            // A broker's token that died early (expired on the service's clock, revoked by a key
            // regeneration) is replaced once, and the request sent once more.
            if !renewed_credential && self.credential.renewed_after_refusal(&error).await {
                renewed_credential = true;
                tracing::debug!("the service refused the token; retrying with fresh tokens");
                continue;
            }
            tracing::debug!(
                substatus = error.substatus(),
                deny_reason = error.deny_reason(),
                "refused"
            );
            return Err(error);
        }
    }

    /// One attempt: date, signature, HTTP exchange.
    async fn send_once(
        &self,
        request: &CosmosRequest,
        address: &ResourceAddress,
    ) -> Result<(Answer, Vec<u8>)> {
        let date = format_http_date(SystemTime::now());
        let authorization = self
            .credential
            .authorization(&SigningInput {
                verb: request.method.as_str(),
                address,
                date: &date,
                entra_scope: &self.entra_scope,
            })
            .await?;
        let mut authorization = HeaderValue::from_str(&authorization).map_err(|_| {
            // Only a token with control characters gets here; its text is not repeated.
            Error::new(
                ErrorKind::Credential,
                "the credential produced an Authorization header that is not valid header text",
            )
        })?;
        // Marked sensitive: hyper and reqwest print `Sensitive` instead of the value in `Debug`.
        authorization.set_sensitive(true);

        let mut url = self.endpoint.clone();
        url.set_path(&request.path.url_path());
        let mut http = self
            .http
            .request(request.method.clone(), url)
            .header(AUTHORIZATION, authorization)
            .header(headers::DATE, &date)
            .header(headers::VERSION, headers::API_VERSION)
            .header(headers::ACTIVITY_ID, uuid::Uuid::new_v4().to_string())
            .header(ACCEPT, "application/json");
        if let Some(partition_key) = &request.partition_key {
            // `Display` writes the JSON array with non-ASCII escaped, as header text must be.
            http = http.header(headers::PARTITION_KEY, partition_key.to_string());
        }
        for (name, value) in &request.headers {
            http = http.header(*name, value);
        }
        if let Some((content_type, bytes)) = &request.body {
            http = http.header(CONTENT_TYPE, *content_type).body(bytes.clone());
        }

        let response = http.send().await?;
        let status = response.status();
        let answer = read_answer(status, response.headers());
        let body = response.bytes().await?.to_vec();
        Ok((answer, body))
    }
}

/// Reads the headers of an answer.
fn read_answer(status: StatusCode, headers: &HeaderMap) -> Answer {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    Answer {
        status,
        headers: ResponseHeaders::read(headers),
        // The header is the service's, and anything may be in it: a negative, `NaN` or unreadable
        // value is ignored, and one too large for a `Duration` (`1e300`) counts as "forever",
        // which the retry policy's wait budget then refuses. `Duration::from_secs_f64` would
        // panic on it.
        retry_after: text(headers::RETRY_AFTER_MS)
            .and_then(|ms| ms.parse::<f64>().ok())
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
            .map(|ms| Duration::try_from_secs_f64(ms / 1000.0).unwrap_or(Duration::MAX)),
        details: ServiceErrorDetails {
            body: Vec::new(),
            substatus: text(headers::SUBSTATUS).and_then(|value| value.parse().ok()),
            deny_reason: text(headers::DENY_REASON).map(str::to_owned),
            activity_id: text(headers::ACTIVITY_ID).map(str::to_owned),
        },
    }
}

/// Decodes a JSON body; the error names what was expected, never the body (which for a
/// permission contains a token).
pub(crate) fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|error| {
        Error::new(
            ErrorKind::UnexpectedResponse,
            format!(
                "the answer's body is not the expected {}: {error}",
                short_type_name::<T>()
            ),
        )
        .with_source(error)
    })
}

/// `cosmolab_model::database::Database` → `Database`, for messages.
fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    let without_generics = full.split('<').next().unwrap_or(full);
    without_generics.rsplit("::").next().unwrap_or(full)
}
