//! `cosmolab-emulator`: the emulator as a standalone server, and a small client for its admin API.
//!
//! Run with: `cargo run -p cosmolab-emulator -- --port 8081`

use std::io::{IsTerminal as _, Write as _};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::builder::FalseyValueParser;
use clap::{Parser, Subcommand, ValueEnum};
use cosmolab_auth_signing::{MasterKey, WELL_KNOWN_EMULATOR_KEY, format_http_date};
use cosmolab_emulator::explorer::ExplorerAccess;
use cosmolab_emulator::{Emulator, KeyKind};

/// A Cosmos DB-compatible emulator that enforces access control like the service.
///
/// With no command it serves: the endpoint is printed on one line, `cosmolab-emulator ready at
/// <endpoint>`, as soon as requests are accepted; logs go to stderr; Ctrl-C or SIGTERM stops it.
/// The primary key defaults to the well-known emulator key; the others are random unless given.
/// Keys can also come from environment variables, which keeps them out of the process list.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Manage the keys of a running emulator (seed 001's rotation story).
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Register applications with the built-in identity provider (Entra ID's stand-in, seed 004).
    Apps {
        #[command(subcommand)]
        action: AppsAction,
    },
    /// Role definitions and assignments of a running emulator (seed 004's RBAC).
    ///
    /// A role lists data actions; an assignment gives one principal (an application's object id)
    /// one role at one scope: `/`, `/dbs/<db>` or `/dbs/<db>/colls/<container>`. Built-in roles:
    /// 00000000-0000-0000-0000-000000000001 (Data Reader), …0002 (Data Contributor).
    Roles {
        #[command(subcommand)]
        action: RolesAction,
    },
    /// Read an audit log written with --audit-log, filtered; one JSON line per record.
    ///
    /// Every data-plane request is a record: who (key kind, permission, or Entra principal as
    /// `aadPrincipalId` with the role assignment that allowed it as `aadAppliedRoleAssignmentId`),
    /// what (operation, resource), and the status, with the deny reason for a refusal. A running
    /// emulator also serves its recent records at `GET /_cosmolab/audit?principal=…&denied=true`.
    Audit {
        /// The audit log file.
        #[arg(long, env = "COSMOLAB_AUDIT_LOG")]
        file: PathBuf,
        /// Only the requests of this Entra principal (object id).
        #[arg(long)]
        principal: Option<String>,
        /// Only refused requests (401 and 403).
        #[arg(long)]
        denied: bool,
    },
    /// Check that an emulator answers (exit code 0) or not (1): the container image's HEALTHCHECK.
    ///
    /// Asks `GET /_cosmolab/health` on this machine's port (`--port`, or `COSMOLAB_PORT`), over
    /// https when `COSMOLAB_TLS` is set, and waits at most two seconds.
    Health {
        /// The port the emulator listens on.
        #[arg(long, default_value_t = 8081, env = "COSMOLAB_PORT")]
        port: u16,
        /// Ask over https (the emulator serves its self-signed certificate).
        #[arg(long, env = "COSMOLAB_TLS", value_parser = FalseyValueParser::new())]
        tls: bool,
    },
}

#[derive(Subcommand)]
enum KeysAction {
    /// Print the four keys of a running emulator (ARM `listKeys` shape).
    List(AdminArgs),
    /// Regenerate one key of a running emulator and print the new keys.
    ///
    /// Rotation without downtime: move clients to the secondary key, regenerate the primary, move
    /// them back, then regenerate the secondary.
    Regenerate {
        /// Which key to regenerate.
        kind: KeyArg,
        #[command(flatten)]
        admin: AdminArgs,
    },
}

#[derive(Subcommand)]
enum AppsAction {
    /// Register an application; prints its clientId, objectId and — this once — clientSecret.
    Register {
        /// A name for people.
        #[arg(long, default_value = "application")]
        name: String,
        /// The client id to use (default: a new GUID).
        #[arg(long)]
        client_id: Option<String>,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// List the registered applications (no secrets).
    List(AdminArgs),
}

#[derive(Subcommand)]
enum RolesAction {
    /// List the role definitions, built-in ones first.
    List(AdminArgs),
    /// Create or replace a custom role.
    ///
    /// Example: roles define point-reader --name "Point reader" --action
    /// Microsoft.DocumentDB/databaseAccounts/readMetadata --action
    /// Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read --scope /dbs/shop
    Define {
        /// The role's id.
        id: String,
        /// Its name for people.
        #[arg(long)]
        name: String,
        /// A data action it allows (repeat for more); wildcards `…/containers/*` and
        /// `…/containers/items/*` are allowed.
        #[arg(long = "action", required = true)]
        actions: Vec<String>,
        /// A scope it may be assigned at (repeat for more).
        #[arg(long = "scope", default_value = "/")]
        scopes: Vec<String>,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// Delete a custom role (refused while it is assigned).
    Delete {
        /// The role's id.
        id: String,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// Assign a role to a principal at a scope (create or replace the assignment `id`).
    Assign {
        /// The assignment's id.
        id: String,
        /// The role's id (a built-in one or yours).
        #[arg(long)]
        role: String,
        /// Where it applies: `/`, `/dbs/<db>` or `/dbs/<db>/colls/<container>`.
        #[arg(long)]
        scope: String,
        /// The principal's object id (an application's `objectId`).
        #[arg(long)]
        principal: String,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// List the role assignments.
    Assignments(AdminArgs),
    /// Delete a role assignment: its principal is refused from the next request on.
    Unassign {
        /// The assignment's id.
        id: String,
        #[command(flatten)]
        admin: AdminArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum KeyArg {
    Primary,
    Secondary,
    PrimaryReadonly,
    SecondaryReadonly,
}

impl From<KeyArg> for KeyKind {
    fn from(arg: KeyArg) -> Self {
        match arg {
            KeyArg::Primary => KeyKind::Primary,
            KeyArg::Secondary => KeyKind::Secondary,
            KeyArg::PrimaryReadonly => KeyKind::PrimaryReadonly,
            KeyArg::SecondaryReadonly => KeyKind::SecondaryReadonly,
        }
    }
}

#[derive(clap::Args)]
struct AdminArgs {
    /// The emulator's endpoint.
    #[arg(long, default_value = "http://127.0.0.1:8081/")]
    endpoint: String,
    /// The emulator's current primary key (base64).
    #[arg(long, env = "COSMOLAB_PRIMARY_KEY", hide_env_values = true, default_value = WELL_KNOWN_EMULATOR_KEY, hide_default_value = true)]
    key: String,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", env = "COSMOLAB_BIND")]
    bind: IpAddr,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8081, env = "COSMOLAB_PORT")]
    port: u16,
    /// Primary read-write key (base64). Default: the well-known emulator key.
    #[arg(long, env = "COSMOLAB_PRIMARY_KEY", hide_env_values = true)]
    primary_key: Option<String>,
    /// Secondary read-write key (base64). Default: random.
    #[arg(long, env = "COSMOLAB_SECONDARY_KEY", hide_env_values = true)]
    secondary_key: Option<String>,
    /// Primary read-only key (base64). Default: random.
    #[arg(long, env = "COSMOLAB_PRIMARY_READONLY_KEY", hide_env_values = true)]
    primary_readonly_key: Option<String>,
    /// Secondary read-only key (base64). Default: random.
    #[arg(long, env = "COSMOLAB_SECONDARY_READONLY_KEY", hide_env_values = true)]
    secondary_readonly_key: Option<String>,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Pretty, env = "COSMOLAB_LOG_FORMAT")]
    log_format: LogFormat,
    /// Serve https with a self-signed certificate generated at start.
    #[arg(long, env = "COSMOLAB_TLS", value_parser = FalseyValueParser::new())]
    tls: bool,
    /// Where to write the certificate with --tls (default: a file in the temp directory).
    #[arg(long, requires = "tls", env = "COSMOLAB_CERT_FILE")]
    cert_file: Option<PathBuf>,
    /// The Entra tenant id of the built-in identity provider (its token endpoint is
    /// `/<tenant>/oauth2/v2.0/token`).
    #[arg(long, env = "COSMOLAB_TENANT_ID", default_value = cosmolab_emulator::identity::DEFAULT_TENANT_ID)]
    tenant_id: String,
    /// Register the applications of this TOML file with the identity provider at start
    /// (`[[application]]` with display_name, client_id, client_secret or client_secret_env, and an
    /// optional fixed object_id; see docs/rbac.md).
    #[arg(long, env = "COSMOLAB_APPLICATIONS")]
    applications: Option<PathBuf>,
    /// Append every data-plane request, allowed or refused, to this file (one JSON line each);
    /// read it back with `cosmolab-emulator audit --file <file>`.
    #[arg(long, env = "COSMOLAB_AUDIT_LOG")]
    audit_log: Option<PathBuf>,
    /// Keep databases, containers, items, users and permissions in this directory, so they
    /// outlive the process: read back at start, every acknowledged write on disk before it is
    /// answered. Without it, everything is in memory and gone when the emulator stops.
    #[arg(long, env = "COSMOLAB_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Start with `disableLocalAuth` on: keys and resource tokens are refused, only Entra ID tokens
    /// work (change it later with `PATCH /_cosmolab/account`).
    #[arg(long, env = "COSMOLAB_DISABLE_LOCAL_AUTH", value_parser = FalseyValueParser::new())]
    disable_local_auth: bool,
    /// Who may open the explorer, the web pages at `/_explorer/` that browse the data and show
    /// every request live: `loopback` (this machine only), `anywhere` (e.g. a container's
    /// published port: the explorer acts as the account owner, so only where you trust the
    /// network), or `off`.
    #[arg(long, value_enum, default_value_t = ExplorerAccess::Loopback, env = "COSMOLAB_EXPLORER")]
    explorer: ExplorerAccess,
    /// How long one run of a stored procedure, trigger or query's user-defined functions may take
    /// before it is stopped with 408, like the service's 5-second limit (milliseconds).
    #[arg(long, default_value_t = 5000, env = "COSMOLAB_SCRIPT_TIME_LIMIT_MS", value_parser = clap::value_parser!(u64).range(1..=60_000))]
    script_time_limit_ms: u64,
    /// How much memory one script run may allocate before it is stopped (MiB).
    #[arg(long, default_value_t = 64, env = "COSMOLAB_SCRIPT_MEMORY_LIMIT_MB", value_parser = clap::value_parser!(u64).range(1..=4096))]
    script_memory_limit_mb: u64,
    /// Enable `POST /_cosmolab/clock/advance`, which moves token time forward. For tests only.
    #[arg(long, env = "COSMOLAB_ENABLE_TIME_TRAVEL", value_parser = FalseyValueParser::new())]
    enable_time_travel: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Pretty,
    Json,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Keys { action }) => keys(action).await,
        Some(Command::Apps { action }) => apps(action).await,
        Some(Command::Roles { action }) => roles(action).await,
        Some(Command::Health { port, tls }) => health(port, tls).await,
        Some(Command::Audit {
            file,
            principal,
            denied,
        }) => audit(&file, principal, denied),
    }
}

/// `audit`: the records of `file` that pass the filter, as JSON lines on stdout.
fn audit(file: &std::path::Path, principal: Option<String>, denied: bool) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| {
        format!(
            "could not read the audit log {}; start the emulator with --audit-log {} to write it",
            file.display(),
            file.display()
        )
    })?;
    let filter = cosmolab_emulator::audit::AuditFilter { principal, denied };
    let records = cosmolab_emulator::audit::read_file(&text, &filter)
        .map_err(|problem| anyhow::anyhow!("{}: {problem}", file.display()))?;
    let mut stdout = std::io::stdout().lock();
    for record in &records {
        writeln!(stdout, "{}", serde_json::to_string(record)?)?;
    }
    eprintln!("{} record(s)", records.len());
    Ok(())
}

/// `health`: one request to the health endpoint; an error (exit code 1) unless it answers 200.
async fn health(port: u16, tls: bool) -> anyhow::Result<()> {
    let scheme = if tls { "https" } else { "http" };
    let url = format!("{scheme}://127.0.0.1:{port}/_cosmolab/health");
    // The emulator's own certificate is self-signed; this probe only ever talks to loopback.
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(std::time::Duration::from_secs(2))
        .build()?;
    let response = client
        .get(&url)
        .send()
        .await
        .with_context(|| format!("no emulator answers at {url}"))?;
    if !response.status().is_success() {
        bail!("{url} answered {}", response.status());
    }
    println!("healthy: {url}");
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log file or a test harness should get plain text.
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match args.log_format {
        LogFormat::Pretty => subscriber.init(),
        LogFormat::Json => subscriber.json().init(),
    }

    let mut builder = Emulator::builder().address(SocketAddr::new(args.bind, args.port));
    for (kind, text, flag) in [
        (KeyKind::Primary, &args.primary_key, "--primary-key"),
        (KeyKind::Secondary, &args.secondary_key, "--secondary-key"),
        (
            KeyKind::PrimaryReadonly,
            &args.primary_readonly_key,
            "--primary-readonly-key",
        ),
        (
            KeyKind::SecondaryReadonly,
            &args.secondary_readonly_key,
            "--secondary-readonly-key",
        ),
    ] {
        if let Some(text) = text {
            let key = MasterKey::from_base64(text)
                .with_context(|| format!("{flag} is not a usable key"))?;
            builder = builder.key(kind, key);
        }
    }
    if args.tls {
        builder = builder.tls(args.cert_file);
    }
    if let Some(path) = &args.data_dir {
        builder = builder.data_dir(path);
    }
    if let Some(path) = &args.audit_log {
        builder = builder.audit_log(path);
    }
    let applications = match &args.applications {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("could not read --applications {}", path.display()))?;
            Some(
                cosmolab_emulator::identity::ApplicationsFile::parse(&text)
                    .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?,
            )
        }
        None => None,
    };
    if args.tenant_id.is_empty()
        || !args
            .tenant_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        bail!(
            "--tenant-id must be a tenant id (a GUID) or a domain name: letters, digits, '-' and '.'"
        );
    }
    builder = builder.tenant_id(&args.tenant_id);
    let emulator = builder
        .time_travel(args.enable_time_travel)
        .disable_local_auth(args.disable_local_auth)
        .explorer(args.explorer)
        .script_limits(cosmolab_emulator::scripts::ScriptLimits {
            time: std::time::Duration::from_millis(args.script_time_limit_ms),
            memory_bytes: usize::try_from(args.script_memory_limit_mb * 1024 * 1024)
                .unwrap_or(usize::MAX),
        })
        .start()
        .await?;

    if let Some(applications) = &applications {
        let registered = applications
            .register_all(&emulator.state().identity)
            .map_err(anyhow::Error::msg)?;
        for application in registered {
            eprintln!(
                "application `{}` registered: client id {}, object id {}",
                application.display_name, application.client_id, application.object_id
            );
        }
    }
    if let Some(file) = emulator.certificate_file() {
        eprintln!(
            "certificate written to {} (also at {}_explorer/emulator.pem)",
            file.display(),
            emulator.endpoint()
        );
    }
    if args.enable_time_travel {
        eprintln!(
            "time travel is ENABLED: POST /_cosmolab/clock/advance can expire tokens (tests only)"
        );
    }
    if args.bind.is_unspecified() {
        // 0.0.0.0 is where it listens, not an address to connect to: say what clients should use.
        eprintln!(
            "listening on every interface: clients connect to this host's address on port {} \
             (in a container: the port it is published on, e.g. `docker run -p 8081:8081`)",
            emulator.address().port()
        );
    }
    if args.explorer != ExplorerAccess::Off {
        eprintln!(
            "explorer: {}_explorer/ (data, users and permissions, roles, keys, and every request \
             live)",
            emulator.endpoint()
        );
    }
    // The one line scripts wait for; flushed at once so a pipe reader sees it.
    println!("cosmolab-emulator ready at {}", emulator.endpoint());
    std::io::stdout().flush()?;

    shutdown_signal().await;
    eprintln!("shutting down");
    emulator.shutdown();
    Ok(())
}

/// Waits for Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// `keys list` and `keys regenerate`: signed requests to the admin API.
async fn keys(action: KeysAction) -> anyhow::Result<()> {
    let (admin, method, path, body) = match action {
        KeysAction::List(admin) => (admin, reqwest::Method::GET, "_cosmolab/keys", None),
        KeysAction::Regenerate { kind, admin } => (
            admin,
            reqwest::Method::POST,
            "_cosmolab/keys/regenerate",
            Some(serde_json::json!({"keyKind": KeyKind::from(kind).arm_name()})),
        ),
    };
    println!("{}", call_admin(&admin, method, path, body).await?);
    Ok(())
}

/// `apps …`: the identity provider's applications.
async fn apps(action: AppsAction) -> anyhow::Result<()> {
    let answer = match action {
        AppsAction::Register {
            name,
            client_id,
            admin,
        } => {
            let mut body = serde_json::json!({"displayName": name});
            if let Some(client_id) = client_id {
                body["clientId"] = client_id.into();
            }
            let answer = call_admin(
                &admin,
                reqwest::Method::POST,
                "_cosmolab/identity/applications",
                Some(body),
            )
            .await?;
            eprintln!(
                "the clientSecret is shown this once: give it to the application now (the emulator \
                 keeps only its hash)"
            );
            answer
        }
        AppsAction::List(admin) => {
            call_admin(
                &admin,
                reqwest::Method::GET,
                "_cosmolab/identity/applications",
                None,
            )
            .await?
        }
    };
    println!("{answer}");
    Ok(())
}

/// `roles …`: role definitions and assignments, in Resource Manager's shapes.
async fn roles(action: RolesAction) -> anyhow::Result<()> {
    use reqwest::Method;
    let answer = match action {
        RolesAction::List(admin) => {
            call_admin(&admin, Method::GET, "_cosmolab/sqlRoleDefinitions", None).await?
        }
        RolesAction::Define {
            id,
            name,
            actions,
            scopes,
            admin,
        } => {
            let body = serde_json::json!({"properties": {
                "roleName": name,
                "type": "CustomRole",
                "assignableScopes": scopes,
                "permissions": [{"dataActions": actions}],
            }});
            let path = format!("_cosmolab/sqlRoleDefinitions/{id}");
            call_admin(&admin, Method::PUT, &path, Some(body)).await?
        }
        RolesAction::Delete { id, admin } => {
            let path = format!("_cosmolab/sqlRoleDefinitions/{id}");
            call_admin(&admin, Method::DELETE, &path, None).await?;
            format!("role definition {id} deleted")
        }
        RolesAction::Assign {
            id,
            role,
            scope,
            principal,
            admin,
        } => {
            let body = serde_json::json!({"properties": {
                "roleDefinitionId": role,
                "scope": scope,
                "principalId": principal,
            }});
            let path = format!("_cosmolab/sqlRoleAssignments/{id}");
            call_admin(&admin, Method::PUT, &path, Some(body)).await?
        }
        RolesAction::Assignments(admin) => {
            call_admin(&admin, Method::GET, "_cosmolab/sqlRoleAssignments", None).await?
        }
        RolesAction::Unassign { id, admin } => {
            let path = format!("_cosmolab/sqlRoleAssignments/{id}");
            call_admin(&admin, Method::DELETE, &path, None).await?;
            format!("role assignment {id} deleted")
        }
    };
    println!("{answer}");
    Ok(())
}

/// One request to a running emulator's admin API, signed with the primary key; its body.
async fn call_admin(
    admin: &AdminArgs,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> anyhow::Result<String> {
    let key = MasterKey::from_base64(&admin.key).context("--key is not a usable key")?;
    let address = cosmolab_auth_signing::ResourceAddress::from_path(path)?;
    let date = format_http_date(std::time::SystemTime::now());
    let authorization = key.authorize(
        method.as_str(),
        address.resource_type(),
        &address.resource_link(),
        &date,
    );
    let url = format!("{}/{path}", admin.endpoint.trim_end_matches('/'));
    // The emulator's certificate is self-signed; this client only ever talks to an emulator.
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()?;
    let mut request = client
        .request(method, &url)
        .header("authorization", authorization)
        .header("x-ms-date", date);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.with_context(|| {
        format!(
            "could not reach the emulator at {}; is it running?",
            admin.endpoint
        )
    })?;
    let status = response.status();
    let reason = response
        .headers()
        .get("x-cosmolab-deny-reason")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await?;
    if !status.is_success() {
        bail!(
            "the emulator answered {status}: {text}{}",
            reason.map(|r| format!("\nreason: {r}")).unwrap_or_default()
        );
    }
    Ok(text)
}
