//! Test PKI shared by the integration tests: testkit's CA, with its files as `TlsFiles`.

use std::path::Path;
use stream::TlsFiles;

/// A CA and a function to issue leaf certificates from it.
pub struct Pki(testkit::pki::Pki);

impl Pki {
    pub fn new(name: &str) -> Pki {
        Pki(testkit::pki::Pki::new(name))
    }

    /// The CA certificate in PEM.
    #[allow(dead_code)]
    pub fn ca_pem(&self) -> String {
        self.0.ca_pem()
    }

    /// Writes key, cert and CA cert for `cn` into `dir`, returning the files.
    pub fn issue(&self, dir: &Path, cn: &str) -> TlsFiles {
        let f = self.0.issue(dir, cn);
        TlsFiles {
            private_key: f.private_key,
            certificate: f.certificate,
            ca_cert: f.ca_cert,
            bootstrap_ca_cert: false,
            peer_ca_cert: None,
        }
    }
}
