//! Test PKI shared by the integration tests: a CA generated at test time
//! with rcgen, issuing leaf certificates usable for both client and server
//! authentication.

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use std::path::Path;
use stream::TlsFiles;

/// A CA and a function to issue leaf certificates from it.
pub struct Pki {
    pub ca: rcgen::Certificate,
    ca_key: KeyPair,
}

impl Pki {
    pub fn new(name: &str) -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let ca_key = KeyPair::generate().unwrap();
        let ca = params.self_signed(&ca_key).unwrap();
        Pki { ca, ca_key }
    }

    /// Writes key, cert and CA cert for `cn` into `dir`, returning the files.
    pub fn issue(&self, dir: &Path, cn: &str) -> TlsFiles {
        let mut params = CertificateParams::new(vec![format!("{cn}.example")]).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca, &self.ca_key).unwrap();
        let files = TlsFiles {
            private_key: dir.join(format!("{cn}-privkey.pem")),
            certificate: dir.join(format!("{cn}-cert.pem")),
            ca_cert: dir.join(format!("{cn}-cacert.pem")),
            bootstrap_ca_cert: false,
            peer_ca_cert: None,
        };
        std::fs::write(&files.private_key, key.serialize_pem()).unwrap();
        std::fs::write(&files.certificate, cert.pem()).unwrap();
        std::fs::write(&files.ca_cert, self.ca.pem()).unwrap();
        files
    }
}
