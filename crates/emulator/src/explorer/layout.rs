//! The frame every explorer page shares: the header with the navigation, the stylesheet, the
//! script, and the page for errors.
//!
//! Pages are maud templates: `html! { … }` is checked at compile time and escapes every value it
//! interpolates, so an item whose text is `<script>` shows as that text. `PreEscaped` appears only
//! for our own constant CSS and JavaScript.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

/// The sections of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The overview.
    Home,
    /// Databases, containers and items.
    Data,
    /// Users and permissions (resource tokens).
    Users,
    /// Entra ID: role definitions and assignments.
    Roles,
    /// The account keys.
    Keys,
    /// The live request log.
    Log,
}

impl Section {
    const ALL: [(Self, &'static str, &'static str); 6] = [
        (Self::Home, "Overview", "/_explorer/"),
        (Self::Data, "Data", "/_explorer/dbs"),
        (Self::Users, "Users & permissions", "/_explorer/users"),
        (Self::Roles, "Roles", "/_explorer/roles"),
        (Self::Keys, "Keys", "/_explorer/keys"),
        (Self::Log, "Request log", "/_explorer/log"),
    ];
}

/// A whole page: `title` in the tab and as the heading, `section` highlighted in the navigation.
pub fn page(title: &str, section: Section, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · cosmolab explorer" }
                link rel="stylesheet" href="/_explorer/assets/explorer.css";
                // No icon: otherwise the browser asks for /favicon.ico, which the emulator answers
                // as a Cosmos DB path (401), and the request log shows a refusal nobody made.
                link rel="icon" href="data:,";
                script src="/_explorer/assets/explorer.js" defer {}
            }
            body {
                header {
                    a.brand href="/_explorer/" { "cosmolab" span { "explorer" } }
                    nav {
                        @for (each, label, href) in Section::ALL {
                            a href=(href) class=[(each == section).then_some("current")] { (label) }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
                footer {
                    "Every action on these pages is an ordinary Cosmos DB request signed with the "
                    "primary key: it goes through the same access control as any client's and "
                    "appears in the " a href="/_explorer/log" { "request log" } "."
                }
            }
        }
    }
}

/// An error page with `status`.
pub fn error_page(status: StatusCode, title: &str, message: impl AsRef<str>) -> Response {
    let body = html! {
        p.error { (message.as_ref()) }
        p { a href="/_explorer/" { "Back to the overview" } }
    };
    (status, page(title, Section::Home, body)).into_response()
}

/// A message box after an action: what happened, and the service's answer when it refused.
pub fn notice(ok: bool, text: &str) -> Markup {
    html! {
        p class=(if ok { "notice ok" } else { "notice error" }) role="status" { (text) }
    }
}

/// A value with a button that copies it to the clipboard.
pub fn copyable(id: &str, value: &str) -> Markup {
    html! {
        span.copyable {
            code id=(id) { (value) }
            button type="button" data-copy=(id) { "Copy" }
        }
    }
}

/// `GET /_explorer/assets/explorer.css`.
pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("assets/explorer.css"),
    )
        .into_response()
}

/// `GET /_explorer/assets/explorer.js`.
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("assets/explorer.js"),
    )
        .into_response()
}
