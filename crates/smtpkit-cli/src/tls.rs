//! What the client commands verify a server's certificate with.

use std::path::Path;

use anyhow::Context as _;
use smtpkit_client::ClientTls;

/// Verifies the server of `server` (`HOST:PORT`) by its host, against the
/// authorities in the PEM file `ca`, or the system's without one.
pub fn client_tls(server: &str, ca: Option<&Path>) -> anyhow::Result<ClientTls> {
    let host = match server.rsplit_once(':') {
        Some((host, _)) => host.trim_start_matches('[').trim_end_matches(']'),
        None => server,
    };
    let tls = match ca {
        Some(path) => {
            let pem = std::fs::read(path).with_context(|| format!("--ca {}", path.display()))?;
            ClientTls::with_ca_pem(host, &pem)
        }
        None => ClientTls::with_native_roots(host),
    };
    tls.map_err(|e| anyhow::anyhow!("TLS: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_of_the_server_is_the_name_verified() {
        let pem = std::env::temp_dir().join(format!("smtpkit-cli-tls-{}.pem", std::process::id()));
        let ca = smtpkit_mock::ServerTls::new(&smtpkit_mock::Tls::SelfSigned, "localhost")
            .expect("a certificate");
        std::fs::write(&pem, ca.ca_pem().expect("an authority")).expect("written");
        let table = [
            ("localhost:2525", "DnsName(\"localhost\")"),
            ("127.0.0.1:25", "IpAddress(V4"),
            ("[::1]:25", "IpAddress(V6"),
            ("localhost", "DnsName(\"localhost\")"),
        ];
        for (server, name) in table {
            let tls = client_tls(server, Some(&pem)).expect(server);
            assert!(format!("{tls:?}").contains(name), "{server}: {tls:?}");
        }
        assert!(client_tls("localhost:25", Some(Path::new("/nonexistent/ca.pem"))).is_err());
        let _ = std::fs::remove_file(&pem);
    }
}
