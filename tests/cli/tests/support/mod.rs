//! Helpers the test files of this crate share: a port nothing listens on, and a scripted server
//! on loopback.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A loopback port that was free a moment ago: connecting to it is refused.
pub fn freed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A server on `127.0.0.1:0` that hands each connection it accepts, with its number (from 0), to
/// `serve` on its own thread. Returns the port, and how many connections it has accepted.
pub fn scripted_server(
    serve: impl Fn(usize, TcpStream) + Send + 'static,
) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = connections.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            serve(seen.fetch_add(1, Ordering::SeqCst), stream);
        }
    });
    (port, connections)
}

/// A writer into a shared buffer (for a `tracing` subscriber's output).
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut captured = self.0.lock().unwrap_or_else(|p| p.into_inner());
        captured.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// What was written, as text.
    pub fn text(&self) -> String {
        let captured = self.0.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&captured).into_owned()
    }
}

/// Queues `count` answers `503` with `Retry-After: 30` for Logout Authorize.
pub fn unavailable_for_thirty_seconds(emu: &workos_logout::emulator::Emulator, count: usize) {
    use workos_logout::emulator::{Fault, Route};
    for _ in 0..count {
        emu.push_fault(
            Route::Authorize,
            Fault::Status {
                status: 503,
                body: None,
                headers: vec![("retry-after".into(), "30".into())],
            },
        );
    }
}
