//! Scripted servers on loopback, for what only raw bytes can show (a `1xx` before the answer,
//! trailers, a body that ends with the connection, a pooled connection closed under the client).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A server on `127.0.0.1:0` handing each connection, with its number from 0, to `serve` on a
/// thread of its own. Its base URL, and how many connections it has accepted.
pub(crate) fn scripted(
    serve: impl Fn(usize, TcpStream) + Send + Sync + 'static,
) -> std::io::Result<(String, Arc<AtomicUsize>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let base = format!("http://{}", listener.local_addr()?);
    let accepted = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&accepted);
    let serve = Arc::new(serve);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let n = counted.fetch_add(1, Ordering::SeqCst);
            let serve = Arc::clone(&serve);
            std::thread::spawn(move || serve(n, stream));
        }
    });
    Ok((base, accepted))
}

/// Reads one request (head and `Content-Length` body) from `reader`; `false` when the client
/// closed or sent nothing readable.
pub(crate) fn read_request(reader: &mut impl BufRead) -> bool {
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return false;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).is_ok()
}

/// A server that answers every request on every connection with `answer` (raw bytes), then
/// closes the connection if `close` says so.
pub(crate) fn answering(answer: &'static [u8], close: bool) -> std::io::Result<String> {
    let (base, _) = scripted(move |_, stream| {
        let Ok(writer) = stream.try_clone() else {
            return;
        };
        let (mut reader, mut writer) = (BufReader::new(stream), writer);
        while read_request(&mut reader) {
            if writer.write_all(answer).is_err() || close {
                return;
            }
        }
    })?;
    Ok(base)
}
