//! The explorer in a real headless Chromium, as a trainee uses it: create a database, a container
//! and an item through the forms; create a user with a `Read` permission and mint its token; use
//! that token to write (refused, 403); and watch the refusal arrive in the live request log, with
//! its reason and its seed concept, without reloading the page.
//!
//! With `COSMOLAB_UPDATE_SCREENSHOTS=1` the test also saves a screenshot of each page into
//! `docs/explorer/`, the pictures of `docs/explorer.md`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use cosmolab_emulator::Emulator;
use cosmolab_emulator::explorer::ExplorerAccess;
use cosmolab_explorer_browser_tests::Browser;

const WAIT: Duration = Duration::from_secs(10);

/// Where the documentation's screenshots go, when asked to rewrite them.
fn screenshots() -> Option<PathBuf> {
    std::env::var_os("COSMOLAB_UPDATE_SCREENSHOTS")
        .filter(|value| value == "1")
        .map(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/explorer"))
}

/// Submits the form whose `action` is `action` (the form's own button, as a person would).
async fn submit(browser: &Browser, action: &str) -> anyhow::Result<()> {
    browser
        .click(&format!(r#"form[action="{action}"] button[type="submit"]"#))
        .await
}

/// A write with a resource token, as an application would send it.
async fn write_with_token(emulator: &Emulator, token: &str) -> anyhow::Result<reqwest::StatusCode> {
    let encoded: String =
        percent_encoding::utf8_percent_encode(token, percent_encoding::NON_ALPHANUMERIC).collect();
    let response = reqwest::Client::new()
        .post(format!("{}dbs/shop/colls/orders/docs", emulator.endpoint()))
        .header("authorization", encoded)
        .header(
            "x-ms-date",
            cosmolab_auth_signing::format_http_date(SystemTime::now()),
        )
        .header("x-ms-documentdb-partitionkey", r#"["contoso"]"#)
        .body(r#"{"id": "o-2", "customer": "contoso"}"#)
        .send()
        .await?;
    Ok(response.status())
}

#[tokio::test]
async fn create_an_item_mint_a_token_and_watch_its_refusal_live() -> anyhow::Result<()> {
    let emulator = Emulator::builder()
        .explorer(ExplorerAccess::Loopback)
        .start()
        .await?;
    let explorer = format!("{}_explorer", emulator.endpoint());
    let browser = Browser::start().await?;
    let shots = screenshots();

    // Data: a database, a container, an item — each through its form.
    browser.goto(&format!("{explorer}/dbs")).await?;
    browser
        .fill(r#"form[action="/_explorer/dbs"] input[name="id"]"#, "shop")
        .await?;
    submit(&browser, "/_explorer/dbs").await?;
    browser.wait_for_text("h1", "shop", WAIT).await?;
    browser
        .fill(
            r#"form[action="/_explorer/dbs/shop/colls"] input[name="id"]"#,
            "orders",
        )
        .await?;
    browser
        .fill(
            r#"form[action="/_explorer/dbs/shop/colls"] input[name="partition_key_path"]"#,
            "/customer",
        )
        .await?;
    submit(&browser, "/_explorer/dbs/shop/colls").await?;
    browser.wait_for_text("h1", "orders", WAIT).await?;
    browser
        .fill(
            r#"form[action="/_explorer/dbs/shop/colls/orders/docs"] textarea[name="json"]"#,
            r#"{"id": "o-1", "customer": "contoso", "note": "<b>not bold</b>"}"#,
        )
        .await?;
    submit(&browser, "/_explorer/dbs/shop/colls/orders/docs").await?;
    browser.wait_for_text("main", "o-1", WAIT).await?;
    assert!(
        browser.text("main").await?.contains("<b>not bold</b>"),
        "item content is shown as text, not markup"
    );
    if let Some(dir) = &shots {
        browser
            .goto(&format!("{explorer}/dbs/shop/colls/orders"))
            .await?;
        browser.screenshot(dir.join("items.png")).await?;
    }

    // Users and permissions: a user, a Read permission on the container, a token.
    browser.goto(&format!("{explorer}/users")).await?;
    browser
        .fill(
            r#"form[action="/_explorer/dbs/shop/users"] input[name="id"]"#,
            "ann",
        )
        .await?;
    submit(&browser, "/_explorer/dbs/shop/users").await?;
    browser.wait_for_text("h1", "ann", WAIT).await?;
    let permissions = "/_explorer/dbs/shop/users/ann/permissions";
    browser
        .fill(
            &format!(r#"form[action="{permissions}"] input[name="id"]"#),
            "read-orders",
        )
        .await?;
    browser
        .fill(
            &format!(r#"form[action="{permissions}"] input[name="resource"]"#),
            "dbs/shop/colls/orders",
        )
        .await?;
    browser
        .client()
        .find(fantoccini::Locator::Css(&format!(
            r#"form[action="{permissions}"] select[name="mode"] option[value="Read"]"#
        )))
        .await?
        .click()
        .await?;
    submit(&browser, permissions).await?;
    browser.wait_for_text("main", "read-orders", WAIT).await?;
    submit(&browser, &format!("{permissions}/read-orders/token")).await?;
    let token = browser
        .wait_for("#minted-token", WAIT)
        .await?
        .text()
        .await?;
    assert!(
        token.starts_with("type=resource"),
        "a resource token: {token}"
    );
    if let Some(dir) = &shots {
        browser.screenshot(dir.join("token.png")).await?;
    }

    // The live log, filtered to refusals; then the token tries to write.
    browser.goto(&format!("{explorer}/log?denied=true")).await?;
    browser
        .wait_for_text("#live-state", "connected", WAIT)
        .await?;
    assert_eq!(write_with_token(&emulator, &token).await?, 403);
    let row = browser
        .wait_for_text("#live-log tbody tr", "resource token of", WAIT)
        .await?;
    let row_text = row.text().await?;
    assert!(row_text.contains("denied 403"), "{row_text}");
    // A create is logged against the feed's parent, as the signature names it.
    assert!(
        row_text.contains("Create dbs/shop/colls/orders"),
        "{row_text}"
    );
    // The reason is folded away until asked for.
    browser.click("#live-log tbody tr details summary").await?;
    let reason = browser.wait_for(".deny-reason", WAIT).await?.text().await?;
    assert!(
        reason.to_lowercase().contains("read"),
        "the reason names the mode: {reason}"
    );
    let concept = browser.text(".concept").await?;
    assert!(concept.contains("seed"), "the seed concept: {concept}");
    if let Some(dir) = &shots {
        browser.screenshot(dir.join("log.png")).await?;
        for (page, file) in [
            ("/keys", "keys.png"),
            ("/roles", "roles.png"),
            ("/", "overview.png"),
        ] {
            browser.goto(&format!("{explorer}{page}")).await?;
            browser.wait_for("h1", WAIT).await?;
            browser.screenshot(dir.join(file)).await?;
        }
    }

    browser.close().await?;
    Ok(())
}
