//! The guide's (GUIDE.md) "Your own HTTP stack" example, tested: a blocking transport written as
//! a closure over your own ureq agent, and the one line that proves it against the kit. The
//! guide shows the code between the two markers below; a test keeps the two the same.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

// README begin
use workos_sso_logout::http::{Request, Response};
use workos_sso_logout::{AttemptTimeout, ClientOptions, FailureKind, TransportError};
use workos_sso_logout_conformance::{Transport, assert_conforms};

type Answer = Result<Response<Vec<u8>>, TransportError>;

/// A blocking transport: a closure over a ureq agent set up the way the core needs.
fn my_transport(options: &ClientOptions) -> impl Fn(Request<Vec<u8>>) -> Answer + use<> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0) // redirects are handed back, never followed
        .http_status_as_error(false) // error statuses are responses, with their body
        .proxy(None) // no proxy from the environment: the API key would pass through it
        .timeout_connect(Some(options.connect_timeout()))
        .build()
        .into();
    let (limit, timeout) = (options.max_body_bytes(), options.timeout());
    move |request| {
        let classify = |e: ureq::Error| match e {
            ureq::Error::Timeout(_) => TransportError::new(FailureKind::Timeout, e),
            ureq::Error::BodyExceedsLimit(_) => TransportError::body_too_large(limit),
            ureq::Error::ConnectionFailed => TransportError::new(FailureKind::Connect, e),
            // ureq's I/O errors are not its `source()`: classify them by their kind.
            ureq::Error::Io(io) => TransportError::new(FailureKind::of_io(&io), io),
            e => TransportError::from_error(e),
        };
        // The whole exchange, body included, within what the call's deadline left this attempt.
        let timeout = AttemptTimeout::of(&request).unwrap_or(timeout);
        let request = agent
            .configure_request(request)
            .timeout_global(Some(timeout));
        let (parts, mut body) = agent.run(request.build()).map_err(classify)?.into_parts();
        let body = body.with_config().limit(limit).read_to_vec();
        // Once the head has come, anything but the limit or a timeout is an answer cut off.
        let body = body.map_err(|e| match e {
            ureq::Error::Timeout(_) | ureq::Error::BodyExceedsLimit(_) => classify(e),
            e => TransportError::new(FailureKind::Truncated, e),
        })?;
        Ok(Response::from_parts(parts, body))
    }
}

#[test]
fn my_transport_conforms() {
    assert_conforms(&Transport::blocking("my transport", my_transport));
}
// README end

#[test]
fn the_readme_shows_this_example() {
    let this = include_str!("closure_transport.rs");
    let readme = include_str!("../../../GUIDE.md");
    let example = this
        .split("// README begin\n")
        .nth(1)
        .and_then(|rest| rest.split("// README end").next())
        .unwrap();
    assert!(
        readme.contains(example),
        "GUIDE.md's \"Your own HTTP stack\" example differs from tests/conformance/tests/closure_transport.rs"
    );
}
