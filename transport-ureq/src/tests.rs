//! Unit tests of the adapter's private resolver.
//!
//! The host is a name no resolver can answer: a 70-character label fails the lookup before any
//! packet leaves. Only kept addresses can reach the loopback server behind it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use super::*;

/// A loopback server answering every request on every connection with an empty 200.
fn server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if line == "\r\n" {
                        let answer = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                        if stream.write_all(answer.as_bytes()).is_err() {
                            return;
                        }
                    }
                    line.clear();
                }
            });
        }
    });
    port
}

/// A transport whose resolver already keeps `host`'s address, looked up `age` ago.
fn transport(host: &str, age: Duration) -> UreqTransport {
    let resolver = Resolver::default();
    let mut addrs = ureq::unversioned::resolver::Resolver::empty(&resolver);
    let port = host.rsplit_once(':').unwrap().1.parse().unwrap();
    addrs.push(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    let looked_up = Instant::now().checked_sub(age).unwrap();
    *resolver.1.lock().unwrap() = Some((host.to_owned(), looked_up, addrs));
    let config = ureq::Agent::config_builder().proxy(None).build();
    let connector = ureq::unversioned::transport::DefaultConnector::default();
    let agent = ureq::Agent::with_parts(config, connector, resolver);
    UreqTransport::with_agent(agent, &ClientOptions::default())
}

fn get(transport: &UreqTransport, url: &str) -> Result<Response<Vec<u8>>, TransportError> {
    transport.send(Request::get(url).body(Vec::new()).unwrap())
}

#[test]
fn kept_addresses_are_used_until_they_are_old() {
    let port = server();
    let name = format!("{}.invalid", "a".repeat(70));
    let host = format!("{name}:{port}");
    let url = format!("http://{host}/sso/logout?token=t");

    // Kept and fresh: every call goes to the kept address, none looks the name up.
    let fresh = transport(&host, Duration::ZERO);
    for _ in 0..3 {
        assert_eq!(get(&fresh, &url).unwrap().status(), 200);
    }
    // Another port of the same name is another host: looked up, and the lookup fails.
    let other = format!("http://{name}:{}/", port.wrapping_add(1));
    let err = get(&fresh, &other).unwrap_err();
    assert_eq!(err.kind(), FailureKind::Connect, "{err}");

    // Kept too long: looked up again, which fails; the failure is not kept.
    let old = transport(&host, KEEP_ADDRESSES + Duration::from_secs(1));
    let err = get(&old, &url).unwrap_err();
    assert_eq!(err.kind(), FailureKind::Connect, "{err}");
}

#[test]
fn a_lookup_is_kept_and_reused() {
    let port = server();
    let transport = UreqTransport::new(&ClientOptions::default()).unwrap();
    let url = format!("http://localhost:{port}/");
    assert_eq!(get(&transport, &url).unwrap().status(), 200);
    assert_eq!(get(&transport, &url).unwrap().status(), 200);
    let shown = format!("{transport:?}");
    assert!(shown.contains(&format!("localhost:{port}")), "{shown}");
}
