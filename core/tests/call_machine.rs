//! State-machine property tests of `Call` with a simulated clock: arbitrary sequences of answers
//! (statuses, `Retry-After` in seconds and as dates, failures of each kind, attempt durations)
//! under arbitrary policies, attempt timeouts and deadlines. The clock is a number the test
//! moves: by each step's delay, then by each attempt's duration, cut at the attempt's
//! `AttemptTimeout` as a conforming transport cuts it.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use workos_sso_logout::{
    ApiKey, AttemptTimeout, BaseUrl, ClientOptions, Config, Environment, Error, FailureKind,
    LogoutAuthorizeRequest, ProfileId, RetryPolicy, Step, TransportError,
};

/// An environment that answers one "random" number.
struct Fixed(u128);
impl Environment for Fixed {
    fn random(&self) -> u128 {
        self.0
    }
}

fn config() -> Config {
    let base = BaseUrl::parse("https://auth.workos.com").unwrap();
    Config::new(ApiKey::new("sk_test_machine").unwrap()).with_base_url(base)
}

/// What one attempt meets: an answer with this status (0 to 6 stand for the failure kinds), an
/// optional `Retry-After`, and how long the exchange takes if nothing cuts it.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
    takes: Duration,
}

const FAILURES: [FailureKind; 7] = [
    FailureKind::Connect,
    FailureKind::Timeout,
    FailureKind::Closed,
    FailureKind::Truncated,
    FailureKind::Tls,
    FailureKind::BodyTooLarge,
    FailureKind::Other,
];

fn answer() -> impl Strategy<Value = Answer> {
    let status = prop::sample::select(vec![
        0u16, 1, 2, 3, 4, 5, 6, 200, 302, 400, 404, 429, 500, 501, 502, 503, 504,
    ]);
    let retry_after = proptest::option::of(prop_oneof![
        (0u64..120).prop_map(|s| s.to_string()),
        (0u64..100_000).prop_map(|s| s.to_string()),
        (0u64..4_000_000_000)
            .prop_map(|s| httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(s))),
        Just("soon".to_owned()),
    ]);
    let takes = prop_oneof![0u64..50, 0u64..5_000, 0u64..120_000].prop_map(Duration::from_millis);
    (status, retry_after, takes).prop_map(|(status, retry_after, takes)| Answer {
        status,
        retry_after,
        takes,
    })
}

/// The result a transport hands back for `answer`.
fn result_of(answer: &Answer, redirect: bool) -> Result<http::Response<Vec<u8>>, TransportError> {
    if let Some(kind) = FAILURES.get(usize::from(answer.status)) {
        return Err(TransportError::new(*kind, "simulated"));
    }
    let mut builder = http::Response::builder().status(answer.status);
    if let Some(retry_after) = &answer.retry_after {
        builder = builder.header("retry-after", retry_after);
    }
    if redirect && answer.status == 302 {
        builder = builder.header("location", "https://idp.example/end_session");
    }
    Ok(builder
        .body(br#"{"message":"simulated"}"#.to_vec())
        .unwrap())
}

/// Whether an attempt that ended so may have reached the server (and spent a token): anything
/// but a connect failure or a 429.
fn may_have_arrived(result: &Result<http::Response<Vec<u8>>, TransportError>) -> bool {
    match result {
        Ok(response) => response.status() != 429,
        Err(e) => !matches!(e.kind(), FailureKind::Connect | FailureKind::Tls),
    }
}

#[derive(Debug, Clone)]
struct Setup {
    max_attempts: u32,
    initial: Duration,
    max_delay: Duration,
    timeout: Duration,
    deadline: Option<Duration>,
    redirect: bool,
    random: u128,
    start: SystemTime,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        1u32..=8,
        0u64..3_000,
        0u64..40_000,
        1u64..60_000,
        proptest::option::of(1u64..90_000),
        any::<bool>(),
        any::<u128>(),
        0u64..4_000_000_000,
    )
        .prop_map(
            |(max_attempts, initial, extra, timeout, deadline, redirect, random, start)| Setup {
                max_attempts,
                initial: Duration::from_millis(initial),
                max_delay: Duration::from_millis(initial + extra),
                timeout: Duration::from_millis(timeout),
                deadline: deadline.map(Duration::from_millis),
                redirect,
                random,
                start: UNIX_EPOCH + Duration::from_secs(start),
            },
        )
}

/// What a simulated run saw.
#[derive(Debug)]
struct Run {
    attempts: u32,
    ended_at: SystemTime,
    result: Result<(), Error>,
}

/// Drives one call through `answers` on the simulated clock, checking every step as it goes.
fn run(setup: &Setup, answers: &[Answer]) -> Result<Run, TestCaseError> {
    let policy = RetryPolicy::new(setup.max_attempts, setup.initial, setup.max_delay).unwrap();
    let mut options = ClientOptions::default()
        .with_retry_policy(policy.clone())
        .with_timeout(setup.timeout)
        .unwrap()
        .without_deadline();
    if let Some(deadline) = setup.deadline {
        options = options.with_deadline(deadline).unwrap();
    }
    let ends_at = setup.deadline.map(|d| setup.start + d);
    let mut now = setup.start;
    let mut attempts = 0;
    let mut key = None;
    let mut arrived = false;
    let mut answers = answers.iter().cycle();
    let mut step = if setup.redirect {
        let url = "https://auth.workos.com/sso/logout?token=tok_machine";
        let call = config().redirect_call(url, &options).unwrap();
        prop_assert_eq!(call.deadline(), setup.deadline);
        Ok(call.start(now))
    } else {
        let request = LogoutAuthorizeRequest::new(ProfileId::new("prof_machine").unwrap());
        let call = config()
            .authorize_call(&request, &options, &Fixed(setup.random))
            .unwrap();
        Err(call.start(now))
    };
    loop {
        // One arm per endpoint; the checks are the same.
        macro_rules! attempt {
            ($step:expr, $wrap:expr) => {
                match $step {
                    Step::Send {
                        delay,
                        request,
                        call,
                    } => {
                        prop_assert!(delay <= policy.max_delay(), "a delay over the policy's cap");
                        now += delay;
                        if let Some(ends_at) = ends_at {
                            prop_assert!(now < ends_at, "a wait ends at or past the deadline");
                        }
                        attempts += 1;
                        prop_assert!(
                            attempts <= setup.max_attempts,
                            "more attempts than the policy allows"
                        );
                        prop_assert_eq!(call.attempts(), attempts);
                        prop_assert!(
                            !(setup.redirect && arrived),
                            "the token-spending GET was resent"
                        );
                        let budget = AttemptTimeout::of(&request)
                            .expect("every attempt carries its timeout");
                        prop_assert!(
                            budget <= setup.timeout,
                            "an attempt given more than the timeout"
                        );
                        if let Some(ends_at) = ends_at {
                            prop_assert!(
                                now + budget <= ends_at,
                                "an attempt may run past the deadline"
                            );
                        }
                        if !setup.redirect && setup.max_attempts > 1 {
                            let sent = request.headers().get("idempotency-key").cloned();
                            prop_assert!(
                                sent.is_some(),
                                "a retried call without an Idempotency-Key"
                            );
                            prop_assert!(
                                key.get_or_insert(sent.clone()) == &sent,
                                "the Idempotency-Key changed"
                            );
                        }
                        let answer = answers.next().unwrap();
                        // A conforming transport ends the exchange at its budget.
                        let result = match answer.takes > budget {
                            true => {
                                now += budget;
                                Err(TransportError::timed_out(budget))
                            }
                            false => {
                                now += answer.takes;
                                result_of(answer, setup.redirect)
                            }
                        };
                        arrived |= may_have_arrived(&result);
                        $wrap(call.handle(result, now, setup.random))
                    }
                    Step::Done(result) => {
                        return Ok(Run {
                            attempts,
                            ended_at: now,
                            result: result.map(drop),
                        });
                    }
                }
            };
        }
        step = match step {
            Ok(step) => attempt!(step, Ok),
            Err(step) => attempt!(step, Err),
        };
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn a_call_keeps_its_deadline_policy_key_and_token(
        setup in setup(),
        answers in proptest::collection::vec(answer(), 1..12),
    ) {
        let run = run(&setup, &answers)?;
        prop_assert!(run.attempts >= 1);
        if let Some(deadline) = setup.deadline {
            prop_assert!(run.ended_at <= setup.start + deadline, "the call ended past its deadline");
        }
        if let Err(Error::DeadlineExceeded(e)) = &run.result {
            prop_assert_eq!(Some(e.deadline), setup.deadline);
            prop_assert!(!matches!(e.last, Error::DeadlineExceeded(_)));
        }
        if setup.deadline.is_none() {
            prop_assert!(!matches!(run.result, Err(Error::DeadlineExceeded(_))));
        }
    }

    /// The same answers with and without a deadline long enough never to bind give the same
    /// attempts and the same outcome: the deadline changes nothing it does not have to.
    #[test]
    fn a_deadline_that_never_binds_changes_nothing(
        setup in setup(),
        answers in proptest::collection::vec(answer(), 1..12),
    ) {
        let unbounded = Setup { deadline: None, ..setup.clone() };
        // No run can exceed: attempts × (timeout + max delay), under a day for these ranges.
        let day = Setup { deadline: Some(Duration::from_secs(24 * 60 * 60)), ..setup };
        let (a, b) = (run(&unbounded, &answers)?, run(&day, &answers)?);
        prop_assert_eq!(a.attempts, b.attempts);
        prop_assert_eq!(a.ended_at, b.ended_at);
        prop_assert_eq!(a.result.is_ok(), b.result.is_ok());
    }
}
