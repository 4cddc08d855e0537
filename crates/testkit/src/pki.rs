//! A test PKI: a CA generated at test time (rcgen), issuing leaf certificates usable for both
//! client and server authentication, written as PEM files like `ovs-pki` would.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};

/// A CA that issues certificates.
pub struct Pki {
    ca: rcgen::Certificate,
    ca_key: KeyPair,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pki")
    }
}

/// PEM files issued for one party.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Private key.
    pub private_key: PathBuf,
    /// Certificate for the key, signed by the CA.
    pub certificate: PathBuf,
    /// The CA's certificate.
    pub ca_cert: PathBuf,
}

impl Pki {
    /// A new CA named `name`.
    pub fn new(name: &str) -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let ca_key = KeyPair::generate().expect("CA key");
        let ca = params.self_signed(&ca_key).expect("self-signed CA");
        Pki { ca, ca_key }
    }

    /// The CA certificate in PEM.
    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    /// Writes key, certificate and CA certificate for `cn` into `dir`.
    pub fn issue(&self, dir: &Path, cn: &str) -> Issued {
        let mut params = CertificateParams::new(vec![format!("{cn}.example")]).expect("params");
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let key = KeyPair::generate().expect("key");
        let cert = params
            .signed_by(&key, &self.ca, &self.ca_key)
            .expect("sign");
        let files = Issued {
            private_key: dir.join(format!("{cn}-privkey.pem")),
            certificate: dir.join(format!("{cn}-cert.pem")),
            ca_cert: dir.join(format!("{cn}-cacert.pem")),
        };
        std::fs::write(&files.private_key, key.serialize_pem()).expect("write key");
        std::fs::write(&files.certificate, cert.pem()).expect("write cert");
        std::fs::write(&files.ca_cert, self.ca.pem()).expect("write CA");
        files
    }
}
