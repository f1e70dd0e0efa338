//! # The explorer in a real browser
//!
//! The emulator's explorer (`/_explorer/`) is HTML, a little JavaScript and a live request log
//! streamed over Server-Sent Events. Tests that read its HTML with an HTTP client prove what the
//! server sends; only a browser proves what a trainee *sees*: that the script runs, that the form
//! posts, that a denied request appears in the live log with its reason. This crate is the small
//! harness those browser tests share, a [`Browser`] that drives a real, headless Chromium.
//!
//! ## How a test drives Chromium
//!
//! 1. [`Browser::start`] finds Debian's Chromium and `chromedriver`, the WebDriver server built
//!    with it. A machine without them is an error that says how to install them, never a skipped
//!    test: `cargo xtask ci` installs them (step `explorer in a browser`).
//! 2. It starts `chromedriver` on a free loopback port, as a child process that is stopped when
//!    the [`Browser`] is dropped, even when the test panics.
//! 3. It opens a WebDriver session with [fantoccini]: chromedriver starts Chromium, headless, with
//!    a fresh profile in a temporary directory, so no test sees another's cookies or storage.
//! 4. The test then acts as a person would: [`goto`](Browser::goto) a page,
//!    [`fill`](Browser::fill) a field, [`click`](Browser::click) a button, and
//!    [`wait_for_text`](Browser::wait_for_text) until the page shows the result. Every wait is
//!    bounded, and a timeout says which selector it waited for and what the page showed instead.
//! 5. [`close`](Browser::close) ends the session (Chromium quits) and stops chromedriver.
//!
//! Elements are found with CSS selectors (`#log li.denied`), the same ones the page's stylesheet
//! and script use, so a test reads like a description of the page.
//!
//! ## Example
//!
//! ```no_run
//! use std::time::Duration;
//! use cosmolab_explorer_browser_tests::Browser;
//!
//! # async fn example() -> anyhow::Result<()> {
//! let browser = Browser::start().await?;
//! browser.goto("http://127.0.0.1:8081/_explorer/").await?;
//! browser.fill("#item-id", "order-1").await?;
//! browser.click("button[type=submit]").await?;
//! browser.wait_for_text("#log li", "403", Duration::from_secs(5)).await?;
//! browser.screenshot("target/screenshots/log.png").await?;
//! browser.close().await?;
//! # Ok(())
//! # }
//! ```

use std::fs::{self, File};
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Map, Value, json};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Where Debian's `chromium` package puts the browser (a script that starts the real binary).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Where to look for the WebDriver server: `PATH` first, so a developer can use another build,
/// then where Debian's `chromium-driver` package puts it.
const CHROMEDRIVER_NAME: &str = "chromedriver";
const CHROMEDRIVER_FALLBACK: &str = "/usr/bin/chromedriver";

/// How to get both programs, said in every error about a missing one.
const HOW_TO_INSTALL: &str = "`cargo xtask ci` installs them (step `explorer in a browser`), \
                              or install them yourself: \
                              `sudo apt-get install -y chromium chromium-driver`";

/// Chromium's command line. Each flag is there for a reason:
const CHROMIUM_ARGS: [&str; 5] = [
    // No window: CI machines have no display. `new` is the real browser without a window; the
    // old headless mode was a separate, slightly different implementation.
    "--headless=new",
    // Chromium's sandbox refuses to start as root, and CI runs as root (in a container, which is
    // the isolation here). The pages under test are our own.
    "--no-sandbox",
    // There is no GPU to use; without this, Chromium logs errors probing for one.
    "--disable-gpu",
    // Containers give /dev/shm 64 MB, too little for Chromium's shared memory: it would crash on
    // larger pages. This makes it use /tmp instead.
    "--disable-dev-shm-usage",
    // A fixed size, so screenshots are the same on every machine.
    "--window-size=1280,900",
];

/// How long chromedriver may take to answer after it is started. It is usually ready in well under
/// a second; this bound only turns a hang into an error.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a wait looks at the page again.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How much of the page's text an error message quotes: enough to recognise the page.
const PAGE_EXCERPT_CHARS: usize = 1500;

/// How much of chromedriver's log an error message quotes.
const LOG_EXCERPT_LINES: usize = 20;

/// A headless Chromium driven over WebDriver, with its own chromedriver and profile.
///
/// Dropping it stops chromedriver and the browser; [`close`](Self::close) does the same, politely,
/// and reports errors.
pub struct Browser {
    /// The WebDriver session. Declared first so that it is dropped before the driver is stopped.
    client: Client,
    /// The chromedriver child process (and, in its process group, Chromium).
    driver: Driver,
    /// The browser's profile and chromedriver's log; deleted when the browser is dropped.
    _scratch: TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with an empty profile.
    ///
    /// Fails, saying how to install them, if Chromium or chromedriver is missing; fails with
    /// chromedriver's log if it does not answer within 10 s or cannot start the browser.
    pub async fn start() -> Result<Self> {
        let chromium = find_chromium()?;
        let chromedriver = find_chromedriver()?;
        // One directory for what this browser writes: its profile and chromedriver's log.
        let scratch = tempfile::Builder::new()
            .prefix("cosmolab-browser-")
            .tempdir()
            .context("creating a temporary directory for the browser's profile")?;
        let driver = Driver::start(&chromedriver, scratch.path())?;
        driver.wait_until_ready().await?;
        let client = driver
            .new_session(&chromium, &scratch.path().join("profile"))
            .await?;
        Ok(Self {
            client,
            driver,
            _scratch: scratch,
        })
    }

    /// The fantoccini client, for what the helpers below do not cover (cookies, scripts, keys).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `url` and waits until the page has loaded (WebDriver waits for the `load` event).
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.client
            .goto(url)
            .await
            .with_context(|| format!("opening {url}"))
    }

    /// The first element matching the CSS selector `css`, now, without waiting.
    pub async fn find(&self, css: &str) -> Result<Element> {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => Ok(element),
            Err(error) => bail!(
                "no element matches `{css}` ({error}); {}",
                self.page_summary().await
            ),
        }
    }

    /// Waits up to `timeout` for an element matching `css` to appear, and returns the first.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element> {
        let deadline = Instant::now() + timeout;
        loop {
            // `find_all` answers an empty list rather than an error when nothing matches yet.
            if let Some(element) = self.find_all(css).await?.into_iter().next() {
                return Ok(element);
            }
            if Instant::now() >= deadline {
                bail!(
                    "waited {timeout:?} for an element matching `{css}`, but none appeared; {}",
                    self.page_summary().await
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Waits up to `timeout` until an element matching `css` contains `text`, and returns it.
    ///
    /// Any matching element will do, so `wait_for_text("#log li", "403", …)` waits for a line of
    /// a list to mention 403, however many lines came before it.
    pub async fn wait_for_text(&self, css: &str, text: &str, timeout: Duration) -> Result<Element> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut seen = Vec::new();
            for element in self.find_all(css).await? {
                // A script may replace the element between finding it and reading it ("stale
                // element"); that is the page still changing, so look again on the next round.
                let Ok(shown) = element.text().await else {
                    continue;
                };
                if shown.contains(text) {
                    return Ok(element);
                }
                seen.push(shown);
            }
            if Instant::now() >= deadline {
                let seen = if seen.is_empty() {
                    "no element matched it".to_owned()
                } else {
                    format!("the elements matching it said {seen:?}")
                };
                bail!(
                    "waited {timeout:?} for `{css}` to contain {text:?}, but {seen}; {}",
                    self.page_summary().await
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Replaces the content of the field matching `css` with `text`, typed as keystrokes (so the
    /// page's `input` handlers run as they would for a person).
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let field = self.find(css).await?;
        field
            .clear()
            .await
            .with_context(|| format!("clearing `{css}`"))?;
        field
            .send_keys(text)
            .await
            .with_context(|| format!("typing into `{css}`"))
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) -> Result<()> {
        self.find(css)
            .await?
            .click()
            .await
            .with_context(|| format!("clicking `{css}`"))
    }

    /// The text of the element matching `css`, as the page renders it (what a person reads).
    pub async fn text(&self, css: &str) -> Result<String> {
        self.find(css)
            .await?
            .text()
            .await
            .with_context(|| format!("reading the text of `{css}`"))
    }

    /// Saves a PNG screenshot of the window to `path`, creating its parent directories.
    pub async fn screenshot(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let png = self
            .client
            .screenshot()
            .await
            .context("taking a screenshot")?;
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        fs::write(path, png).with_context(|| format!("writing {}", path.display()))
    }

    /// Ends the WebDriver session, which quits Chromium, then stops chromedriver.
    pub async fn close(self) -> Result<()> {
        let closed = self.client.close().await;
        drop(self.driver);
        closed.context("closing the WebDriver session")
    }

    /// Every element matching `css`, possibly none.
    async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .with_context(|| format!("looking for `{css}` (is it a valid CSS selector?)"))
    }

    /// Where the browser is and the start of what it shows, for error messages.
    async fn page_summary(&self) -> String {
        let url = match self.client.current_url().await {
            Ok(url) => url.to_string(),
            Err(_) => "an unknown address".to_owned(),
        };
        let text = self
            .client
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await;
        match text {
            Ok(Value::String(text)) => format!(
                "the page at {url} contained:\n{}",
                excerpt(&text, PAGE_EXCERPT_CHARS)
            ),
            _ => format!("the page at {url} could not be read"),
        }
    }
}

/// A running chromedriver, stopped with everything it started when dropped.
struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Driver {
    /// Starts `chromedriver` on a free loopback port, its output going to a log file in `scratch`.
    fn start(chromedriver: &Path, scratch: &Path) -> Result<Self> {
        let port = free_loopback_port()?;
        let log = scratch.join("chromedriver.log");
        let log_file = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let mut command = Command::new(chromedriver);
        // chromedriver listens on loopback only unless told otherwise, which is what we want.
        command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        // A process group of its own: Chromium and its helper processes join it, so one signal
        // stops them all, even when the WebDriver session was never closed (a panicking test).
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt as _;
            command.process_group(0);
        }
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", chromedriver.display()))?;
        Ok(Self { child, port, log })
    }

    /// Waits until chromedriver says it is ready for sessions (`GET /status`), for at most
    /// [`DRIVER_START_TIMEOUT`].
    async fn wait_until_ready(&self) -> Result<()> {
        let deadline = Instant::now() + DRIVER_START_TIMEOUT;
        while !self.is_ready().await {
            if Instant::now() >= deadline {
                bail!(
                    "chromedriver did not answer on 127.0.0.1:{} within {DRIVER_START_TIMEOUT:?}; \
                     its log:\n{}",
                    self.port,
                    self.log_text()
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
        Ok(())
    }

    /// Asks chromedriver's `/status` whether it accepts sessions, with one hand-written HTTP
    /// request: the question is too small for an HTTP client, and fantoccini cannot ask it before
    /// a session exists.
    async fn is_ready(&self) -> bool {
        let ask = async {
            let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port))
                .await
                .ok()?;
            // HTTP/1.1: chromedriver refuses HTTP/1.0 ("Cannot handle request with protocol").
            let request = format!(
                "GET /status HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.port
            );
            stream.write_all(request.as_bytes()).await.ok()?;
            // chromedriver answers `Connection: close` but leaves the connection open, so the
            // answer ends when its body, `{"value":{"ready":true,…}}`, is whole JSON.
            let mut answer = Vec::new();
            let mut chunk = [0; 1024];
            loop {
                let read = stream.read(&mut chunk).await.ok()?;
                if read == 0 {
                    return None;
                }
                answer.extend_from_slice(&chunk[..read]);
                let text = String::from_utf8_lossy(&answer);
                if let Some((_, body)) = text.split_once("\r\n\r\n")
                    && let Ok(status) = serde_json::from_str::<Value>(body)
                {
                    return Some(status["value"]["ready"] == Value::Bool(true));
                }
            }
        };
        // Bounded, so that a driver that accepts connections but never answers is retried, and
        // in the end reported by `wait_until_ready`.
        tokio::time::timeout(Duration::from_secs(1), ask)
            .await
            .ok()
            .flatten()
            .unwrap_or(false)
    }

    /// Opens a WebDriver session: chromedriver starts Chromium with our flags and `profile`.
    async fn new_session(&self, chromium: &Path, profile: &Path) -> Result<Client> {
        // rustls needs one crypto provider. The workspace compiles two (ring for our servers,
        // aws-lc-rs for fantoccini's connector), and then rustls will not guess: name ring, as the
        // emulator does. An `Err` only means a provider was installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = ClientBuilder::rustls().context("setting up the WebDriver connection")?;
        builder.capabilities(chromium_capabilities(chromium, profile));
        let url = format!("http://127.0.0.1:{}", self.port);
        builder.connect(&url).await.with_context(|| {
            format!(
                "chromedriver at {url} could not start {} (a version mismatch between the two \
                 shows here; {HOW_TO_INSTALL}); chromedriver's log:\n{}",
                chromium.display(),
                self.log_text()
            )
        })
    }

    /// The last lines of chromedriver's log, for error messages: the reason is at the end.
    fn log_text(&self) -> String {
        let log = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(LOG_EXCERPT_LINES)..].join("\n")
    }
}

impl Drop for Driver {
    /// Stops chromedriver and, in its process group, any Chromium still running; then reaps it.
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(group) = i32::try_from(self.child.id())
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The WebDriver capabilities for a headless Chromium at `chromium`, with `profile` as its
/// user data directory.
fn chromium_capabilities(chromium: &Path, profile: &Path) -> Map<String, Value> {
    let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|&arg| arg.to_owned()).collect();
    // A fresh profile per browser: no cookies, storage or cache shared between tests.
    args.push(format!("--user-data-dir={}", profile.display()));
    let mut capabilities = Map::new();
    capabilities.insert("browserName".to_owned(), json!("chrome"));
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({ "binary": chromium, "args": args }),
    );
    capabilities
}

/// The browser, which must be Debian's: chromedriver only drives the Chromium of its own version.
fn find_chromium() -> Result<PathBuf> {
    let chromium = PathBuf::from(CHROMIUM);
    if !chromium.is_file() {
        bail!("Chromium was not found at {CHROMIUM}; the browser tests need it: {HOW_TO_INSTALL}");
    }
    Ok(chromium)
}

/// `chromedriver` from `PATH`, else Debian's.
fn find_chromedriver() -> Result<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join(CHROMEDRIVER_NAME));
    on_path
        .chain([PathBuf::from(CHROMEDRIVER_FALLBACK)])
        .find(|candidate| candidate.is_file())
        .with_context(|| {
            format!(
                "chromedriver was not found on PATH nor at {CHROMEDRIVER_FALLBACK}; the browser \
                 tests need it: {HOW_TO_INSTALL}"
            )
        })
}

/// A TCP port on 127.0.0.1 that nobody uses right now.
///
/// The operating system picks it for a listener that we close at once, so chromedriver can take
/// it. Another program could take it in between, but it would have to be quick and lucky.
fn free_loopback_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// The first `max_chars` characters of `text`, with `…` if there were more.
fn excerpt(text: &str, max_chars: usize) -> String {
    let mut chars = text.chars();
    let mut cut: String = chars.by_ref().take(max_chars).collect();
    if chars.next().is_some() {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chromium is started headless, without the sandbox, in the profile it is given, and from the
    /// binary it is given (not whatever chromedriver would find).
    #[test]
    fn capabilities_ask_for_a_headless_chromium_with_its_own_profile() {
        let capabilities =
            chromium_capabilities(Path::new("/usr/bin/chromium"), Path::new("/tmp/p"));
        let options = &capabilities["goog:chromeOptions"];
        assert_eq!(options["binary"], "/usr/bin/chromium");
        let args: Vec<&str> = options["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|arg| arg.as_str().unwrap())
            .collect();
        for flag in ["--headless=new", "--no-sandbox", "--user-data-dir=/tmp/p"] {
            assert!(args.contains(&flag), "{flag} missing from {args:?}");
        }
    }

    /// A missing program is reported with both ways to install it.
    #[test]
    fn the_install_advice_names_both_fixes() {
        assert!(HOW_TO_INSTALL.contains("cargo xtask ci"));
        assert!(HOW_TO_INSTALL.contains("sudo apt-get install -y chromium chromium-driver"));
    }

    /// Page text quoted in errors is cut on a character, not a byte.
    #[test]
    fn excerpts_are_cut_on_characters() {
        assert_eq!(excerpt("naïve café", 4), "naïv…");
        assert_eq!(excerpt("short", 10), "short");
    }
}
