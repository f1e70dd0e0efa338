//! The broker's configuration file (TOML): which account, which identities, which policy.
//!
//! ```toml
//! [cosmos]
//! endpoint = "http://127.0.0.1:8081/"   # the account (here the emulator)
//! key_file = "/run/secrets/cosmos-key"  # the master key, read from a file (or `key = "…"`)
//! database = "app"                      # the database whose users and permissions it manages
//!
//! [identity]
//! issuer = "http://127.0.0.1:8081/c05a1ab0-c05a-4ab0-8c05-a1ab0c05a1ab/v2.0"
//! audience = "api://cosmolab-broker"    # what the apps' tokens must be for: this broker
//!
//! [tokens]
//! lifetime_seconds = 3600               # what a caller gets unless it asks for less
//! max_lifetime_seconds = 3600           # the most a caller can ask for
//!
//! [rate_limit]
//! requests_per_minute = 30              # per identity
//!
//! [[policy]]                            # one entry per permission every identity gets
//! id = "own-items"
//! container = "items"
//! mode = "All"
//! partition_key = "{subject}"           # each user sees only its own partition
//!
//! [[policy]]
//! id = "catalog"
//! container = "catalog"
//! mode = "Read"
//! ```
//!
//! Only `[cosmos] endpoint`, `[identity] audience` and one `[[policy]]` entry are required. On
//! this machine's emulator (a loopback endpoint) the key defaults to the emulator's well-known
//! key and the issuer to its identity provider's default tenant; for any other endpoint both must
//! be given. The master key never appears in `Debug` output or logs.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cosmolab_auth_signing::{MasterKey, WELL_KNOWN_EMULATOR_KEY};
use serde::Deserialize;

use crate::policy::Grant;

/// The tenant of the cosmolab emulator's identity provider, unless it was started with another.
pub const EMULATOR_TENANT_ID: &str = "c05a1ab0-c05a-4ab0-8c05-a1ab0c05a1ab";

/// The shortest lifetime the service grants a resource token (seconds).
pub const MIN_TOKEN_LIFETIME_SECONDS: u64 = 600;

/// The longest lifetime the service grants a resource token (seconds): five hours.
pub const MAX_TOKEN_LIFETIME_SECONDS: u64 = 18_000;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerConfig {
    /// The account and the database the broker manages.
    pub cosmos: CosmosSection,
    /// Whose tokens the broker trusts.
    pub identity: IdentitySection,
    /// How long the resource tokens it hands out live.
    #[serde(default)]
    pub tokens: TokensSection,
    /// How often one identity may ask.
    #[serde(default)]
    pub rate_limit: RateLimitSection,
    /// What every identity gets: one permission per entry.
    pub policy: Vec<Grant>,
}

/// `[cosmos]`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CosmosSection {
    /// The account's endpoint, e.g. `https://myaccount.documents.azure.com:443/`.
    pub endpoint: String,
    /// The master key itself (prefer `key_file`: a key in a config file ends up in backups).
    #[serde(default)]
    pub key: Option<String>,
    /// A file holding the master key (surrounding whitespace ignored).
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// The database whose users and permissions the broker manages.
    #[serde(default = "default_database")]
    pub database: String,
}

/// `[identity]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentitySection {
    /// The issuer (`iss`) of the tokens the broker accepts; its OpenID discovery document is at
    /// `<issuer>/.well-known/openid-configuration`.
    #[serde(default)]
    pub issuer: Option<String>,
    /// The audience (`aud`) the tokens must name: this broker's application id URI.
    pub audience: String,
}

/// `[tokens]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokensSection {
    /// The lifetime given when the caller does not ask for one.
    #[serde(default = "default_lifetime")]
    pub lifetime_seconds: u64,
    /// The longest lifetime a caller may ask for.
    #[serde(default = "default_lifetime")]
    pub max_lifetime_seconds: u64,
}

/// `[rate_limit]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSection {
    /// Token requests one identity may make per minute (bursts included).
    #[serde(default = "default_requests_per_minute")]
    pub requests_per_minute: u32,
}

fn default_database() -> String {
    "app".to_owned()
}

fn default_lifetime() -> u64 {
    3600
}

fn default_requests_per_minute() -> u32 {
    30
}

impl Default for TokensSection {
    fn default() -> Self {
        Self {
            lifetime_seconds: default_lifetime(),
            max_lifetime_seconds: default_lifetime(),
        }
    }
}

impl Default for RateLimitSection {
    fn default() -> Self {
        Self {
            requests_per_minute: default_requests_per_minute(),
        }
    }
}

impl fmt::Debug for CosmosSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CosmosSection")
            .field("endpoint", &self.endpoint)
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("key_file", &self.key_file)
            .field("database", &self.database)
            .finish()
    }
}

/// A configuration that cannot be used, and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("could not read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is malformed or has unknown or missing fields.
    #[error("{path} is not a valid broker configuration: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// serde's explanation, with the line.
        message: String,
    },
    /// The values do not make sense together.
    #[error("invalid broker configuration: {0}")]
    Invalid(String),
}

impl BrokerConfig {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let config: Self = toml::from_str(&text).map_err(|error| ConfigError::Parse {
            path: path.to_owned(),
            message: error.to_string(),
        })?;
        config.validated()
    }

    /// Parses and checks a configuration given as text.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: PathBuf::from("<text>"),
            message: error.to_string(),
        })?;
        config.validated()
    }

    /// Checks what serde cannot: lifetimes within the service's bounds, a policy that is not
    /// empty and whose ids are unique, an issuer and key where no default applies.
    pub fn validated(self) -> Result<Self, ConfigError> {
        let invalid = |message: String| Err(ConfigError::Invalid(message));
        let tokens = &self.tokens;
        let bounds = MIN_TOKEN_LIFETIME_SECONDS..=MAX_TOKEN_LIFETIME_SECONDS;
        if !bounds.contains(&tokens.max_lifetime_seconds) {
            return invalid(format!(
                "[tokens] max_lifetime_seconds = {} is outside what the service grants \
                 ({MIN_TOKEN_LIFETIME_SECONDS} to {MAX_TOKEN_LIFETIME_SECONDS} seconds)",
                tokens.max_lifetime_seconds
            ));
        }
        if !(MIN_TOKEN_LIFETIME_SECONDS..=tokens.max_lifetime_seconds)
            .contains(&tokens.lifetime_seconds)
        {
            return invalid(format!(
                "[tokens] lifetime_seconds = {} must be between {MIN_TOKEN_LIFETIME_SECONDS} and \
                 max_lifetime_seconds ({})",
                tokens.lifetime_seconds, tokens.max_lifetime_seconds
            ));
        }
        if self.rate_limit.requests_per_minute == 0 {
            return invalid("[rate_limit] requests_per_minute must be at least 1".to_owned());
        }
        if self.policy.is_empty() {
            return invalid(
                "the policy is empty: add at least one [[policy]] entry (id, container, mode)"
                    .to_owned(),
            );
        }
        let mut ids: Vec<&str> = self.policy.iter().map(|grant| grant.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(pair) = ids.windows(2).find(|pair| pair[0] == pair[1]) {
            return invalid(format!(
                "two [[policy]] entries have the id `{}`: permission ids are unique per user",
                pair[0]
            ));
        }
        for grant in &self.policy {
            grant.check().map_err(ConfigError::Invalid)?;
        }
        if self.cosmos.key.is_some() && self.cosmos.key_file.is_some() {
            return invalid("[cosmos] has both key and key_file: keep one".to_owned());
        }
        if !self.is_local() {
            if self.cosmos.key.is_none() && self.cosmos.key_file.is_none() {
                return invalid(format!(
                    "[cosmos] needs key_file (or key) for {}: the well-known emulator key is \
                     only assumed for an emulator on this machine",
                    self.cosmos.endpoint
                ));
            }
            if self.identity.issuer.is_none() {
                return invalid(
                    "[identity] needs issuer: the emulator's identity provider is only assumed \
                     for an emulator on this machine"
                        .to_owned(),
                );
            }
        }
        reqwest::Url::parse(&self.cosmos.endpoint).map_err(|error| {
            ConfigError::Invalid(format!(
                "[cosmos] endpoint `{}` is not a URL: {error}",
                self.cosmos.endpoint
            ))
        })?;
        Ok(self)
    }

    /// Whether the account is an emulator on this machine (a loopback endpoint).
    pub fn is_local(&self) -> bool {
        reqwest::Url::parse(&self.cosmos.endpoint)
            .is_ok_and(|url| matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")))
    }

    /// The master key: `key`, the contents of `key_file`, or the emulator's well-known key.
    pub fn master_key(&self) -> Result<MasterKey, ConfigError> {
        let text = match (&self.cosmos.key, &self.cosmos.key_file) {
            (Some(key), _) => key.clone(),
            (None, Some(path)) => {
                std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?
            }
            (None, None) => WELL_KNOWN_EMULATOR_KEY.to_owned(),
        };
        MasterKey::from_base64(text.trim()).map_err(|error| {
            ConfigError::Invalid(format!("[cosmos] the master key is not valid: {error}"))
        })
    }

    /// The issuer: as configured, or the emulator's identity provider at the endpoint.
    pub fn issuer(&self) -> String {
        self.identity.issuer.clone().unwrap_or_else(|| {
            format!(
                "{}/{EMULATOR_TENANT_ID}/v2.0",
                self.cosmos.endpoint.trim_end_matches('/')
            )
        })
    }

    /// The lifetime for a request asking for `requested` seconds (or nothing): the default when
    /// not asked, never more than the maximum, never less than the service's minimum.
    pub fn lifetime_for(&self, requested: Option<u64>) -> Duration {
        let seconds = requested
            .unwrap_or(self.tokens.lifetime_seconds)
            .clamp(MIN_TOKEN_LIFETIME_SECONDS, self.tokens.max_lifetime_seconds);
        Duration::from_secs(seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        [cosmos]
        endpoint = "http://127.0.0.1:8081/"
        [identity]
        audience = "api://cosmolab-broker"
        [[policy]]
        id = "own-items"
        container = "items"
        mode = "All"
        partition_key = "{subject}"
    "#;

    #[test]
    fn a_local_emulator_needs_no_key_nor_issuer() {
        let config = BrokerConfig::parse(MINIMAL).unwrap();
        assert!(config.is_local());
        assert_eq!(
            config.issuer(),
            format!("http://127.0.0.1:8081/{EMULATOR_TENANT_ID}/v2.0")
        );
        assert!(config.master_key().is_ok());
        assert_eq!(config.cosmos.database, "app");
    }

    #[test]
    fn a_remote_account_needs_a_key_and_an_issuer() {
        let remote = MINIMAL.replace(
            "http://127.0.0.1:8081/",
            "https://contoso.documents.azure.com:443/",
        );
        let error = BrokerConfig::parse(&remote).unwrap_err().to_string();
        assert!(error.contains("key_file"), "{error}");
    }

    #[test]
    fn lifetimes_are_bounded() {
        let config = BrokerConfig::parse(MINIMAL).unwrap();
        assert_eq!(config.lifetime_for(None), Duration::from_secs(3600));
        assert_eq!(config.lifetime_for(Some(60)), Duration::from_secs(600));
        assert_eq!(config.lifetime_for(Some(99_999)), Duration::from_secs(3600));
        let too_long = format!("{MINIMAL}\n[tokens]\nmax_lifetime_seconds = 86400\n");
        assert!(BrokerConfig::parse(&too_long).is_err());
    }

    #[test]
    fn mistakes_are_named() {
        let duplicate = format!(
            "{MINIMAL}\n[[policy]]\nid = \"own-items\"\ncontainer = \"other\"\nmode = \"Read\"\n"
        );
        let error = BrokerConfig::parse(&duplicate).unwrap_err().to_string();
        assert!(error.contains("own-items"), "{error}");
        let unknown = MINIMAL.replace("audience", "audiance");
        assert!(BrokerConfig::parse(&unknown).is_err());
    }

    #[test]
    fn the_key_is_not_in_debug_output() {
        let with_key = MINIMAL.replace(
            "endpoint = \"http://127.0.0.1:8081/\"",
            &format!("endpoint = \"http://127.0.0.1:8081/\"\nkey = \"{WELL_KNOWN_EMULATOR_KEY}\""),
        );
        let config = BrokerConfig::parse(&with_key).unwrap();
        assert!(!format!("{config:?}").contains(WELL_KNOWN_EMULATOR_KEY));
    }
}
