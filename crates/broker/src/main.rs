//! `cosmolab-broker`: the mid-tier resource-token broker as a service (see the library's docs).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use cosmolab_broker::{Broker, BrokerConfig};

/// The mid-tier resource-token broker of seed 001.
///
/// Apps send `POST /token` with `Authorization: Bearer <JWT>` from the identity provider; the
/// broker verifies the token, makes sure the caller's Cosmos DB user has the permissions its
/// policy grants, and answers their resource tokens with the expiry the service issued. The
/// master key stays here. See docs/broker.md for the configuration file.
#[derive(Debug, Parser)]
#[command(version, about, long_about)]
struct Args {
    /// The configuration file (TOML): [cosmos], [identity], [tokens], [rate_limit], [[policy]].
    #[arg(
        long,
        short,
        env = "COSMOLAB_BROKER_CONFIG",
        default_value = "broker.toml"
    )]
    config: PathBuf,

    /// Where to listen. Put it behind your TLS terminator: bearer tokens must not travel in clear.
    #[arg(long, env = "COSMOLAB_BROKER_BIND", default_value = "127.0.0.1:8082")]
    bind: SocketAddr,

    /// Log lines as JSON (for a log collector) instead of text.
    #[arg(long, env = "COSMOLAB_BROKER_JSON_LOGS")]
    json_logs: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the configuration file and print what the broker would do, then exit.
    Check,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt().with_env_filter(filter);
    if args.json_logs {
        subscriber.json().init();
    } else {
        subscriber.init();
    }

    let config = BrokerConfig::load(&args.config).with_context(|| {
        format!(
            "the broker needs a configuration file; see docs/broker.md for an example (looked \
             for {})",
            args.config.display()
        )
    })?;
    if let Some(Command::Check) = args.command {
        config.master_key()?;
        println!(
            "account:  {} (database {})",
            config.cosmos.endpoint, config.cosmos.database
        );
        println!("issuer:   {}", config.issuer());
        println!("audience: {}", config.identity.audience);
        println!(
            "tokens:   {} s by default, at most {} s",
            config.tokens.lifetime_seconds, config.tokens.max_lifetime_seconds
        );
        for grant in &config.policy {
            println!(
                "policy:   {} — {:?} on container {}{}",
                grant.id,
                grant.mode,
                grant.container,
                grant
                    .partition_key
                    .as_deref()
                    .map(|key| format!(", partition {key}"))
                    .unwrap_or_default()
            );
        }
        println!("the configuration is valid");
        return Ok(());
    }

    let broker = Arc::new(Broker::new(config)?);
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| {
            format!(
                "could not listen on {} (is it in use? try --bind)",
                args.bind
            )
        })?;
    tracing::info!(address = %listener.local_addr()?, issuer = %broker.config().issuer(), "cosmolab-broker listening");
    axum::serve(listener, cosmolab_broker::router(broker))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
