//! Helpers shared by the mock server's integration tests.

use smtpkit_mock::MockServer;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Connects to `server` and sends `input` in one write, as a client that
/// does not wait for replies would.
pub async fn connect_and_send(server: &MockServer, input: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(server.addr()).await.expect("connects");
    stream.write_all(input).await.expect("written");
    stream
}
