//! A plain-http proxy on loopback in front of an emulator that only speaks https.
//!
//! The labs' clients are the trainee's code: `CosmosClient::new(endpoint, …)`, which trusts the
//! public certificate authorities and nothing else — rightly, for code that will meet real
//! accounts. An emulator's certificate is self-signed (the classic public image's, or ours with
//! `COSMOLAB_TLS`), so the harness hands the scenario `http://127.0.0.1:<port>/` and forwards every
//! request, unchanged, over https. Nothing signed changes on the way: a Cosmos DB signature covers
//! the verb, resource and date, not the host.

use std::net::{Ipv4Addr, SocketAddr};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The largest body forwarded either way: well above Cosmos DB's 2 MB item limit.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A running proxy; it stops when dropped.
pub(crate) struct TlsProxy {
    endpoint: String,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct Upstream {
    base: String,
    http: reqwest::Client,
}

impl TlsProxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `upstream` (`https://host:port/`).
    pub(crate) async fn start(upstream: &str) -> std::io::Result<Self> {
        let http = reqwest::Client::builder()
            // The one place the harness accepts a self-signed certificate: the emulator's own.
            .danger_accept_invalid_certs(true)
            // A proxy passes answers on as they are: a redirect is the client's to follow.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(std::io::Error::other)?;
        let state = Upstream {
            base: upstream.trim_end_matches('/').to_owned(),
            http,
        };
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let endpoint = format!("http://{}/", listener.local_addr()?);
        let router = axum::Router::new().fallback(forward).with_state(state);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { endpoint, task })
    }

    /// Where clients connect: `http://127.0.0.1:<port>/`.
    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Headers that describe one hop, not the request: they are not forwarded.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    name == header::HOST
        || name == header::CONNECTION
        || name == header::CONTENT_LENGTH
        || name == header::TRANSFER_ENCODING
        || name.as_str() == "keep-alive"
}

async fn forward(State(upstream): State<Upstream>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |path| path.as_str())
        .to_owned();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "body too large for the proxy",
        )
            .into_response();
    };
    let mut outgoing = upstream
        .http
        .request(parts.method, format!("{}{path}", upstream.base))
        .body(body);
    for (name, value) in &parts.headers {
        if !is_hop_by_hop(name) {
            outgoing = outgoing.header(name, value);
        }
    }
    let reply = match outgoing.send().await {
        Ok(reply) => reply,
        Err(error) => {
            return (
                StatusCode::BAD_GATEWAY,
                format!("the harness's proxy could not reach the emulator: {error}"),
            )
                .into_response();
        }
    };
    let status = reply.status();
    let headers = reply.headers().clone();
    let body = reply.bytes().await.unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if !is_hop_by_hop(name) {
            response.headers_mut().append(name, value.clone());
        }
    }
    response
}
