//! TLS for `ssl:` and `pssl:` connections, with Open vSwitch's trust model.
//!
//! OVS configures SSL with three PEM files: a private key, a certificate
//! for that key, and a CA certificate. Both ends present their certificate
//! and both verify the peer's certificate against the CA (mutual
//! authentication). Host names are *not* checked: the CA is the trust
//! anchor, whoever holds a certificate it signed is accepted. This module
//! builds rustls (ring provider) configurations with exactly that policy:
//!
//! * the server requires a client certificate chaining to the CA
//!   (`WebPkiClientVerifier`);
//! * the client verifies the server's chain against the CA but ignores a
//!   name mismatch ([`CaOnlyVerifier`]).
//!
//! **Bootstrap** (`--bootstrap-ca-cert`, active side only): when the CA
//! file does not exist yet, the client accepts the server's chain on first
//! use, provided the server sent its CA certificate as the last element of
//! its chain (OVS's `--peer-ca-cert`, here [`TlsFiles::peer_ca_cert`]); the
//! handshake signature is still verified. After the handshake the CA
//! certificate is written to the CA file (created exclusively, so a
//! concurrent bootstrap cannot overwrite it), the server's chain is checked
//! against it, and later connections use it like a configured CA.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig,
    SignatureScheme,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use thiserror::Error;

/// The PEM files of an SSL configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// Private key (`--private-key`).
    pub private_key: PathBuf,
    /// Certificate for the key (`--certificate`).
    pub certificate: PathBuf,
    /// CA certificate used to verify peers (`--ca-cert`).
    pub ca_cert: PathBuf,
    /// Accept and save the peer's CA when `ca_cert` does not exist
    /// (`--bootstrap-ca-cert`; active connections only).
    pub bootstrap_ca_cert: bool,
    /// Extra certificate(s) appended to the chain we send, normally our
    /// CA, so that peers can bootstrap (`--peer-ca-cert`).
    pub peer_ca_cert: Option<PathBuf>,
}

/// TLS set-up and handshake errors.
#[derive(Debug, Error)]
pub enum TlsError {
    /// A PEM file could not be read.
    #[error("{path}: {error}")]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        error: std::io::Error,
    },
    /// A PEM file held nothing usable.
    #[error("{0}: no usable {1} found")]
    Empty(PathBuf, &'static str),
    /// rustls rejected the configuration.
    #[error("SSL configuration error: {0}")]
    Config(String),
    /// Bootstrapping the CA certificate failed.
    #[error("CA certificate bootstrap failed: {0}")]
    Bootstrap(String),
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|error| TlsError::Read {
        path: path.to_path_buf(),
        error,
    })
}

/// Reads all certificates from a PEM file.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let data = read(path)?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut data.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|error| TlsError::Read {
            path: path.to_path_buf(),
            error,
        })?;
    if certs.is_empty() {
        return Err(TlsError::Empty(path.to_path_buf(), "certificate"));
    }
    Ok(certs)
}

/// Reads the first private key from a PEM file.
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let data = read(path)?;
    rustls_pemfile::private_key(&mut data.as_slice())
        .map_err(|error| TlsError::Read {
            path: path.to_path_buf(),
            error,
        })?
        .ok_or_else(|| TlsError::Empty(path.to_path_buf(), "private key"))
}

fn roots(path: &Path) -> Result<Arc<RootCertStore>, TlsError> {
    let mut store = RootCertStore::empty();
    for c in load_certs(path)? {
        store
            .add(c)
            .map_err(|e| TlsError::Config(format!("{}: {e}", path.display())))?;
    }
    Ok(Arc::new(store))
}

fn our_chain(files: &TlsFiles) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let mut chain = load_certs(&files.certificate)?;
    if let Some(extra) = &files.peer_ca_cert {
        chain.extend(load_certs(extra)?);
    }
    Ok(chain)
}

/// Server (passive side) configuration: requires client certificates
/// signed by the CA.
pub fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = provider();
    let verifier =
        WebPkiClientVerifier::builder_with_provider(roots(&files.ca_cert)?, provider.clone())
            .build()
            .map_err(|e| TlsError::Config(e.to_string()))?;
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(our_chain(files)?, load_key(&files.private_key)?)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    Ok(Arc::new(config))
}

/// What the client side will do about the CA.
#[derive(Debug)]
pub enum ClientSetup {
    /// Normal: verify against the CA file.
    Verified(Arc<ClientConfig>),
    /// Bootstrap: accept the first chain; call [`finish_bootstrap`] with
    /// the captured chain after the handshake.
    Bootstrap(Arc<ClientConfig>, Arc<Mutex<Vec<CertificateDer<'static>>>>),
}

/// Client (active side) configuration; bootstraps when allowed and the CA
/// file is missing.
pub fn client_config(files: &TlsFiles) -> Result<ClientSetup, TlsError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .dangerous();
    let chain = our_chain(files)?;
    let key = load_key(&files.private_key)?;
    if files.bootstrap_ca_cert && !files.ca_cert.exists() {
        let captured = Arc::new(Mutex::new(Vec::new()));
        let verifier = Arc::new(BootstrapVerifier {
            provider,
            captured: captured.clone(),
        });
        let config = builder
            .with_custom_certificate_verifier(verifier)
            .with_client_auth_cert(chain, key)
            .map_err(|e| TlsError::Config(e.to_string()))?;
        return Ok(ClientSetup::Bootstrap(Arc::new(config), captured));
    }
    let verifier = Arc::new(CaOnlyVerifier::new(roots(&files.ca_cert)?, provider)?);
    let config = builder
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(chain, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    Ok(ClientSetup::Verified(Arc::new(config)))
}

/// Saves the CA certificate from a bootstrapped chain and checks the chain
/// against it.
pub fn finish_bootstrap(
    files: &TlsFiles,
    chain: &[CertificateDer<'static>],
) -> Result<(), TlsError> {
    let (ca, rest) = match chain.split_last() {
        Some((ca, rest)) if !rest.is_empty() => (ca, rest),
        _ => {
            return Err(TlsError::Bootstrap(
                "peer did not send its CA certificate as part of its chain".into(),
            ))
        }
    };
    let mut store = RootCertStore::empty();
    store
        .add(ca.clone())
        .map_err(|e| TlsError::Bootstrap(format!("peer's CA certificate is unusable: {e}")))?;
    let verifier = CaOnlyVerifier::new(Arc::new(store), provider())?;
    let (leaf, intermediates) = rest
        .split_first()
        .ok_or_else(|| TlsError::Bootstrap("empty chain".into()))?;
    let name = ServerName::try_from("bootstrap").map_err(|e| TlsError::Bootstrap(e.to_string()))?;
    verifier
        .verify_server_cert(leaf, intermediates, &name, &[], UnixTime::now())
        .map_err(|e| {
            TlsError::Bootstrap(format!("peer's chain does not verify against its CA: {e}"))
        })?;
    let pem = to_pem(ca.as_ref());
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&files.ca_cert)
        .map_err(|e| TlsError::Bootstrap(format!("{}: {e}", files.ca_cert.display())))?;
    file.write_all(pem.as_bytes())
        .map_err(|e| TlsError::Bootstrap(format!("{}: {e}", files.ca_cert.display())))?;
    Ok(())
}

/// DER to PEM ("CERTIFICATE").
fn to_pem(der: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::with_capacity(der.len() * 4 / 3 + 4);
    for chunk in der.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let idx = ((n >> (18 - 6 * i)) & 63) as usize;
                b64.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'A')));
            } else {
                b64.push('=');
            }
        }
    }
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or(""));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Verifies the server's chain against the CA and ignores the host name,
/// as OVS does.
#[derive(Debug)]
pub struct CaOnlyVerifier {
    inner: Arc<WebPkiServerVerifier>,
}

impl CaOnlyVerifier {
    fn new(roots: Arc<RootCertStore>, provider: Arc<CryptoProvider>) -> Result<Self, TlsError> {
        let inner = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .map_err(|e| TlsError::Config(e.to_string()))?;
        Ok(CaOnlyVerifier { inner })
    }
}

impl ServerCertVerifier for CaOnlyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Trust-on-first-use verifier for bootstrap: records the chain, still
/// checks handshake signatures.
#[derive(Debug)]
struct BootstrapVerifier {
    provider: Arc<CryptoProvider>,
    captured: Arc<Mutex<Vec<CertificateDer<'static>>>>,
}

impl ServerCertVerifier for BootstrapVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone().into_owned()];
        chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        *self.captured.lock().unwrap_or_else(|e| e.into_inner()) = chain;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_encoding_round_trips() {
        for len in [0usize, 1, 2, 3, 4, 47, 48, 49, 100] {
            let der: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
            let pem = to_pem(&der);
            let parsed: Vec<_> = rustls_pemfile::certs(&mut pem.as_bytes())
                .collect::<Result<_, _>>()
                .unwrap();
            if len == 0 {
                assert!(parsed.is_empty() || parsed[0].as_ref().is_empty());
            } else {
                assert_eq!(parsed.len(), 1);
                assert_eq!(parsed[0].as_ref(), der.as_slice());
            }
        }
    }

    #[test]
    fn missing_files_are_clear_errors() {
        let e = load_certs(Path::new("/nonexistent/cert.pem")).unwrap_err();
        assert!(e.to_string().starts_with("/nonexistent/cert.pem: "));
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not pem\n").unwrap();
        assert_eq!(
            load_key(&empty).unwrap_err().to_string(),
            format!("{}: no usable private key found", empty.display())
        );
    }
}
