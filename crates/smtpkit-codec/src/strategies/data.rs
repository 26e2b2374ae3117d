//! Strategies for message bodies, as DATA and BDAT carry them.

use proptest::collection::vec;
use proptest::prelude::*;

/// Message bodies rich in what dot-stuffing and end-of-data detection get
/// wrong: dots at line starts, bare CR and LF, CRLF, real and smuggled
/// ends of data, runs of ordinary lines, lines near the 1000-octet limit,
/// and arbitrary bytes.
pub fn data_body() -> impl Strategy<Value = Vec<u8>> {
    let smuggled: Vec<&'static [u8]> =
        vec![b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\r.\r", b"\r\n.\r\r\n", b"\r\n.\r\n", b".\r\n"];
    let piece = prop_oneof![
        6 => "[ -~]{1,12}".prop_map(String::into_bytes),
        2 => vec("[ -~]{0,90}", 1..6).prop_map(|lines| lines.join("\r\n").into_bytes()),
        4 => Just(b"\r\n".to_vec()),
        3 => Just(b".".to_vec()),
        1 => Just(b"..".to_vec()),
        1 => Just(b"\r".to_vec()),
        1 => Just(b"\n".to_vec()),
        2 => prop::sample::select(smuggled).prop_map(<[u8]>::to_vec),
        1 => vec(any::<u8>(), 0..8),
        1 => (990usize..1010).prop_map(|len| vec![b'x'; len]),
    ];
    vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}
