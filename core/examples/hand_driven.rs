//! A hand-driven call, blocking: your own loop drives each `Call` step by step — the way a
//! program with its own event loop (a game server, a custom runtime) uses the core. Here the
//! transport is a plain `TcpStream` speaking HTTP/1.1 on loopback (enough for the emulator), and
//! a retry's delay is waited out with the environment's `sleep`.
//!
//! What a transport adds to the core's requests: the origin-form target (the core's URI is
//! absolute), `Host`, `Content-Length`, and here `Connection: close` so the body ends with it.
//!
//! ```sh
//! cargo run -- emulator --port 4100     # in another terminal
//! WORKOS_BASE_URL=http://127.0.0.1:4100 WORKOS_API_KEY=sk_test_emulator_0123456789 \
//!   cargo run -p workos-sso-logout --example hand_driven -- prof_01EMULATOROIDC0000000000
//! ```

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use workos_sso_logout::http::{HeaderName, HeaderValue, Request, Response};
use workos_sso_logout::{
    ApiKey, AttemptTimeout, BaseUrl, Call, ClientOptions, Config, Environment, Error,
    LogoutAuthorizeRequest, LogoutRedirect, ProfileId, StdEnvironment, Step,
};

/// One HTTP/1.1 exchange on a fresh connection, the answer read to its close (at most 1 MiB),
/// within the request's `AttemptTimeout` (each connect and read; a real transport bounds the
/// whole exchange). A real transport also uses TLS, pools connections and checks the body's
/// length.
pub fn send(request: &Request<Vec<u8>>) -> std::io::Result<Response<Vec<u8>>> {
    let bad = |what: &str| std::io::Error::other(what.to_owned());
    let timeout = AttemptTimeout::of(request).unwrap_or(Duration::from_secs(10));
    let host = request.uri().authority().ok_or_else(|| bad("no host"))?;
    let address = host.as_str().to_socket_addrs()?.next();
    let address = address.ok_or_else(|| bad("no address"))?;
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let (method, length) = (request.method(), request.body().len());
    let mut head =
        format!("{method} {target} HTTP/1.1\r\nhost: {host}\r\ncontent-length: {length}\r\n");
    for (name, value) in request.headers() {
        head += &format!("{name}: {}\r\n", value.to_str().unwrap_or_default());
    }
    stream.write_all(format!("{head}connection: close\r\n\r\n").as_bytes())?;
    stream.write_all(request.body())?;

    let mut answer = Vec::new();
    stream.take(1024 * 1024).read_to_end(&mut answer)?;
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n");
    let end = end.ok_or_else(|| bad("no end of the response head"))?;
    let head = std::str::from_utf8(&answer[..end]).map_err(|_| bad("a head that is not text"))?;
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|line| line.split(' ').nth(1));
    let mut response = Response::new(answer[end + 4..].to_vec());
    *response.status_mut() = status
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    for (name, value) in lines.filter_map(|line| line.split_once(':')) {
        let name = HeaderName::try_from(name);
        if let (Ok(name), Ok(value)) = (name, HeaderValue::try_from(value.trim())) {
            response.headers_mut().append(name, value);
        }
    }
    Ok(response)
}

/// Drives one call to its end: sleep the step's delay, send its request, feed back the result
/// and the time (the environment's clock: the call's deadline is measured on it).
fn drive<T>(call: Call<T>, env: &impl Environment) -> Result<T, Error> {
    let mut step = call.start(env.now());
    loop {
        match step {
            Step::Send {
                delay,
                request,
                call,
            } => {
                env.sleep(delay);
                step = call.handle(send(&request), env.now(), env.random());
            }
            Step::Done(result) => return result,
        }
    }
}

/// Signs `profile` out: Logout Authorize, then the browser's `GET` of the logout URL.
pub fn sign_out(config: &Config, profile: &ProfileId) -> Result<LogoutRedirect, Error> {
    let (options, env) = (ClientOptions::default(), StdEnvironment);
    let request = LogoutAuthorizeRequest::new(profile.clone());
    let logout = drive(config.authorize_call(&request, &options, &env)?, &env)?;
    drive(config.redirect_call(logout.logout_url(), &options)?, &env)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let profile = std::env::args()
        .nth(1)
        .ok_or("usage: hand_driven <profile id>")?;
    let config = Config::new(ApiKey::new(std::env::var("WORKOS_API_KEY")?)?)
        .with_base_url(BaseUrl::parse(&std::env::var("WORKOS_BASE_URL")?)?);
    let outcome = sign_out(&config, &ProfileId::new(profile)?)?;
    let next = outcome
        .location()
        .map_or("done".into(), |idp| format!("send the browser to {idp}"));
    println!("{}: {next}", outcome.status());
    Ok(())
}
