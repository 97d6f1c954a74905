//! `workos-logout demo`: the whole logout flow against an embedded emulator, for each transport.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use workos_logout::emulator::Emulator;
use workos_logout::{AnyClient, Transport};
use workos_sso_logout::url::Url;
use workos_sso_logout::{
    ApiKey, BaseUrl, ClientOptions, Config, Error, InvalidInput, LogoutAuthorizeRequest,
    LogoutRedirect, ProfileId, parse_logout_authorize_response,
};

/// Most redirects followed from the logout URL before giving up on reaching a page.
const MAX_HOPS: usize = 5;

const AUTHORIZE: &str = "POST /sso/logout/authorize";

struct Printer {
    colour: bool,
    passed: usize,
    failed: usize,
}

impl Printer {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// One line a step: mark, name, request, status and time; an optional detail line below.
    fn step(
        &mut self,
        name: &str,
        request: &str,
        outcome: Result<String, Error>,
        took: Duration,
        detail: Option<String>,
    ) {
        let ms = self.paint("2", &format!("{:>7.1} ms", took.as_secs_f64() * 1000.0));
        let (mark, status) = match outcome {
            Ok(status) => {
                self.passed += 1;
                (self.paint("32", "✓"), status)
            }
            Err(e) => {
                self.failed += 1;
                (self.paint("31", "✗"), self.paint("31", &e.to_string()))
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "  {mark} {name:<9} {request:<44} {status:<10} {ms}");
        if let Some(detail) = detail {
            let _ = writeln!(out, "    {:<9} {detail}", "");
        }
    }
}

/// A URL with every query value (tokens, hints, state) left out: `…/sso/logout?token=…`.
fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    let names: Vec<String> = url.query_pairs().map(|(k, _)| format!("{k}=…")).collect();
    shown.set_query(None);
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    match names.is_empty() {
        true => shown.to_string(),
        false => format!("{shown}?{}", names.join("&")),
    }
}

/// A URL as the demo shows it: query values left out, and the origin left out when it is the emulator's.
fn show(url: &Url, base: &str) -> String {
    let shown = redact_url(url);
    match shown.strip_prefix(base) {
        Some(rest) if rest.starts_with('/') => rest.to_owned(),
        _ => shown,
    }
}

/// Runs the demo; returns the process exit status.
pub(crate) fn run() -> u8 {
    match Emulator::builder().start() {
        Ok(emulator) => run_on(&emulator),
        Err(e) => {
            eprintln!("error: could not start the embedded emulator: {e}");
            4
        }
    }
}

/// The demo against a running emulator: 0 when every step passed, 1 otherwise.
fn run_on(emulator: &Emulator) -> u8 {
    let started = Instant::now();
    let mut p = Printer {
        // Colour for people at a terminal, unless they opted out (https://no-color.org).
        colour: std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        passed: 0,
        failed: 0,
    };
    say!(
        "{}",
        p.paint(
            "1",
            "workos-logout demo: SSO logout, end to end, against the embedded WorkOS emulator"
        )
    );
    say!(
        "emulator at {}, OIDC profile {}",
        emulator.base_url(),
        emulator.oidc_profile_id()
    );
    for transport in Transport::ALL {
        say!();
        say!("{}", p.paint("1", &format!("[{transport}]")));
        flow(&mut p, emulator, transport);
    }
    say!();
    let total = p.passed + p.failed;
    let summary = format!(
        "summary: {}/{total} steps passed with {} transports in {:.0} ms",
        p.passed,
        Transport::ALL.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    if p.failed == 0 {
        say!("{}", p.paint("32", &summary));
        0
    } else {
        say!(
            "{}",
            p.paint("31", &format!("{summary}; {} failed", p.failed))
        );
        1
    }
}

/// One transport's flow: authorize, then follow the redirect chain hop by hop to the page.
fn flow(p: &mut Printer, emulator: &Emulator, transport: Transport) {
    let config = match ApiKey::new(emulator.api_key())
        .and_then(|key| Ok(Config::new(key).with_base_url(BaseUrl::parse(emulator.base_url())?)))
    {
        Ok(c) => c,
        Err(e) => return p.step("setup", "", Err(e.into()), Duration::ZERO, None),
    };
    let client = match AnyClient::new(transport, config.clone(), ClientOptions::default()) {
        Ok(c) => c,
        Err(e) => return p.step("setup", "", Err(e), Duration::ZERO, None),
    };

    // Authorize through the transport trait, so the step can show the response status.
    let t = Instant::now();
    let request = ProfileId::new(emulator.oidc_profile_id())
        .map_err(Error::from)
        .and_then(|id| config.logout_authorize_request(&LogoutAuthorizeRequest::new(id)));
    let authorized = request.and_then(|request| {
        let response = client.send(request)?;
        let status = response.status();
        let sent_to = config.logout_authorize_url();
        parse_logout_authorize_response(&sent_to, &response).map(|auth| (status, auth))
    });
    let took = t.elapsed();
    let auth = match authorized {
        Ok((status, auth)) => {
            let shown = Url::parse(auth.logout_url()).map(|u| redact_url(&u));
            let detail = format!(
                "logout URL: {}",
                shown.unwrap_or_else(|_| "[unparsable]".into())
            );
            let status = Ok(status.to_string());
            p.step("authorize", AUTHORIZE, status, took, Some(detail));
            auth
        }
        Err(e) => return p.step("authorize", AUTHORIZE, Err(e), took, None),
    };

    let base = emulator.base_url();
    let mut url = match Url::parse(auth.logout_url()) {
        Ok(url) => url,
        Err(_) => {
            let err = InvalidInput::LogoutUrl("it is not an absolute URL");
            return p.step("logout", "", Err(err.into()), Duration::ZERO, None);
        }
    };
    for hop in 0..MAX_HOPS {
        let name = if hop == 0 { "logout" } else { "redirect" };
        let shown = format!("GET  {}", show(&url, base));
        let t = Instant::now();
        let outcome = client.follow_logout_redirect(url.as_str());
        let took = t.elapsed();
        match outcome {
            Ok(LogoutRedirect::Redirect { status, location }) => {
                let detail = format!("→ {}", show(&location, base));
                p.step(name, &shown, Ok(status.to_string()), took, Some(detail));
                url = location;
            }
            Ok(done) => {
                let status = Ok(done.status().to_string());
                p.step("page", &shown, status, took, Some("signed out".into()));
                return;
            }
            Err(e) => return p.step(name, &shown, Err(e), took, None),
        }
    }
    p.step(
        "redirect",
        "",
        Err(workos_sso_logout::TransportError::new(
            workos_sso_logout::FailureKind::Other,
            format!("no page after {MAX_HOPS} redirects"),
        )
        .into()),
        Duration::ZERO,
        None,
    );
}

#[cfg(test)]
mod tests {
    use workos_logout::emulator::{Fault, Route};

    use super::*;

    #[test]
    fn the_demo_passes_against_a_healthy_emulator() {
        let emulator = Emulator::builder().start().unwrap();
        assert_eq!(run_on(&emulator), 0);
    }

    #[test]
    fn a_failed_step_fails_the_demo_and_the_rest_still_runs() {
        let emulator = Emulator::builder().start().unwrap();
        // ureq: authorize fails (404 is not retried); hyper: the logout hop fails.
        emulator.push_fault(Route::Authorize, Fault::status(404));
        emulator.push_fault(Route::Logout, Fault::status(400));
        assert_eq!(run_on(&emulator), 1);
        assert_eq!(
            emulator.requests_to(Route::Authorize).len(),
            2,
            "hyper ran after ureq failed"
        );
        assert_eq!(emulator.requests_to(Route::Logout).len(), 1);
        assert!(emulator.requests_to(Route::EndSession).is_empty());
    }
}
