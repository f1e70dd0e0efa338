//! https with a certificate made at start.
//!
//! Entra ID clients refuse to send bearer tokens over plain http (azure-core's rule), so the
//! emulator can serve https. Like the classic emulator, it makes a self-signed certificate for
//! `localhost` and `127.0.0.1` when it starts, writes it to a file and serves it at
//! `/_explorer/emulator.pem`, so clients can choose to trust it. (The Python SDK does not check
//! certificates for those two hosts at all.)

use std::path::Path;

use anyhow::Context as _;

/// A certificate and its private key, both PEM.
pub struct SelfSignedCertificate {
    /// The certificate, safe to share.
    pub certificate_pem: String,
    /// The private key (never logged).
    pub private_key_pem: String,
}

impl std::fmt::Debug for SelfSignedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelfSignedCertificate")
            .finish_non_exhaustive()
    }
}

impl SelfSignedCertificate {
    /// Makes a certificate for `localhost` and `127.0.0.1`.
    pub fn generate() -> anyhow::Result<Self> {
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let certified = rcgen::generate_simple_self_signed(names)
            .context("could not generate the emulator's self-signed certificate")?;
        Ok(Self {
            certificate_pem: certified.cert.pem(),
            private_key_pem: certified.key_pair.serialize_pem(),
        })
    }

    /// Writes the certificate (not the key) where clients can pick it up.
    pub fn write_certificate(&self, path: &Path) -> anyhow::Result<()> {
        std::fs::write(path, &self.certificate_pem)
            .with_context(|| format!("could not write the certificate to {}", path.display()))
    }
}

/// Installs the `ring` crypto provider for rustls, once per process.
pub fn install_crypto_provider() {
    // Fails only when a provider is already installed, which is exactly what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
