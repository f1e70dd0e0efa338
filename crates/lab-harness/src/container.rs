//! The `container` target: an emulator image started with testcontainers, one per scenario.
//!
//! ```text
//!  start(image)
//!   ├─ the image is here?            `docker image inspect`; ours missing → "run cargo xtask image"
//!   ├─ GenericImage, port 8081       Docker publishes it on a free port of this machine
//!   ├─ ready?                        a request signed with the key answers 200 — not a log line,
//!   │                                which would say the process started, not that it serves
//!   ├─ http or https?                tried in turn; the classic public image only speaks https
//!   └─ https → a loopback proxy      the labs' clients trust public certificates only, and an
//!                                    emulator's is self-signed: they talk plain http to the
//!                                    proxy, which talks https to the container
//! ```
//!
//! Our image (`cosmolab-emulator:dev`, built by `cargo xtask image`) is started with time travel
//! enabled (and with `COSMOLAB_CONTAINER_TLS=true`, serving https); `COSMOLAB_EMULATOR_IMAGE` can name
//! another, such as one of the official emulators. What a started emulator can do beyond Cosmos DB's
//! API is found out by asking (`GET /_cosmolab/health`), not by its name.

use std::time::{Duration, Instant, SystemTime};

use cosmolab_auth_signing::{MasterKey, format_http_date};
use testcontainers::core::{ContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner as _;
use testcontainers::{ContainerAsync, GenericImage, ImageExt as _};

use crate::tls_proxy::TlsProxy;

/// The image the container target starts unless `COSMOLAB_EMULATOR_IMAGE` names another.
pub const DEFAULT_IMAGE: &str = "cosmolab-emulator:dev";

/// The port every Cosmos DB emulator image serves on, inside the container.
const EMULATOR_PORT: u16 = 8081;

/// How long an emulator may take to serve, unless `COSMOLAB_CONTAINER_START_TIMEOUT` (seconds)
/// says otherwise. Ours needs well under a second; the classic public image can need minutes.
const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(180);

/// A running emulator container; dropping it removes the container.
pub struct RunningContainer {
    /// The endpoint clients use: the container's published port, or the proxy in front of it.
    pub(crate) endpoint: String,
    /// `image (container id) at endpoint`, for messages.
    pub(crate) description: String,
    // Fields drop in order: the proxy stops before the container goes.
    _proxy: Option<TlsProxy>,
    _container: ContainerAsync<GenericImage>,
}

impl RunningContainer {
    /// The endpoint clients use (`http://127.0.0.1:<port>/`): the container's published port,
    /// or, when the emulator only speaks https, the harness's proxy in front of it.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// `image (container id) at scheme://host:port/`: what was started, and where it serves.
    pub fn description(&self) -> &str {
        &self.description
    }
}

impl std::fmt::Debug for RunningContainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningContainer")
            .field("endpoint", &self.endpoint)
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

/// How to start the container.
#[derive(Debug, Clone, Default)]
pub struct ContainerOptions {
    /// Ask our image to serve https (`COSMOLAB_TLS`), as the classic public image always does.
    pub tls: bool,
}

impl ContainerOptions {
    /// The options the environment asks for: `COSMOLAB_CONTAINER_TLS`.
    pub fn from_env() -> Self {
        Self {
            tls: std::env::var("COSMOLAB_CONTAINER_TLS").is_ok_and(|value| is_truthy(&value)),
        }
    }
}

/// Starts `image` and waits until a request signed with `key` succeeds.
pub async fn start(
    image: &str,
    key: &MasterKey,
    options: &ContainerOptions,
) -> Result<RunningContainer, String> {
    require_image(image)?;
    let (name, tag) = split_reference(image);
    let mut request = GenericImage::new(name, tag)
        .with_exposed_port(ContainerPort::Tcp(EMULATOR_PORT))
        // Readiness is checked below, by a signed request: see the module's docs.
        .with_wait_for(WaitFor::Nothing)
        // Ours: the labs that expire tokens move its clock forward.
        .with_env_var("COSMOLAB_ENABLE_TIME_TRAVEL", "true")
        // The classic public image: no data kept between runs.
        .with_env_var("AZURE_COSMOS_EMULATOR_ENABLE_DATA_PERSISTENCE", "false");
    if options.tls {
        request = request.with_env_var("COSMOLAB_TLS", "true");
    }
    let container = request.start().await.map_err(|error| {
        format!("the container of {image} did not start: {error}; is Docker running?")
    })?;
    let port = container
        .get_host_port_ipv4(EMULATOR_PORT)
        .await
        .map_err(|error| format!("{image} published no port for {EMULATOR_PORT}: {error}"))?;
    let host = match container.get_host().await {
        // `localhost` may resolve to ::1 first, where Docker may not publish.
        Ok(host) if host.to_string() != "localhost" => host.to_string(),
        _ => "127.0.0.1".to_owned(),
    };

    let timeout = start_timeout();
    let scheme = wait_until_serving(&container, &host, port, key, timeout)
        .await
        .map_err(|problem| format!("{image}: {problem}"))?;
    let direct = format!("{scheme}://{host}:{port}/");
    let (endpoint, proxy) = if scheme == "https" {
        let proxy = TlsProxy::start(&direct)
            .await
            .map_err(|error| format!("could not start the proxy in front of {direct}: {error}"))?;
        (proxy.endpoint().to_owned(), Some(proxy))
    } else {
        (direct.clone(), None)
    };
    let id: String = container.id().chars().take(12).collect();
    Ok(RunningContainer {
        description: format!("{image} (container {id}) at {direct}"),
        endpoint,
        _proxy: proxy,
        _container: container,
    })
}

/// Whether the endpoint is a cosmolab emulator: it answers on its admin API's health route.
pub async fn is_cosmolab_emulator(endpoint: &str) -> bool {
    let url = format!("{}_cosmolab/health", endpoint);
    match reqwest::get(&url).await {
        Ok(reply) => reply.status().is_success(),
        Err(_) => false,
    }
}

/// Fails with what to do when the image is not on this machine and cannot be pulled: always for
/// our own image (no registry has it), which `cargo xtask image` builds.
fn require_image(image: &str) -> Result<(), String> {
    let inspect = std::process::Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}", image])
        .output()
        .map_err(|error| {
            format!(
                "the container target needs Docker, and the `docker` command could not run \
                 ({error}): install Docker Engine and start it, or use COSMOLAB_TARGET=embedded"
            )
        })?;
    if inspect.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&inspect.stderr);
    if stderr.contains("Cannot connect") || stderr.contains("permission denied") {
        return Err(format!(
            "the container target needs Docker, and its engine does not answer ({}): start it \
             (`systemctl start docker`), or use COSMOLAB_TARGET=embedded",
            stderr.trim()
        ));
    }
    if image == DEFAULT_IMAGE {
        return Err(format!(
            "the image {DEFAULT_IMAGE} is not built on this machine: build it with `cargo xtask \
             image` (it is built from this workspace, never pulled), then run the tests again"
        ));
    }
    // Another image: testcontainers pulls it, on a machine that can reach its registry.
    Ok(())
}

/// `repository[:tag]` → (repository, tag), where a `:` before the last `/` is a registry's port.
fn split_reference(image: &str) -> (&str, &str) {
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, tag),
        _ => (image, "latest"),
    }
}

fn is_truthy(value: &str) -> bool {
    !matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "" | "0" | "false" | "no" | "off"
    )
}

/// `COSMOLAB_CONTAINER_START_TIMEOUT` (seconds), or the default.
fn start_timeout() -> Duration {
    std::env::var("COSMOLAB_CONTAINER_START_TIMEOUT")
        .ok()
        .and_then(|seconds| seconds.trim().parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_START_TIMEOUT)
}

/// Polls `GET /` signed with `key`, over http and https in turn, until one answers 200; returns
/// the scheme that did. A 401 or 403 ends the wait at once: the emulator serves, with another key.
async fn wait_until_serving(
    container: &ContainerAsync<GenericImage>,
    host: &str,
    port: u16,
    key: &MasterKey,
    timeout: Duration,
) -> Result<&'static str, String> {
    // Only to this emulator, only while waiting: its certificate is self-signed.
    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|error| error.to_string())?;
    let started = Instant::now();
    let mut last_problem = String::from("no answer yet");
    loop {
        for scheme in ["http", "https"] {
            let date = format_http_date(SystemTime::now());
            let answer = http
                .get(format!("{scheme}://{host}:{port}/"))
                .header("authorization", key.authorize("GET", "", "", &date))
                .header("x-ms-date", &date)
                .header("x-ms-version", "2020-07-15")
                .send()
                .await;
            match answer {
                Ok(reply) if reply.status().is_success() => return Ok(scheme),
                Ok(reply) if matches!(reply.status().as_u16(), 401 | 403) => {
                    return Err(format!(
                        "it serves {scheme}, but refused the key the tests sign with ({}): set \
                         COSMOLAB_KEY to the emulator's key",
                        reply.status()
                    ));
                }
                Ok(reply) => last_problem = format!("{scheme}: answered {}", reply.status()),
                Err(error) if scheme == "http" => last_problem = format!("http: {error}"),
                Err(_) => {}
            }
        }
        if !container.is_running().await.unwrap_or(false) {
            let log = container.stderr_to_vec().await.unwrap_or_default();
            let log = String::from_utf8_lossy(&log);
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            return Err(format!(
                "the container exited before serving; the end of its log:\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
        }
        if started.elapsed() > timeout {
            return Err(format!(
                "it did not serve within {} s (last: {last_problem}); a slow image can be given \
                 longer with COSMOLAB_CONTAINER_START_TIMEOUT=<seconds>",
                timeout.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_split_at_the_tag() {
        assert_eq!(
            split_reference("cosmolab-emulator:dev"),
            ("cosmolab-emulator", "dev")
        );
        assert_eq!(
            split_reference("mcr.microsoft.com/cosmosdb/linux/azure-cosmos-emulator:latest"),
            (
                "mcr.microsoft.com/cosmosdb/linux/azure-cosmos-emulator",
                "latest"
            )
        );
        assert_eq!(
            split_reference("registry.local:5000/emulator"),
            ("registry.local:5000/emulator", "latest")
        );
        assert_eq!(
            split_reference("cosmolab-emulator"),
            ("cosmolab-emulator", "latest")
        );
    }

    #[test]
    fn truthy_values() {
        for yes in ["1", "true", "TRUE", "yes", "on"] {
            assert!(is_truthy(yes), "{yes}");
        }
        for no in ["", "0", "false", "No", "off"] {
            assert!(!is_truthy(no), "{no}");
        }
    }
}
