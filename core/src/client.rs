//! The clients a user holds: [`Client`] (blocking) and [`AsyncClient`], generic over the
//! transport and the environment. The one call loop of each lives here; adapters only provide a
//! transport.

use std::fmt;
use std::future::poll_fn;
use std::pin::pin;
use std::task::Poll;

use url::Url;

use crate::call::Call;
use crate::config::Config;
use crate::error::{BoxError, Error, InvalidInput, TransportError};
use crate::inputs::{LogoutToken, ProfileId};
use crate::logout_authorization::LogoutAuthorization;
use crate::logout_authorize::LogoutAuthorizeRequest;
use crate::logout_redirect::LogoutRedirect;
use crate::options::ClientOptions;
use crate::request::{AttemptTimeout, ExtraHeaders, RequestHook, run_hook};
#[cfg(not(target_family = "wasm"))]
use crate::transport::StdEnvironment;
use crate::transport::{AsyncTransport, Environment, SyncTransport};

/// What both clients share: construction, accessors and how calls are made.
macro_rules! client_common {
    ($client:ident, $transport_trait:ident, $await_doc:literal) => {
        #[cfg(not(target_family = "wasm"))]
        impl<T> $client<T, StdEnvironment> {
            /// A client sending through `transport` (anything implementing the transport
            #[doc = concat!("trait, [`", stringify!($transport_trait), "`], closures included), in the")]
            /// standard environment.
            ///
            /// `options` are the ones the client's calls follow (the deadline, the attempt
            /// timeout and the retry policy, told to the transport on each request as its
            /// [`AttemptTimeout`](crate::AttemptTimeout)); a transport built from the same options
            /// applies their connect timeout and body bound.
            pub fn with_transport(config: Config, options: ClientOptions, transport: T) -> Self {
                Self {
                    config,
                    options,
                    transport,
                    env: StdEnvironment,
                    hook: None,
                }
            }
        }

        impl<T, E> $client<T, E>
        where
            T: TryFrom<ClientOptions, Error = Error>,
            E: Default,
        {
            /// A client with the default options on a transport built from them (what the
            /// adapters' `Client::new` is).
            pub fn new(config: Config) -> Result<Self, Error> {
                Self::with_options(config, ClientOptions::default())
            }

            /// A client configured from the environment ([`Config::from_env`]: `WORKOS_API_KEY`,
            /// required here, and optional `WORKOS_BASE_URL`), with the default options.
            pub fn from_env() -> Result<Self, Error> {
                let config = Config::from_env()?;
                if config.api_key().is_none() {
                    return Err(InvalidInput::MissingApiKey.into());
                }
                Self::new(config)
            }

            /// A client with these options on a transport built from them.
            pub fn with_options(config: Config, options: ClientOptions) -> Result<Self, Error> {
                Ok(Self {
                    transport: T::try_from(options.clone())?,
                    config,
                    options,
                    env: E::default(),
                    hook: None,
                })
            }
        }

        impl<T, E> $client<T, E> {
            /// A client sending through `transport` in the environment `env` (the clock,
            /// randomness and sleeping it runs with): what a runtime without `std`'s clock,
            /// entropy or threads uses (WebAssembly, where [`with_transport`](Self::with_transport)
            /// does not exist). `options` as for `with_transport`.
            pub fn with_transport_in(
                config: Config,
                options: ClientOptions,
                transport: T,
                env: E,
            ) -> Self {
                Self {
                    config,
                    options,
                    transport,
                    env,
                    hook: None,
                }
            }

            /// This client in another environment (a test clock, fixed randomness, a runtime's
            /// timer).
            pub fn with_environment<E2>(self, env: E2) -> $client<T, E2> {
                $client {
                    config: self.config,
                    options: self.options,
                    transport: self.transport,
                    env,
                    hook: self.hook,
                }
            }

            /// This client with `hook` adding headers to every attempt's request, just before it
            /// is sent (in its span, feature `tracing`): trace-context propagation, say. The
            /// hook cannot set, change or remove the SDK's own headers ([`ExtraHeaders`]).
            ///
            /// ```
            /// # use workos_sso_logout::*;
            /// # let config = Config::new(ApiKey::new("sk_test_123")?);
            /// # let transport = |request: http::Request<Vec<u8>>| {
            /// #     assert_eq!(request.headers()["x-tenant"], "acme");
            /// #     http::Response::builder().status(200).body(
            /// #         br#"{"logout_url":"https://auth.workos.com/sso/logout?token=t","logout_token":"t"}"#.to_vec())
            /// # };
            #[doc = concat!("let client = ", stringify!($client), "::with_transport(config, ClientOptions::default(), transport)")]
            ///     .with_request_hook(|headers: &mut ExtraHeaders<'_>| {
            ///         // Refused (the SDK sets it), and the request keeps the SDK's value:
            ///         assert!(headers.insert("user-agent", "mine").is_err());
            ///         headers.insert("x-tenant", "acme").expect("a header of our own");
            ///     });
            /// # Ok::<(), Box<dyn std::error::Error>>(())
            /// ```
            pub fn with_request_hook(
                mut self,
                hook: impl Fn(&mut ExtraHeaders<'_>) + Send + Sync + 'static,
            ) -> Self {
                self.hook = Some(std::sync::Arc::new(hook));
                self
            }

            /// The configuration.
            pub fn config(&self) -> &Config {
                &self.config
            }

            /// The options.
            pub fn options(&self) -> &ClientOptions {
                &self.options
            }

            /// The transport (a test double's record, for instance).
            pub fn transport(&self) -> &T {
                &self.transport
            }

            /// The Logout Redirect URL for a token (pure; nothing is sent). Prefer the
            /// `logout_url` Logout Authorize returned.
            pub fn logout_redirect_url(&self, token: &LogoutToken) -> Url {
                self.config.logout_redirect_url(token)
            }
        }

        impl<T, E: Environment> $client<T, E> {
            /// The Logout Authorize [`Call`] this client's
            /// [`authorize_logout_with`](Self::authorize_logout_with) makes, under its options,
            /// for [`run`](Self::run) — with a deadline of its own, say:
            #[doc = concat!("`client.run(client.authorize_call(&request)?.with_deadline(Duration::from_secs(3))?)`", $await_doc, ".")]
            pub fn authorize_call(
                &self,
                request: &LogoutAuthorizeRequest,
            ) -> Result<Call<LogoutAuthorization>, Error> {
                self.config.authorize_call(request, &self.options, &self.env)
            }

            /// The Logout Redirect [`Call`] this client's
            /// [`follow_logout_redirect`](Self::follow_logout_redirect) makes, for
            /// [`run`](Self::run).
            pub fn redirect_call(&self, url: &str) -> Result<Call<LogoutRedirect>, Error> {
                self.config.redirect_call(url, &self.options)
            }
        }

        impl<T, E> fmt::Debug for $client<T, E> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($client))
                    .field("config", &self.config)
                    .field("options", &self.options)
                    .field("transport", &std::any::type_name::<T>())
                    .field("request_hook", &self.hook.is_some())
                    .finish_non_exhaustive()
            }
        }
    };
}

/// A blocking WorkOS SSO Logout client over any [`SyncTransport`]: ureq through
/// `workos-sso-logout-ureq`, your own stack, or a closure in a unit test.
///
/// ```
/// use workos_sso_logout::{ApiKey, Client, ClientOptions, Config, ProfileId};
///
/// // A web handler's dependency, tested without a network: the transport is a closure.
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!(request.uri().path(), "/sso/logout/authorize");
///     http::Response::builder().status(200).body(
///         br#"{"logout_url":"https://auth.workos.com/sso/logout?token=t","logout_token":"t"}"#.to_vec(),
///     )
/// };
/// let config = Config::new(ApiKey::new("sk_test_123")?);
/// let client = Client::with_transport(config, ClientOptions::default(), transport);
/// let logout = client.authorize_logout(&ProfileId::new("prof_1")?)?;
/// assert!(logout.logout_url().starts_with("https://auth.workos.com/sso/logout?"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
#[cfg(not(target_family = "wasm"))]
pub struct Client<T, E = StdEnvironment> {
    config: Config,
    options: ClientOptions,
    transport: T,
    env: E,
    hook: Option<RequestHook>,
}

/// A blocking WorkOS SSO Logout client over any [`SyncTransport`]; on WebAssembly its
/// environment has no default (see [`Environment`]): make it with `with_transport_in`.
#[derive(Clone)]
#[cfg(target_family = "wasm")]
pub struct Client<T, E> {
    config: Config,
    options: ClientOptions,
    transport: T,
    env: E,
    hook: Option<RequestHook>,
}

/// An async WorkOS SSO Logout client over any [`AsyncTransport`]: hyper through
/// `workos-sso-logout-hyper`, your own stack, or an async closure in a unit test.
///
/// A call checks its input when it is made (no runtime needed) and returns a future that sends
/// it; an input error is that future's output.
///
/// ```
/// use workos_sso_logout::{ApiKey, AsyncClient, ClientOptions, Config, ProfileId};
///
/// let transport = |_request: http::Request<Vec<u8>>| async {
///     http::Response::builder().status(404).body(br#"{"message":"Profile not found"}"#.to_vec())
/// };
/// let config = Config::new(ApiKey::new("sk_test_123")?);
/// let client = AsyncClient::with_transport(config, ClientOptions::default(), transport);
/// let profile = ProfileId::new("prof_unknown")?;
/// // Any executor runs it; this closure answers at once, so one poll is enough here.
/// let mut future = std::pin::pin!(client.authorize_logout(&profile));
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// let std::task::Poll::Ready(result) = future.as_mut().poll(&mut cx) else {
///     unreachable!("the closure answers at once")
/// };
/// assert_eq!(result.unwrap_err().status(), Some(http::StatusCode::NOT_FOUND));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
#[cfg(not(target_family = "wasm"))]
pub struct AsyncClient<T, E = StdEnvironment> {
    config: Config,
    options: ClientOptions,
    transport: T,
    env: E,
    hook: Option<RequestHook>,
}

/// An async WorkOS SSO Logout client over any [`AsyncTransport`] (a `fetch` transport, say); on
/// WebAssembly its environment has no default (see [`Environment`]): make it with
/// `with_transport_in`.
#[derive(Clone)]
#[cfg(target_family = "wasm")]
pub struct AsyncClient<T, E> {
    config: Config,
    options: ClientOptions,
    transport: T,
    env: E,
    hook: Option<RequestHook>,
}

client_common!(Client, SyncTransport, "");
client_common!(AsyncClient, AsyncTransport, "`.await`");

impl<T: SyncTransport, E: Environment> Client<T, E> {
    /// Logout Authorize for a profile: the logout URL to send the browser to, and its token.
    pub fn authorize_logout(&self, profile_id: &ProfileId) -> Result<LogoutAuthorization, Error> {
        self.authorize_logout_with(&LogoutAuthorizeRequest::new(profile_id.clone()))
    }

    /// Logout Authorize with a full request (for a caller-chosen idempotency key).
    pub fn authorize_logout_with(
        &self,
        request: &LogoutAuthorizeRequest,
    ) -> Result<LogoutAuthorization, Error> {
        self.run(self.authorize_call(request)?)
    }

    /// Sends the browser's `GET` of a logout URL (the `logout_url` of Logout Authorize, or
    /// [`logout_redirect_url`](Self::logout_redirect_url)) once, without following the redirect,
    /// and says where WorkOS sends the browser (or that the logout completed). This spends the
    /// token.
    pub fn follow_logout_redirect(
        &self,
        logout_url: impl AsRef<str>,
    ) -> Result<LogoutRedirect, Error> {
        self.run(self.redirect_call(logout_url.as_ref())?)
    }

    /// Drives a [`Call`] through its attempts: the blocking call loop. The call's deadline runs
    /// from here; each attempt is bounded by the transport, which the request tells its
    /// [`AttemptTimeout`](crate::AttemptTimeout) (a blocking send cannot be interrupted from
    /// outside), and no wait or attempt goes past the deadline.
    pub fn run<O>(&self, call: Call<O>) -> Result<O, Error> {
        let mut parts = call.start(self.env.now()).parts();
        // The loop runs in the call's span (made by `start`, a child of the caller's).
        #[cfg(feature = "tracing")]
        let span = parts
            .as_ref()
            .map_or_else(|_| tracing::Span::none(), |(_, _, c)| c.span());
        #[cfg(feature = "tracing")]
        let _in_call = span.enter();
        loop {
            #[allow(unused_mut)]
            let (delay, mut request, mut call) = match parts {
                Ok(parts) => parts,
                Err(result) => return result,
            };
            if !delay.is_zero() {
                self.env.sleep(delay);
            }
            #[cfg(feature = "tracing")]
            let attempt = call.attempt_span();
            #[cfg(feature = "tracing")]
            let _in_attempt = attempt.enter();
            run_hook(self.hook.as_ref(), &mut request);
            let sent = self.transport.send(request);
            parts = call.handle(sent, self.env.now(), self.env.random()).parts();
        }
    }
}

impl<T: AsyncTransport, E: Environment> AsyncClient<T, E> {
    /// Logout Authorize for a profile: the logout URL to send the browser to, and its token.
    ///
    /// The input is checked when this is called; an error is the future's output.
    pub fn authorize_logout(
        &self,
        profile_id: &ProfileId,
    ) -> impl Future<Output = Result<LogoutAuthorization, Error>> + use<'_, T, E> {
        self.drive(self.authorize_call(&LogoutAuthorizeRequest::new(profile_id.clone())))
    }

    /// Logout Authorize with a full request (for a caller-chosen idempotency key).
    pub fn authorize_logout_with(
        &self,
        request: &LogoutAuthorizeRequest,
    ) -> impl Future<Output = Result<LogoutAuthorization, Error>> + use<'_, T, E> {
        self.drive(self.authorize_call(request))
    }

    /// Sends the browser's `GET` of a logout URL (the `logout_url` of Logout Authorize, or
    /// [`logout_redirect_url`](Self::logout_redirect_url)) once, without following the redirect,
    /// and says where WorkOS sends the browser (or that the logout completed). This spends the
    /// token.
    pub fn follow_logout_redirect(
        &self,
        logout_url: impl AsRef<str>,
    ) -> impl Future<Output = Result<LogoutRedirect, Error>> {
        self.drive(self.redirect_call(logout_url.as_ref()))
    }

    /// Drives a [`Call`] through its attempts: the async call loop. The call's deadline runs from
    /// the first poll; each attempt is bounded by its [`AttemptTimeout`](crate::AttemptTimeout)
    /// twice over — the transport is told it on the request, and the loop stops waiting for a
    /// transport that overruns it (on the environment's timer,
    /// [`Environment::sleep_async`]) — and no wait or attempt goes past the deadline.
    pub fn run<O>(&self, call: Call<O>) -> impl Future<Output = Result<O, Error>> {
        self.drive(Ok(call))
    }

    /// [`run`](Self::run) for a call that may not have been made (bad input): its error is the
    /// future's output. (The input is checked when a method is called, not when its future is
    /// first polled.)
    async fn drive<O>(&self, call: Result<Call<O>, Error>) -> Result<O, Error> {
        // Everything happens at the first poll: the deadline runs, and the call's span is made
        // as a child of the span current then (`.instrument(..)`, `join!`).
        // The loop's state is the attempt's parts, not the step: the future holds each once.
        let (mut delay, mut request, mut call) = match call?.start(self.env.now()).parts() {
            Ok(parts) => parts,
            Err(result) => return result,
        };
        loop {
            if !delay.is_zero() {
                self.env.sleep_async(delay).await;
            }
            // The attempt's span, a child of the call's: it holds the hook, the exchange and
            // the reading of its result.
            #[cfg(feature = "tracing")]
            let attempt = call.attempt_span();
            #[cfg(feature = "tracing")]
            let in_attempt = attempt.enter();
            run_hook(self.hook.as_ref(), &mut request);
            #[cfg(feature = "tracing")]
            drop(in_attempt);
            let timeout = AttemptTimeout::of(&request).unwrap_or(self.options.timeout());
            // Pinned where they are made, so the future holds each once.
            #[cfg(feature = "tracing")]
            let mut send = pin!(tracing::Instrument::instrument(
                self.transport.send(request),
                attempt.clone()
            ));
            #[cfg(not(feature = "tracing"))]
            let mut send = pin!(self.transport.send(request));
            let mut timer = pin!(None);
            // The transport is polled first, and the timer made only when it is not ready, so
            // an answer that is ready at once (a test double) costs no timer.
            let sent = poll_fn(|cx| {
                if let Poll::Ready(sent) = send.as_mut().poll(cx) {
                    return Poll::Ready(sent.map_err(Into::<BoxError>::into));
                }
                if timer.is_none() {
                    timer.set(Some(self.env.sleep_async(timeout)));
                }
                match timer.as_mut().as_pin_mut().map(|t| t.poll(cx)) {
                    Some(Poll::Ready(())) => {
                        Poll::Ready(Err(TransportError::timed_out(timeout).into()))
                    }
                    _ => Poll::Pending,
                }
            })
            .await;
            let (now, random) = (self.env.now(), self.env.random());
            #[cfg(feature = "tracing")]
            let in_attempt = attempt.enter();
            (delay, request, call) = match call.handle(sent, now, random).parts() {
                Ok(parts) => parts,
                Err(result) => return result,
            };
            #[cfg(feature = "tracing")]
            drop(in_attempt);
        }
    }
}
