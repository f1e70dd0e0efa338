//! The harness against a real page, before the explorer exists: a tiny in-process server with the
//! three things the explorer's pages rely on — a form, a script that changes the page after a
//! click, and a live list fed by Server-Sent Events — and a headless Chromium that uses them.
//!
//! If these pass, a failing explorer scenario is about the explorer, not about the browser, the
//! driver or the way they are started on this machine.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use cosmolab_explorer_browser_tests::Browser;
use futures_util::Stream;
use tokio::sync::broadcast;

/// How long any one wait in these tests may take. Generous: the machine may be busy compiling.
const WAIT: Duration = Duration::from_secs(10);

/// The page: a name field and a button. A click greets the name at once (script only) and tells
/// the server, which announces the visit to every open page over Server-Sent Events; the page
/// appends each announcement to a list, as the explorer's live log will.
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>harness check</title></head>
<body>
  <form id="visit">
    <label>Name <input id="name" name="name"></label>
    <button id="greet" type="submit">Greet</button>
  </form>
  <p id="greeting">nobody greeted yet</p>
  <ul id="visits" data-live="connecting"></ul>
  <script>
    const visits = document.getElementById('visits');
    const live = new EventSource('/visits/live');
    // `open` fires once the stream is established: only events sent after that reach this page,
    // so a test waits for this marker before it acts.
    live.addEventListener('open', () => { visits.dataset.live = 'connected'; });
    // A named event (`event: visit`), as the explorer sends; `onmessage` sees only unnamed ones.
    live.addEventListener('visit', (event) => {
      const item = document.createElement('li');
      item.textContent = JSON.parse(event.data).name + ' visited';
      visits.append(item);
    });
    document.getElementById('visit').addEventListener('submit', async (event) => {
      event.preventDefault();
      const name = document.getElementById('name').value;
      document.getElementById('greeting').textContent = 'Hello, ' + name + '!';
      await fetch('/visits', { method: 'POST', body: name });
    });
  </script>
</body>
</html>"#;

/// The visits announced so far, to every subscribed page.
type Visits = broadcast::Sender<String>;

/// The page, `POST /visits` (a name, announced to every page) and `GET /visits/live` (the stream).
fn app() -> Router {
    let (visits, _) = broadcast::channel::<String>(16);
    Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/visits", post(announce))
        .route("/visits/live", get(live))
        .with_state(visits)
}

async fn announce(State(visits): State<Visits>, name: String) -> StatusCode {
    // No subscriber is not an error: nobody is watching, as with the explorer's log.
    let _ = visits.send(name);
    StatusCode::NO_CONTENT
}

async fn live(State(visits): State<Visits>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = visits.subscribe();
    let events = futures_util::stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(name) => {
                    let data = serde_json::json!({ "name": name }).to_string();
                    let event = Event::default().event("visit").data(data);
                    return Some((Ok(event), receiver));
                }
                // A slow page missed some visits: carry on with the next one.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    // Comments every few seconds keep idle connections from being closed by proxies.
    Sse::new(events).keep_alive(KeepAlive::default())
}

/// Serves [`app`] on a free loopback port and returns its base URL.
async fn serve() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app()).await.unwrap() });
    format!("http://{address}/")
}

/// A person types a name and clicks: the script greets them at once, and the visit comes back
/// from the server over Server-Sent Events into the list. A screenshot of the result is a PNG.
#[tokio::test]
async fn a_form_a_script_and_server_sent_events_work_in_headless_chromium() {
    let url = serve().await;
    let started = Instant::now();
    let browser = Browser::start().await.unwrap();
    println!("the browser started in {:?}", started.elapsed());

    browser.goto(&url).await.unwrap();
    assert_eq!(
        browser.text("#greeting").await.unwrap(),
        "nobody greeted yet"
    );
    // Subscribed before acting, or the announcement could be sent before the page listens.
    browser
        .wait_for("#visits[data-live=connected]", WAIT)
        .await
        .unwrap();

    browser.fill("#name", "Ada").await.unwrap();
    browser.click("#greet").await.unwrap();
    browser
        .wait_for_text("#greeting", "Hello, Ada!", WAIT)
        .await
        .unwrap();
    let visit = browser
        .wait_for_text("#visits li", "Ada visited", WAIT)
        .await
        .unwrap();
    assert_eq!(visit.text().await.unwrap(), "Ada visited");

    let screenshots = tempfile::tempdir().unwrap();
    // A directory that does not exist yet: `screenshot` creates it, as docs/ screenshots will need.
    let path = screenshots.path().join("pages").join("harness.png");
    browser.screenshot(&path).await.unwrap();
    let png = std::fs::read(&path).unwrap();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG: {:?}",
        &png[..png.len().min(8)]
    );

    browser.close().await.unwrap();
}

/// A wait that cannot succeed ends after its timeout with an error naming the selector, the text
/// it waited for, what the matching elements said and what the page showed.
#[tokio::test]
async fn a_failed_wait_says_what_the_page_showed() {
    let url = serve().await;
    let browser = Browser::start().await.unwrap();
    browser.goto(&url).await.unwrap();

    let short = Duration::from_millis(300);
    let error = browser
        .wait_for_text("#greeting", "Hello, Bob!", short)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("`#greeting`"), "{error}");
    assert!(error.contains("\"Hello, Bob!\""), "{error}");
    assert!(error.contains("nobody greeted yet"), "{error}");
    assert!(error.contains(&url), "{error}");

    let error = browser
        .wait_for("#no-such-thing", short)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("`#no-such-thing`"), "{error}");
    assert!(error.contains("nobody greeted yet"), "{error}");

    browser.close().await.unwrap();
}
