//! Plugging your own HTTP stack into the core: here a closure over a plain `TcpStream` speaking
//! HTTP/1.1 (loopback `http` only, enough for the emulator), driven through retries by `Call`.
//!
//! ```sh
//! cargo run -- emulator --port 4100     # in another terminal
//! WORKOS_BASE_URL=http://127.0.0.1:4100 WORKOS_API_KEY=sk_test_emulator_0123456789 \
//!   cargo run -p workos-sso-logout --example custom_transport -- prof_01EMULATOROIDC0000000000
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime};

use workos_sso_logout::http::{Request, Response, StatusCode};
use workos_sso_logout::{
    ApiKey, BaseUrl, Config, FailureKind, LogoutAuthorizeRequest, ProfileId, RetryPolicy, Step,
    TransportError, std_random,
};

/// One HTTP/1.1 exchange over a fresh connection. A real stack adds TLS, pooling and limits.
fn send(request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
    let io = |kind| move |e: std::io::Error| TransportError::new(kind, e);
    let authority = request
        .uri()
        .authority()
        .ok_or_else(|| TransportError::new(FailureKind::Other, "no host"))?;
    let mut stream = TcpStream::connect(authority.as_str()).map_err(io(FailureKind::Connect))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(io(FailureKind::Other))?;
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
    stream
        .write_all(head.as_bytes())
        .map_err(io(FailureKind::Other))?;
    stream
        .write_all(request.body())
        .map_err(io(FailureKind::Other))?;

    let mut reader = BufReader::new(stream.take(1024 * 1024));
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(io(FailureKind::Other))?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<StatusCode>().ok())
        .ok_or_else(|| TransportError::new(FailureKind::Other, "bad status line"))?;
    let mut response = Response::new(Vec::new());
    *response.status_mut() = status;
    loop {
        line.clear();
        reader
            .read_line(&mut line)
            .map_err(io(FailureKind::Other))?;
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
    reader
        .read_to_end(response.body_mut())
        .map_err(io(FailureKind::Other))?;
    Ok(response)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let profile_id = std::env::args()
        .nth(1)
        .ok_or("usage: custom_transport <profile id>")?;
    let config = Config::new(ApiKey::new(std::env::var("WORKOS_API_KEY")?)?)
        .with_base_url(BaseUrl::parse(&std::env::var("WORKOS_BASE_URL")?)?);
    let request = LogoutAuthorizeRequest::new(ProfileId::new(profile_id)?);
    // Randomness is an input of the core: any source will do for jitter and the idempotency key.
    let mut call = config.authorize_call(&request, &RetryPolicy::default(), std_random())?;
    let logout = loop {
        let attempt = call.next_request();
        match call.after_send(send(attempt), SystemTime::now(), std_random() as u64) {
            Step::Done(result) => break result?,
            Step::Retry(delay) => std::thread::sleep(delay),
        }
    };
    println!("{}", logout.logout_url());
    Ok(())
}
