//! `cargo lab emulator`: the emulator the labs run against, in this process, for trying things by
//! hand — an SDK, `curl`, a signature computed on paper.
//!
//! The scenarios do not need it (each starts its own emulator inside the test); this is for
//! exploring. It is the same server as `cargo run -p cosmolab-emulator`, with the labs' defaults
//! and a page of "how to point your SDK at it" instead of the standalone binary's options.

use std::net::{IpAddr, SocketAddr};

use anyhow::{Context as _, Result};
use cosmolab_auth_signing::WELL_KNOWN_EMULATOR_KEY;
use cosmolab_emulator::Emulator;
use cosmolab_emulator::explorer::ExplorerAccess;

use crate::output::Paint;

/// Where and how to serve.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The address to listen on.
    pub(crate) bind: IpAddr,
    /// The port (0: any free port).
    pub(crate) port: u16,
    /// Serve https with a self-signed certificate.
    pub(crate) tls: bool,
}

/// Starts the emulator, prints how to use it, and serves until Ctrl-C.
pub(crate) fn serve(options: &Options, paint: Paint) -> Result<()> {
    // Request logs on stderr: every refusal is logged with its deny reason, which is half the point
    // of watching an emulator while you poke at it.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();

    let runtime = tokio::runtime::Runtime::new().context("could not start the async runtime")?;
    runtime.block_on(async {
        let mut builder = Emulator::builder()
            .address(SocketAddr::new(options.bind, options.port))
            .explorer(ExplorerAccess::Loopback);
        if options.tls {
            builder = builder.tls(None);
        }
        let emulator = builder.start().await?;
        print!("{}", welcome(paint, &emulator, options));
        tokio::signal::ctrl_c()
            .await
            .context("could not wait for Ctrl-C")?;
        eprintln!("stopping the emulator");
        emulator.shutdown();
        Ok(())
    })
}

/// The emulator `cargo lab` keeps running beside watch mode, with its explorer: somewhere to try
/// things by hand (an SDK, curl, a token minted in the explorer) and watch every decision live,
/// while the checks run their own emulators. It stops with watch mode.
pub(crate) struct Playground {
    /// Its endpoint, `http://127.0.0.1:8081/` unless that port was taken.
    pub(crate) endpoint: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Playground {
    /// Starts it on port 8081, or on a free port if 8081 is taken (another emulator, often).
    pub(crate) fn start() -> Result<Self> {
        let (started, endpoint) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("cosmolab-playground".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Runtime::new() {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = started.send(Err(anyhow::Error::from(error)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let start = |port| {
                        Emulator::builder()
                            .address(SocketAddr::from(([127, 0, 0, 1], port)))
                            .explorer(ExplorerAccess::Loopback)
                            .start()
                    };
                    let emulator = match start(8081).await {
                        Ok(emulator) => emulator,
                        Err(_) => match start(0).await {
                            Ok(emulator) => emulator,
                            Err(error) => {
                                let _ = started.send(Err(error));
                                return;
                            }
                        },
                    };
                    let _ = started.send(Ok(emulator.endpoint().to_owned()));
                    let _ = stopped.await;
                    emulator.shutdown();
                });
            })
            .context("could not start the playground emulator's thread")?;
        let endpoint = endpoint
            .recv()
            .context("the playground emulator's thread stopped")??;
        Ok(Self {
            endpoint,
            stop: Some(stop),
        })
    }

    /// The line watch mode shows about it.
    pub(crate) fn notice(&self) -> String {
        format!(
            "explorer: {}_explorer/ — an emulator to try things by hand (well-known key) and watch \
             every request live; the checks run their own",
            self.endpoint
        )
    }
}

impl Drop for Playground {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The page printed once the emulator accepts requests.
fn welcome(paint: Paint, emulator: &Emulator, options: &Options) -> String {
    let endpoint = emulator.endpoint();
    let keys = emulator.keys();
    let bold = |text: &str| paint.bold(text);
    let mut page = format!(
        "{}\n\n\
         \x20 endpoint                {endpoint}\n\
         \x20 primary key             {}   (the well-known emulator key)\n\
         \x20 secondary key           {}\n\
         \x20 primary read-only key   {}\n\
         \x20 secondary read-only key {}\n",
        bold(&format!("cosmolab emulator ready at {endpoint}")),
        keys.primary_master_key,
        keys.secondary_master_key,
        keys.primary_readonly_master_key,
        keys.secondary_readonly_master_key,
    );
    debug_assert_eq!(keys.primary_master_key, WELL_KNOWN_EMULATOR_KEY);
    page.push_str(&format!(
        "  explorer                {endpoint}_explorer/   (browse the data; watch every request \
         live, with the reason of each refusal)\n"
    ));
    if let Some(file) = emulator.certificate_file() {
        page.push_str(&format!(
            "  certificate             {}   (self-signed; also at {endpoint}_explorer/emulator.pem)\n",
            file.display()
        ));
    }
    let verify = match emulator.certificate_file() {
        Some(file) => format!(", connection_verify=\"{}\"", file.display()),
        None => String::new(),
    };
    page.push_str(&format!(
        "\n{}\n\
         \x20 Python (azure-cosmos)   CosmosClient(\"{endpoint}\", credential=\"<primary key>\"{verify})\n\
         \x20 Rust (cosmolab-client)  CosmosClient::new(\"{endpoint}\", Credential::MasterKey(\n\
         \x20                             KeyCredential::from_base64(WELL_KNOWN_EMULATOR_KEY)?))\n\
         \x20 by hand                 sign with the primary key (lab 1); every refusal carries an\n\
         \x20                         x-cosmolab-deny-reason header saying which rule refused it\n\
         \x20 rotate a key            cargo run -p cosmolab-emulator -- keys regenerate primary \\\n\
         \x20                             --endpoint {endpoint}\n\
         \n\
         Data lives in memory and is gone when the emulator stops. Requests are logged below.\n\
         Ctrl-C stops it.\n",
        bold("Point an SDK at it:"),
    ));
    if !options.bind.is_loopback() {
        page.push_str(
            "\nIt listens beyond this machine, with a key everyone knows: only on a network you \
             trust.\n",
        );
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page names the endpoint, the well-known key and how to reach it from an SDK.
    #[tokio::test]
    async fn the_welcome_page_says_how_to_connect() {
        let emulator = Emulator::builder().start().await.unwrap();
        let options = Options {
            bind: "127.0.0.1".parse().unwrap(),
            port: 0,
            tls: false,
        };
        let page = welcome(Paint::plain(), &emulator, &options);
        assert!(
            page.starts_with(&format!(
                "cosmolab emulator ready at {}",
                emulator.endpoint()
            )),
            "{page}"
        );
        assert!(page.contains(WELL_KNOWN_EMULATOR_KEY), "{page}");
        assert!(page.contains("CosmosClient(\"http://127.0.0.1:"), "{page}");
        assert!(!page.contains("connection_verify"), "{page}");
        assert!(
            page.contains(&format!(
                "explorer                {}_explorer/",
                emulator.endpoint()
            )),
            "{page}"
        );
        assert!(!page.contains("network you trust"), "{page}");
    }
}
