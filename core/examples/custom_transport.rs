//! Plugging your own HTTP stack into the core: here a closure over a plain `TcpStream` speaking
//! HTTP/1.1 (loopback `http` only, enough for the emulator). The closure is the transport of a
//! core `Client`, which runs the call loop (retries included); its `std::io::Error`s are
//! classified by the core (refused → connect failure, retried; timed out → timeout).
//!
//! ```sh
//! cargo run -- emulator --port 4100     # in another terminal
//! WORKOS_BASE_URL=http://127.0.0.1:4100 WORKOS_API_KEY=sk_test_emulator_0123456789 \
//!   cargo run -p workos-sso-logout --example custom_transport -- prof_01EMULATOROIDC0000000000
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use workos_sso_logout::http::{Request, Response, StatusCode};
use workos_sso_logout::{ApiKey, BaseUrl, Client, ClientOptions, Config, ProfileId};

/// One HTTP/1.1 exchange over a fresh connection. A real stack adds TLS, pooling and limits.
fn send(request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, std::io::Error> {
    let authority = request
        .uri()
        .authority()
        .ok_or_else(|| std::io::Error::other("no host"))?;
    let mut stream = TcpStream::connect(authority.as_str())?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut head = format!(
        "{} {} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\ncontent-length: {}\r\n",
        request.method(),
        request.uri().path_and_query().map_or("/", |p| p.as_str()),
        request.body().len()
    );
    for (name, value) in request.headers() {
        head.push_str(&format!(
            "{name}: {}\r\n",
            value.to_str().unwrap_or_default()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(request.body())?;

    let mut reader = BufReader::new(stream.take(1024 * 1024));
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<StatusCode>().ok())
        .ok_or_else(|| std::io::Error::other("bad status line"))?;
    let mut response = Response::new(Vec::new());
    *response.status_mut() = status;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        if let (Ok(name), Ok(value)) = (
            name.trim().parse::<workos_sso_logout::http::HeaderName>(),
            value.trim().parse::<workos_sso_logout::http::HeaderValue>(),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    reader.read_to_end(response.body_mut())?;
    Ok(response)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let profile_id = std::env::args()
        .nth(1)
        .ok_or("usage: custom_transport <profile id>")?;
    let config = Config::new(ApiKey::new(std::env::var("WORKOS_API_KEY")?)?)
        .with_base_url(BaseUrl::parse(&std::env::var("WORKOS_BASE_URL")?)?);
    let client = Client::with_transport(config, ClientOptions::default(), send);
    let logout = client.authorize_logout(&ProfileId::new(profile_id)?)?;
    println!("{}", logout.logout_url());
    Ok(())
}
