//! The library behind the `workos-logout` CLI: one blocking façade over both SDK transports, so the
//! CLI, the demo and the end-to-end suite drive ureq and hyper through the same calls. (This is
//! the client side; the emulator, `workos-sso-logout-emulator`, does not use the SDK.)
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The repository guide's examples, compiled and run as doctests (the README's and the migration
/// notes' are the example app's: they need axum).
#[cfg(doctest)]
#[doc = include_str!("../../../GUIDE.md")]
struct GuideDoctests;

/// This crate's README examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

use std::fmt;

use workos_sso_logout::http::{Request, Response};
use workos_sso_logout::url::Url;
use workos_sso_logout::{
    AsyncTransport, ClientOptions, Config, Error, FailureKind, LogoutAuthorization, LogoutRedirect,
    LogoutToken, ProfileId, SyncTransport, TransportError,
};

pub use workos_sso_logout_emulator as emulator;

/// Which HTTP stack to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Transport {
    /// Blocking, ureq 3 (`workos-sso-logout-ureq`).
    Ureq,
    /// Async, hyper 1 on a tokio runtime (`workos-sso-logout-hyper`).
    Hyper,
}

impl Transport {
    /// Both transports, in demo order.
    pub const ALL: [Transport; 2] = [Transport::Ureq, Transport::Hyper];
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Ureq => "ureq",
            Transport::Hyper => "hyper",
        })
    }
}

/// A client on either transport, with blocking calls (hyper runs on its own current-thread
/// runtime).
// One client lives per command or test; the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub enum AnyClient {
    /// The ureq client.
    Ureq(workos_sso_logout_ureq::Client),
    /// The hyper client and the runtime that drives it.
    Hyper(HyperOnRuntime),
}

/// The hyper client with the current-thread runtime its blocking calls run on.
pub struct HyperOnRuntime {
    client: workos_sso_logout_hyper::Client,
    runtime: tokio::runtime::Runtime,
}

impl fmt::Debug for AnyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AnyClient({})", self.transport())
    }
}

impl AnyClient {
    /// A client on `transport` with this configuration and these options.
    pub fn new(
        transport: Transport,
        config: Config,
        options: ClientOptions,
    ) -> Result<Self, Error> {
        Ok(match transport {
            Transport::Ureq => AnyClient::Ureq(workos_sso_logout_ureq::Client::with_options(
                config, options,
            )?),
            Transport::Hyper => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| TransportError::new(FailureKind::Other, e))?;
                AnyClient::Hyper(HyperOnRuntime {
                    client: workos_sso_logout_hyper::Client::with_options(config, options)?,
                    runtime,
                })
            }
        })
    }

    /// This client with a request hook ([`workos_sso_logout::RequestHook`]) on either transport.
    pub fn with_request_hook(
        self,
        hook: impl Fn(&mut workos_sso_logout::ExtraHeaders<'_>) + Send + Sync + 'static,
    ) -> Self {
        match self {
            AnyClient::Ureq(c) => AnyClient::Ureq(c.with_request_hook(hook)),
            AnyClient::Hyper(h) => AnyClient::Hyper(HyperOnRuntime {
                client: h.client.with_request_hook(hook),
                runtime: h.runtime,
            }),
        }
    }

    /// The transport in use.
    pub fn transport(&self) -> Transport {
        match self {
            AnyClient::Ureq(_) => Transport::Ureq,
            AnyClient::Hyper(_) => Transport::Hyper,
        }
    }

    /// Logout Authorize.
    pub fn authorize_logout(&self, profile_id: &ProfileId) -> Result<LogoutAuthorization, Error> {
        match self {
            AnyClient::Ureq(c) => c.authorize_logout(profile_id),
            AnyClient::Hyper(h) => h.runtime.block_on(h.client.authorize_logout(profile_id)),
        }
    }

    /// One `GET` of a logout (or any browser-side) URL, without following its redirect.
    pub fn follow_logout_redirect(&self, url: &str) -> Result<LogoutRedirect, Error> {
        match self {
            AnyClient::Ureq(c) => c.follow_logout_redirect(url),
            AnyClient::Hyper(h) => h.runtime.block_on(h.client.follow_logout_redirect(url)),
        }
    }

    /// The Logout Redirect URL for a token.
    pub fn logout_redirect_url(&self, token: &LogoutToken) -> Url {
        match self {
            AnyClient::Ureq(c) => c.logout_redirect_url(token),
            AnyClient::Hyper(h) => h.client.logout_redirect_url(token),
        }
    }

    /// Sends one core-built request through the transport trait.
    pub fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        match self {
            AnyClient::Ureq(c) => SyncTransport::send(c.transport(), request),
            AnyClient::Hyper(h) => h
                .runtime
                .block_on(AsyncTransport::send(h.client.transport(), request)),
        }
    }
}
