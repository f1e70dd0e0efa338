//! The explorer: web pages at `/_explorer/` to browse the account and to watch every access
//! decision as it happens.
//!
//! Both official emulators ship a Data Explorer; ours also shows, next to the data, each request
//! the emulator answers — who made it (which key, which permission's token, which Entra principal
//! and role assignment), what it asked for, and whether it was allowed, with the rule that refused
//! it. That is the audit log (`crate::audit`), streamed live.
//!
//! ```text
//!  browser ──GET /_explorer/…──▶ guard (who may open it, see below) ──▶ page handler
//!                                                                         │ reads and actions:
//!                                                                         ▼ ordinary Cosmos DB
//!                                  audit log ◀── pipeline (auth, authz) ◀─ requests, signed with
//!                                      │                                   the primary key (api.rs)
//!  browser ◀──Server-Sent Events────── live.rs (every record, as it is written)
//! ```
//!
//! Pages are rendered on the server with maud (escaping is the default: item contents are
//! untrusted), styled by one CSS file, with a little vanilla JavaScript for the live log and the
//! copy buttons; no build step.
//!
//! ## Who may open it
//!
//! The explorer acts as the account owner, so it must not be reachable by anyone else:
//! - [`ExplorerAccess::Loopback`] (the default of the binary and `cargo lab`): only clients on this
//!   machine, and only under a loopback host name — a page on another site that points a DNS name
//!   at 127.0.0.1 (DNS rebinding) is refused by the `Host` check;
//! - every state-changing request (POST) must come from the explorer's own pages: a browser's
//!   `Origin` / `Sec-Fetch-Site` headers say where a form was submitted from, so another site
//!   cannot make your browser regenerate a key (cross-site request forgery);
//! - [`ExplorerAccess::Anywhere`] lifts the loopback rule, for a container whose port is published
//!   on the host (requests then come from Docker's bridge, not from loopback);
//! - [`ExplorerAccess::Off`]: the routes answer 404, as if there were no explorer.
//!
//! Secrets are never written into a page unless the user asked for that one: keys show masked
//! until "reveal", a token only on the page that minted it.

pub mod api;
pub mod layout;
pub mod live;
pub mod pages;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// Who may open the explorer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ExplorerAccess {
    /// No explorer: its routes answer 404.
    #[default]
    Off,
    /// Only from this machine, under a loopback host name.
    Loopback,
    /// From any address (a container whose port is published on the host).
    Anywhere,
}

/// The explorer's routes, each behind [`guard`].
pub fn routes(state: AppState) -> Router<AppState> {
    pages::routes()
        .route("/_explorer/live", axum::routing::get(live::events))
        .route(
            "/_explorer/assets/explorer.css",
            axum::routing::get(layout::stylesheet),
        )
        .route(
            "/_explorer/assets/explorer.js",
            axum::routing::get(layout::script),
        )
        .route_layer(axum::middleware::from_fn_with_state(state, guard))
}

/// Lets a request through to the explorer only if the settings allow its peer, its `Host` and,
/// for a POST, its origin.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| *address);
    match admit(
        state.settings.explorer,
        peer,
        request.method(),
        request.headers(),
    ) {
        Ok(()) => next.run(request).await,
        Err((status, why)) => layout::error_page(status, "The explorer is not open to you", why),
    }
}

/// The decision of [`guard`], apart from axum so that it can be tested on its own.
pub fn admit(
    access: ExplorerAccess,
    peer: Option<SocketAddr>,
    method: &Method,
    headers: &HeaderMap,
) -> Result<(), (StatusCode, String)> {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    match access {
        ExplorerAccess::Off => {
            return Err((
                StatusCode::NOT_FOUND,
                "This emulator was started without its explorer (`--explorer off`). Start it with \
                 `--explorer loopback` to browse it from this machine."
                    .to_owned(),
            ));
        }
        ExplorerAccess::Loopback => {
            // No peer address: an in-process request (a router test), which is on this machine.
            if peer.is_some_and(|peer| !peer.ip().is_loopback()) {
                return Err((
                    StatusCode::FORBIDDEN,
                    "The explorer acts as the account owner, so it answers only on this machine \
                     (127.0.0.1). To open it from elsewhere (a container's published port), start \
                     the emulator with `--explorer anywhere` (COSMOLAB_EXPLORER=anywhere)."
                        .to_owned(),
                ));
            }
            if !is_loopback_host(host) {
                return Err((
                    StatusCode::FORBIDDEN,
                    format!(
                        "The explorer answers only under a loopback name (127.0.0.1, localhost, \
                         [::1]), not `{host}`: another name pointing here could be a web page \
                         trying to read it (DNS rebinding)."
                    ),
                ));
            }
        }
        ExplorerAccess::Anywhere => {}
    }
    if method != Method::GET && method != Method::HEAD && !same_origin(headers, host) {
        return Err((
            StatusCode::FORBIDDEN,
            "This action was not sent from the explorer's own pages. Another web site cannot act \
             on your emulator through your browser (cross-site request forgery); use the \
             explorer's buttons."
                .to_owned(),
        ));
    }
    Ok(())
}

/// `127.0.0.1[:port]`, `localhost[:port]`, `[::1][:port]`.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether a state-changing request came from a page of this same origin. Browsers send
/// `Sec-Fetch-Site` (modern ones) and `Origin` (on every POST); a tool such as curl sends
/// neither and is allowed, as it could send the Cosmos DB request itself.
fn same_origin(headers: &HeaderMap, host: &str) -> bool {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(site) = text("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match text("origin") {
        None => true,
        Some(origin) => {
            let origin_host = origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"));
            origin_host == Some(host)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, value.parse().unwrap());
        }
        headers
    }

    const LOCAL: Option<SocketAddr> = Some(SocketAddr::new(
        std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        50_000,
    ));
    const REMOTE: Option<SocketAddr> = Some(SocketAddr::new(
        std::net::IpAddr::V4(std::net::Ipv4Addr::new(172, 17, 0, 1)),
        50_000,
    ));

    #[test]
    fn off_is_not_found() {
        let host = headers(&[("host", "127.0.0.1:8081")]);
        let refused = admit(ExplorerAccess::Off, LOCAL, &Method::GET, &host).unwrap_err();
        assert_eq!(refused.0, StatusCode::NOT_FOUND);
    }

    #[test]
    fn loopback_admits_this_machine_under_a_loopback_name_only() {
        for host in [
            "127.0.0.1:8081",
            "localhost:8081",
            "[::1]:8081",
            "LOCALHOST",
        ] {
            let host = headers(&[("host", host)]);
            assert!(admit(ExplorerAccess::Loopback, LOCAL, &Method::GET, &host).is_ok());
        }
        let host = headers(&[("host", "127.0.0.1:8081")]);
        let refused = admit(ExplorerAccess::Loopback, REMOTE, &Method::GET, &host).unwrap_err();
        assert_eq!(refused.0, StatusCode::FORBIDDEN);
        assert!(refused.1.contains("--explorer anywhere"));

        let rebinding = headers(&[("host", "attacker.example:8081")]);
        let refused = admit(ExplorerAccess::Loopback, LOCAL, &Method::GET, &rebinding).unwrap_err();
        assert!(refused.1.contains("DNS rebinding"));
    }

    #[test]
    fn anywhere_admits_other_machines() {
        let host = headers(&[("host", "192.168.1.5:8081")]);
        assert!(admit(ExplorerAccess::Anywhere, REMOTE, &Method::GET, &host).is_ok());
    }

    #[test]
    fn a_post_from_another_site_is_refused() {
        let ours = headers(&[
            ("host", "127.0.0.1:8081"),
            ("origin", "http://127.0.0.1:8081"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert!(admit(ExplorerAccess::Loopback, LOCAL, &Method::POST, &ours).is_ok());
        let curl = headers(&[("host", "127.0.0.1:8081")]);
        assert!(admit(ExplorerAccess::Loopback, LOCAL, &Method::POST, &curl).is_ok());
        for forged in [
            headers(&[
                ("host", "127.0.0.1:8081"),
                ("origin", "https://evil.example"),
            ]),
            headers(&[("host", "127.0.0.1:8081"), ("sec-fetch-site", "cross-site")]),
            headers(&[
                ("host", "127.0.0.1:8081"),
                ("origin", "http://127.0.0.1:9999"),
            ]),
        ] {
            let refused =
                admit(ExplorerAccess::Loopback, LOCAL, &Method::POST, &forged).unwrap_err();
            assert!(refused.1.contains("cross-site request forgery"));
        }
    }
}
