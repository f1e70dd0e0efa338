//! The emulator's identity provider: Entra ID's client-credentials flow, offline (seed 004).
//!
//! On Azure an application proves who it is to Entra ID, gets a signed token, and sends it to
//! Cosmos DB as `type=aad&ver=1.0&sig=<jwt>`; Cosmos DB checks the signature with Entra's public
//! keys and then asks its role assignments whether that principal may do what it asks. Trainees
//! must be able to practise this without a tenant, so the emulator plays Entra too:
//!
//! ```text
//!  application                          emulator (identity provider)          emulator (Cosmos DB)
//!  ───────────                          ────────────────────────────          ────────────────────
//!  POST /{tenant}/oauth2/v2.0/token  ─▶ client id + secret known?
//!    grant_type=client_credentials      scope = <resource>/.default
//!                                    ◀─ RS256 JWT: oid, tid, aud, iss, exp, nbf
//!  GET /dbs  Authorization: type=aad&ver=1.0&sig=<jwt>  ─────────────────▶ signature (JWKS key),
//!                                                                          issuer, audience,
//!                                                                          expiry on the emulator's
//!                                                                          clock ─▶ Caller::Entra
//! ```
//!
//! Applications are registered through the admin API (`POST /_cosmolab/identity/applications`,
//! primary key). Discovery (`/{tenant}/v2.0/.well-known/openid-configuration`) and the public keys
//! (`/{tenant}/discovery/v2.0/keys`) are served like Entra's, so any OIDC library can verify our
//! tokens. The signing key is one RSA-2048 key per process, made on first use: every emulator of a
//! process is then an account of the same tenant, as two accounts of one Entra tenant are.
//!
//! JWTs are parsed and verified by `jsonwebtoken`, never by hand. The HTTP side is [`routes`].

pub mod routes;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// The tenant the emulator's identity provider serves unless told otherwise.
pub const DEFAULT_TENANT_ID: &str = "c05a1ab0-c05a-4ab0-8c05-a1ab0c05a1ab";

/// The audience every Cosmos DB account accepts, besides its own endpoint.
pub const COSMOS_AUDIENCE: &str = "https://cosmos.azure.com";

/// How long an access token lives: Entra's default for applications is 60 to 90 minutes.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// How far `exp` and `nbf` may be off: a small allowance for clocks that disagree.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// An application registered with the identity provider.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// The application (client) id the application signs in with.
    pub client_id: String,
    /// Its service principal's object id: the `oid` of its tokens, the principal roles are
    /// assigned to.
    pub object_id: String,
    /// A name for people.
    pub display_name: String,
    /// SHA-256 of the client secret: the secret itself is shown once, when registered.
    #[serde(skip)]
    secret_sha256: [u8; 32],
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("client_id", &self.client_id)
            .field("object_id", &self.object_id)
            .field("display_name", &self.display_name)
            .finish_non_exhaustive()
    }
}

/// What registering an application returns: the application and, this once, its secret.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Registered {
    /// The application.
    #[serde(flatten)]
    pub application: Application,
    /// The client secret, to give to the application; it cannot be read back later.
    pub client_secret: String,
    /// The tenant it belongs to.
    pub tenant_id: String,
}

impl std::fmt::Debug for Registered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registered")
            .field("application", &self.application)
            .field("client_secret", &"<redacted>")
            .field("tenant_id", &self.tenant_id)
            .finish()
    }
}

/// A caller whose Entra token checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraPrincipal {
    /// The principal's object id (`oid`): what role assignments name.
    pub object_id: String,
    /// The tenant (`tid`).
    pub tenant_id: String,
    /// The application it signed in as (`appid`).
    pub app_id: String,
}

/// The claims of our access tokens: the subset of Entra's that Cosmos DB reads, plus the ones any
/// JWT library expects.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    aud: String,
    iss: String,
    iat: u64,
    nbf: u64,
    exp: u64,
    oid: String,
    sub: String,
    tid: String,
    appid: String,
    azp: String,
    idtyp: String,
    ver: String,
}

/// A token request that the identity provider refuses, in Entra's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    /// The HTTP status: 400, or 401 for a wrong secret.
    pub status: u16,
    /// The OAuth error code (`invalid_client`, `invalid_scope`, …).
    pub error: &'static str,
    /// Entra's `AADSTS…` code.
    pub code: u32,
    /// What went wrong, for people.
    pub description: String,
}

impl TokenError {
    fn new(status: u16, error: &'static str, code: u32, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            code,
            description: format!("AADSTS{code}: {}", description.into()),
        }
    }

    /// The JSON body Entra sends with such an error.
    pub fn body(&self) -> Value {
        json!({
            "error": self.error,
            "error_description": self.description,
            "error_codes": [self.code],
            "timestamp": rfc3339_now(),
            "trace_id": uuid::Uuid::new_v4().to_string(),
            "correlation_id": uuid::Uuid::new_v4().to_string(),
        })
    }
}

/// The form of `POST /{tenant}/oauth2/v2.0/token` (client credentials).
#[derive(Debug, Default, Deserialize)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[serde(default)]
    pub grant_type: String,
    /// The application's client id.
    #[serde(default)]
    pub client_id: String,
    /// The application's secret.
    #[serde(default)]
    pub client_secret: String,
    /// `<resource>/.default`, e.g. `https://cosmos.azure.com/.default`.
    #[serde(default)]
    pub scope: String,
}

/// A granted token, as Entra's token endpoint answers it.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// The same, as Entra also sends it.
    pub ext_expires_in: u64,
    /// The JWT.
    pub access_token: String,
}

/// The tenant's signing key: one per process, made on first use (see the module's docs).
struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// The public key as a JWK's `n` and `e` (base64url).
    modulus: String,
    exponent: String,
}

fn signing_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        use rsa::pkcs1::EncodeRsaPrivateKey as _;
        use rsa::traits::PublicKeyParts as _;
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
            .expect("generating an RSA-2048 key cannot fail with the OS's random source");
        let der = private
            .to_pkcs1_der()
            .expect("an RSA key always encodes as PKCS#1");
        let modulus = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
        let exponent = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(modulus.as_bytes())[..12]);
        let decoding = DecodingKey::from_rsa_components(&modulus, &exponent)
            .expect("a key we just made has valid components");
        SigningKey {
            kid,
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            decoding,
            modulus,
            exponent,
        }
    })
}

/// The identity provider of one emulator: its tenant and its registered applications.
#[derive(Debug)]
pub struct IdentityProvider {
    tenant_id: String,
    applications: RwLock<BTreeMap<String, Application>>,
}

impl Default for IdentityProvider {
    fn default() -> Self {
        Self::new(DEFAULT_TENANT_ID)
    }
}

impl IdentityProvider {
    /// An identity provider for `tenant_id`, with no application registered.
    pub fn new(tenant_id: impl Into<String>) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            applications: RwLock::new(BTreeMap::new()),
        }
    }

    /// The tenant it serves.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The issuer of its tokens when reached at `origin` (`http://127.0.0.1:8081`).
    pub fn issuer(&self, origin: &str) -> String {
        format!("{}/{}/v2.0", origin.trim_end_matches('/'), self.tenant_id)
    }

    /// Registers an application; a client id or secret not given is made up. Registering an
    /// existing client id again replaces its secret (as adding a new secret in the portal would,
    /// with the old one removed).
    pub fn register(
        &self,
        display_name: &str,
        client_id: Option<String>,
        client_secret: Option<String>,
    ) -> Registered {
        self.register_as(display_name, client_id, client_secret, None)
    }

    /// [`register`](Self::register), with the object id given too (from a configuration file,
    /// so that scripts can assign roles to a principal they know in advance).
    pub fn register_as(
        &self,
        display_name: &str,
        client_id: Option<String>,
        client_secret: Option<String>,
        object_id: Option<String>,
    ) -> Registered {
        let client_id = client_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let client_secret = client_secret.unwrap_or_else(new_secret);
        let mut applications = self
            .applications
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let object_id = object_id
            .or_else(|| {
                applications
                    .get(&client_id)
                    .map(|existing| existing.object_id.clone())
            })
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let application = Application {
            client_id: client_id.clone(),
            object_id,
            display_name: display_name.to_owned(),
            secret_sha256: Sha256::digest(client_secret.as_bytes()).into(),
        };
        applications.insert(client_id, application.clone());
        Registered {
            application,
            client_secret,
            tenant_id: self.tenant_id.clone(),
        }
    }

    /// Every registered application, by client id (no secrets).
    pub fn applications(&self) -> Vec<Application> {
        self.applications
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// The client-credentials grant: checks the tenant, the grant, the client and its secret, and
    /// the scope, then issues a token for `<resource>` of `<resource>/.default`, valid from `now`.
    pub fn issue(
        &self,
        tenant: &str,
        request: &TokenRequest,
        origin: &str,
        now: SystemTime,
    ) -> Result<TokenResponse, TokenError> {
        if tenant != self.tenant_id {
            return Err(TokenError::new(
                400,
                "invalid_request",
                90002,
                format!(
                    "Tenant '{tenant}' not found. This emulator's tenant is '{}'.",
                    self.tenant_id
                ),
            ));
        }
        if request.grant_type.is_empty() {
            return Err(TokenError::new(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'. Send a \
                 form (application/x-www-form-urlencoded) with grant_type=client_credentials, \
                 client_id, client_secret and scope.",
            ));
        }
        if request.grant_type != "client_credentials" {
            return Err(TokenError::new(
                400,
                "unsupported_grant_type",
                70003,
                format!(
                    "The app requested an unsupported grant type '{}'. This identity provider \
                     supports only 'client_credentials'.",
                    request.grant_type
                ),
            ));
        }
        let application = self
            .applications
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&request.client_id)
            .cloned()
            .ok_or_else(|| {
                TokenError::new(
                    400,
                    "unauthorized_client",
                    700016,
                    format!(
                        "Application with identifier '{}' was not found in the directory '{}'. \
                         Register it first (POST /_cosmolab/identity/applications).",
                        request.client_id, self.tenant_id
                    ),
                )
            })?;
        let offered: [u8; 32] = Sha256::digest(request.client_secret.as_bytes()).into();
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            &offered[..],
            &application.secret_sha256[..],
        )) {
            return Err(TokenError::new(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is \
                 the client secret value, not the client secret ID.",
            ));
        }
        let audience = request
            .scope
            .split_whitespace()
            .find_map(|scope| scope.strip_suffix("/.default"))
            .filter(|resource| !resource.is_empty())
            .ok_or_else(|| {
                TokenError::new(
                    400,
                    "invalid_scope",
                    1002012,
                    format!(
                        "The provided value for scope '{}' is not valid. Client credential flows \
                         must have a scope value with /.default suffixed to the resource \
                         identifier (application ID URI).",
                        request.scope
                    ),
                )
            })?;

        let issued = unix_seconds(now);
        let claims = Claims {
            aud: audience.to_owned(),
            iss: self.issuer(origin),
            iat: issued,
            nbf: issued,
            exp: issued + TOKEN_LIFETIME.as_secs(),
            oid: application.object_id.clone(),
            sub: application.object_id.clone(),
            tid: self.tenant_id.clone(),
            appid: application.client_id.clone(),
            azp: application.client_id.clone(),
            idtyp: "app".to_owned(),
            ver: "2.0".to_owned(),
        };
        let key = signing_key();
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.kid.clone());
        let access_token = jsonwebtoken::encode(&header, &claims, &key.encoding)
            .expect("encoding claims we built with a key we made cannot fail");
        Ok(TokenResponse {
            token_type: "Bearer",
            expires_in: TOKEN_LIFETIME.as_secs() - 1,
            ext_expires_in: TOKEN_LIFETIME.as_secs() - 1,
            access_token,
        })
    }

    /// Checks an access token presented to the account at `origin`: RS256 signature by the
    /// tenant's key, issuer (this tenant), audience (`origin`, with or without its port, or
    /// [`COSMOS_AUDIENCE`]), and expiry
    /// and not-before on `now` (the emulator's clock) with [`CLOCK_SKEW`]. The error says which
    /// check failed, for the deny reason.
    pub fn validate(
        &self,
        jwt: &str,
        origin: &str,
        now: SystemTime,
    ) -> Result<EntraPrincipal, String> {
        let key = signing_key();
        let header = jsonwebtoken::decode_header(jwt)
            .map_err(|error| format!("the token is not a JWT ({error})"))?;
        if header.alg != Algorithm::RS256 {
            return Err(format!(
                "the token is signed with {:?}; Entra ID tokens are RS256",
                header.alg
            ));
        }
        if header.kid.as_deref() != Some(key.kid.as_str()) {
            return Err(format!(
                "the token names signing key {:?}, which is not one of this tenant's keys \
                 (/{}/discovery/v2.0/keys)",
                header.kid, self.tenant_id
            ));
        }
        let origin = origin.trim_end_matches('/');
        // SDKs ask for `<scheme>://<host>/.default`, without the port (the service listens on
        // 443); accept the origin with and without it.
        let without_port = match origin.rsplit_once(':') {
            Some((rest, port))
                if !rest.ends_with(':') && port.chars().all(|c| c.is_ascii_digit()) =>
            {
                rest
            }
            _ => origin,
        };
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[
            origin.to_owned(),
            format!("{origin}/"),
            without_port.to_owned(),
            format!("{without_port}/"),
            COSMOS_AUDIENCE.to_owned(),
            format!("{COSMOS_AUDIENCE}/"),
        ]);
        // Time is checked below, on the emulator's clock (which tests can move forward), not on
        // the machine's, which is all `jsonwebtoken` knows.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss"]);
        let claims = jsonwebtoken::decode::<Claims>(jwt, &key.decoding, &validation)
            .map_err(|error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidAudience => format!(
                    "the token's audience is not this account: it must be `{origin}` or \
                     `{COSMOS_AUDIENCE}` (ask for the scope `<one of them>/.default`)"
                ),
                jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                    "the token's signature does not verify with the tenant's key: it was \
                     altered, or made by someone else"
                        .to_owned()
                }
                other => format!("the token is not valid ({other:?})"),
            })?
            .claims;
        // The issuer names the tenant; the host it was fetched through may differ (a published
        // port, `localhost` against `127.0.0.1`), and the signature already proves who made it.
        let expected_suffix = format!("/{}/v2.0", self.tenant_id);
        if claims.tid != self.tenant_id || !claims.iss.ends_with(&expected_suffix) {
            return Err(format!(
                "the token was issued for tenant `{}` by `{}`; this account trusts tenant `{}`",
                claims.tid, claims.iss, self.tenant_id
            ));
        }
        let now = unix_seconds(now);
        let skew = CLOCK_SKEW.as_secs();
        if now > claims.exp + skew {
            return Err(format!(
                "the token expired {} seconds ago (exp {}; now {now} on the emulator's clock)",
                now - claims.exp,
                claims.exp
            ));
        }
        if now + skew < claims.nbf {
            return Err(format!(
                "the token is not valid before {} ({} seconds from now)",
                claims.nbf,
                claims.nbf - now
            ));
        }
        Ok(EntraPrincipal {
            object_id: claims.oid,
            tenant_id: claims.tid,
            app_id: claims.appid,
        })
    }

    /// The tenant's public keys, as `/{tenant}/discovery/v2.0/keys` serves them.
    pub fn jwks(&self) -> Value {
        let key = signing_key();
        json!({"keys": [{
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": key.kid,
            "n": key.modulus,
            "e": key.exponent,
        }]})
    }

    /// OpenID discovery for the tenant, when reached at `origin`.
    pub fn openid_configuration(&self, origin: &str) -> Value {
        let origin = origin.trim_end_matches('/');
        let tenant = &self.tenant_id;
        json!({
            "issuer": self.issuer(origin),
            "token_endpoint": format!("{origin}/{tenant}/oauth2/v2.0/token"),
            "jwks_uri": format!("{origin}/{tenant}/discovery/v2.0/keys"),
            "authorization_endpoint": format!("{origin}/{tenant}/oauth2/v2.0/authorize"),
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "response_types_supported": ["token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
            "tenant_region_scope": "cosmolab",
        })
    }
}

/// The applications file (`--applications <file>`): applications registered at start.
///
/// ```toml
/// [[application]]
/// display_name = "orders-api"
/// client_id = "6f1c0e0e-0000-4000-8000-000000000001"
/// client_secret_env = "ORDERS_API_SECRET"   # or client_secret = "…" (keep the file private)
/// object_id = "9d1c3d2a-0000-4000-8000-000000000001"   # optional: fixed, for scripted roles
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationsFile {
    /// The applications.
    #[serde(rename = "application", default)]
    pub applications: Vec<ApplicationEntry>,
}

/// One `[[application]]` of the applications file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationEntry {
    /// A name for people.
    pub display_name: String,
    /// Its client id.
    pub client_id: String,
    /// Its secret, written in the file.
    pub client_secret: Option<String>,
    /// The environment variable holding its secret (keeps the secret out of the file).
    pub client_secret_env: Option<String>,
    /// Its object id; made up when absent.
    pub object_id: Option<String>,
}

impl std::fmt::Debug for ApplicationEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicationEntry")
            .field("display_name", &self.display_name)
            .field("client_id", &self.client_id)
            .field("client_secret_env", &self.client_secret_env)
            .field("object_id", &self.object_id)
            .finish_non_exhaustive()
    }
}

impl ApplicationsFile {
    /// Parses the file's text.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|error| error.to_string())
    }

    /// Registers every application with `provider`; an entry without a usable secret is an error
    /// naming it, and then nothing is registered.
    pub fn register_all(&self, provider: &IdentityProvider) -> Result<Vec<Application>, String> {
        let mut checked = Vec::new();
        for entry in &self.applications {
            let secret = match (&entry.client_secret, &entry.client_secret_env) {
                (Some(secret), None) => secret.clone(),
                (None, Some(variable)) => std::env::var(variable).map_err(|_| {
                    format!(
                        "application `{}`: the environment variable {variable} (its \
                         client_secret_env) is not set",
                        entry.client_id
                    )
                })?,
                _ => {
                    return Err(format!(
                        "application `{}`: give exactly one of client_secret and \
                         client_secret_env",
                        entry.client_id
                    ));
                }
            };
            if secret.is_empty() {
                return Err(format!(
                    "application `{}`: the secret is empty",
                    entry.client_id
                ));
            }
            checked.push((entry, secret));
        }
        Ok(checked
            .into_iter()
            .map(|(entry, secret)| {
                provider
                    .register_as(
                        &entry.display_name,
                        Some(entry.client_id.clone()),
                        Some(secret),
                        entry.object_id.clone(),
                    )
                    .application
            })
            .collect())
    }
}

/// A shared identity provider, as the emulator's state holds it.
pub type SharedIdentityProvider = Arc<IdentityProvider>;

/// A new client secret: 40 characters, like Entra's.
fn new_secret() -> String {
    use rand::RngCore as _;
    let mut bytes = [0u8; 30];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// Now, as Entra's error bodies write it.
fn rfc3339_now() -> String {
    // The audit log's timestamp, with the space Entra's error bodies put before the time.
    crate::audit::now_rfc3339().replacen('T', " ", 1)
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 → (year, month, day).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://127.0.0.1:8081";

    fn provider_with_app() -> (IdentityProvider, Registered) {
        let provider = IdentityProvider::default();
        let app = provider.register("orders-api", None, None);
        (provider, app)
    }

    fn request(app: &Registered, scope: &str) -> TokenRequest {
        TokenRequest {
            grant_type: "client_credentials".into(),
            client_id: app.application.client_id.clone(),
            client_secret: app.client_secret.clone(),
            scope: scope.into(),
        }
    }

    #[test]
    fn a_registered_application_gets_a_token_that_validates() {
        let (provider, app) = provider_with_app();
        let now = SystemTime::now();
        let token = provider
            .issue(
                DEFAULT_TENANT_ID,
                &request(&app, "https://cosmos.azure.com/.default"),
                ORIGIN,
                now,
            )
            .unwrap();
        assert_eq!(token.token_type, "Bearer");
        let principal = provider.validate(&token.access_token, ORIGIN, now).unwrap();
        assert_eq!(principal.object_id, app.application.object_id);
        assert_eq!(principal.tenant_id, DEFAULT_TENANT_ID);
        assert_eq!(principal.app_id, app.application.client_id);
    }

    #[test]
    fn the_account_endpoint_is_an_audience_too_but_another_resource_is_not() {
        let (provider, app) = provider_with_app();
        let now = SystemTime::now();
        let issue = |scope: &str| {
            provider
                .issue(DEFAULT_TENANT_ID, &request(&app, scope), ORIGIN, now)
                .unwrap()
                .access_token
        };
        assert!(
            provider
                .validate(&issue("http://127.0.0.1:8081/.default"), ORIGIN, now)
                .is_ok()
        );
        // What the SDKs ask for: the host without its port.
        assert!(
            provider
                .validate(&issue("http://127.0.0.1/.default"), ORIGIN, now)
                .is_ok()
        );
        let graph = issue("https://graph.microsoft.com/.default");
        let refused = provider.validate(&graph, ORIGIN, now).unwrap_err();
        assert!(refused.contains("audience"), "{refused}");
        // The account's own endpoint, presented to another account.
        let own = issue("http://127.0.0.1:8081/.default");
        assert!(
            provider
                .validate(&own, "http://127.0.0.1:9999", now)
                .is_err()
        );
    }

    #[test]
    fn expiry_and_not_before_are_checked_with_a_small_skew() {
        let (provider, app) = provider_with_app();
        let now = SystemTime::now();
        let token = provider
            .issue(
                DEFAULT_TENANT_ID,
                &request(&app, "https://cosmos.azure.com/.default"),
                ORIGIN,
                now,
            )
            .unwrap()
            .access_token;
        let within_skew = now + TOKEN_LIFETIME + CLOCK_SKEW - Duration::from_secs(1);
        assert!(provider.validate(&token, ORIGIN, within_skew).is_ok());
        let expired = provider
            .validate(
                &token,
                ORIGIN,
                now + TOKEN_LIFETIME + CLOCK_SKEW + Duration::from_secs(2),
            )
            .unwrap_err();
        assert!(expired.contains("expired"), "{expired}");
        let early = provider
            .validate(&token, ORIGIN, now - Duration::from_secs(600))
            .unwrap_err();
        assert!(early.contains("not valid before"), "{early}");
    }

    #[test]
    fn a_tampered_token_or_a_foreign_tenant_is_refused() {
        let (provider, app) = provider_with_app();
        let now = SystemTime::now();
        let token = provider
            .issue(
                DEFAULT_TENANT_ID,
                &request(&app, "https://cosmos.azure.com/.default"),
                ORIGIN,
                now,
            )
            .unwrap()
            .access_token;
        // Change the payload (the object id), keep the signature.
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let payload = URL_SAFE_NO_PAD.decode(&parts[1]).unwrap();
        let forged = String::from_utf8(payload).unwrap().replace(
            &app.application.object_id,
            "00000000-0000-0000-0000-000000000000",
        );
        parts[1] = URL_SAFE_NO_PAD.encode(forged);
        let refused = provider
            .validate(&parts.join("."), ORIGIN, now)
            .unwrap_err();
        assert!(refused.contains("signature"), "{refused}");
        assert!(provider.validate("not.a.jwt", ORIGIN, now).is_err());

        // Another tenant's provider shares the process key, but not the tenant.
        let other = IdentityProvider::new("11111111-1111-1111-1111-111111111111");
        let refused = other.validate(&token, ORIGIN, now).unwrap_err();
        assert!(refused.contains("tenant"), "{refused}");
    }

    #[test]
    fn token_requests_are_refused_with_entra_errors() {
        let (provider, app) = provider_with_app();
        let now = SystemTime::now();
        let scope = "https://cosmos.azure.com/.default";
        let mut wrong_secret = request(&app, scope);
        wrong_secret.client_secret = "guess".into();
        let error = provider
            .issue(DEFAULT_TENANT_ID, &wrong_secret, ORIGIN, now)
            .unwrap_err();
        assert_eq!((error.status, error.error), (401, "invalid_client"));
        assert!(error.description.starts_with("AADSTS7000215"));

        let mut unknown = request(&app, scope);
        unknown.client_id = "nobody".into();
        let error = provider
            .issue(DEFAULT_TENANT_ID, &unknown, ORIGIN, now)
            .unwrap_err();
        assert_eq!(error.error, "unauthorized_client");

        let error = provider
            .issue("another-tenant", &request(&app, scope), ORIGIN, now)
            .unwrap_err();
        assert_eq!(error.code, 90002);

        let error = provider
            .issue(
                DEFAULT_TENANT_ID,
                &request(&app, "https://cosmos.azure.com"),
                ORIGIN,
                now,
            )
            .unwrap_err();
        assert_eq!(error.error, "invalid_scope");

        let mut password = request(&app, scope);
        password.grant_type = "password".into();
        let error = provider
            .issue(DEFAULT_TENANT_ID, &password, ORIGIN, now)
            .unwrap_err();
        assert_eq!(error.error, "unsupported_grant_type");
        let body = error.body();
        assert_eq!(body["error_codes"][0], 70003);
    }

    #[test]
    fn secrets_are_not_in_debug_output_and_re_registering_keeps_the_object_id() {
        let (provider, app) = provider_with_app();
        assert!(!format!("{app:?}").contains(&app.client_secret));
        let again = provider.register(
            "orders-api",
            Some(app.application.client_id.clone()),
            Some("new-secret".into()),
        );
        assert_eq!(again.application.object_id, app.application.object_id);
        assert_eq!(provider.applications().len(), 1);
    }

    #[test]
    fn the_jwks_and_discovery_describe_the_key_and_endpoints() {
        let provider = IdentityProvider::default();
        let jwks = provider.jwks();
        assert_eq!(jwks["keys"][0]["kty"], "RSA");
        assert_eq!(jwks["keys"][0]["alg"], "RS256");
        let config = provider.openid_configuration("http://127.0.0.1:8081/");
        assert_eq!(
            config["token_endpoint"],
            format!("http://127.0.0.1:8081/{DEFAULT_TENANT_ID}/oauth2/v2.0/token")
        );
        assert_eq!(
            config["issuer"],
            format!("http://127.0.0.1:8081/{DEFAULT_TENANT_ID}/v2.0")
        );
    }

    #[test]
    fn the_applications_file_registers_with_fixed_ids_and_secrets_from_the_environment() {
        let provider = IdentityProvider::default();
        let file = ApplicationsFile::parse(
            r#"
            [[application]]
            display_name = "orders-api"
            client_id = "orders"
            client_secret = "written-here"
            object_id = "11111111-0000-4000-8000-000000000001"

            [[application]]
            display_name = "from-env"
            client_id = "env-app"
            client_secret_env = "COSMOLAB_TEST_SURELY_UNSET_SECRET"
            "#,
        )
        .unwrap();
        let error = file.register_all(&provider).unwrap_err();
        assert!(
            error.contains("COSMOLAB_TEST_SURELY_UNSET_SECRET"),
            "{error}"
        );
        assert!(provider.applications().is_empty(), "all or nothing");
        let only_the_first = ApplicationsFile {
            applications: file.applications.into_iter().take(1).collect(),
        };
        only_the_first.register_all(&provider).unwrap();
        let first = &provider.applications()[0];
        assert_eq!(first.object_id, "11111111-0000-4000-8000-000000000001");
        let token = provider.issue(
            DEFAULT_TENANT_ID,
            &TokenRequest {
                grant_type: "client_credentials".into(),
                client_id: "orders".into(),
                client_secret: "written-here".into(),
                scope: "https://cosmos.azure.com/.default".into(),
            },
            ORIGIN,
            SystemTime::now(),
        );
        assert!(token.is_ok());
        assert!(ApplicationsFile::parse("[[application]]\nname = 1\n").is_err());
        assert!(!format!("{:?}", only_the_first.applications[0]).contains("written-here"));
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
