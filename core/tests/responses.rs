//! Canned responses for both endpoints.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use workos_sso_logout::UnexpectedReason;
use workos_sso_logout::{
    Error, LogoutRedirect, RetryAfter, parse_logout_authorize_response,
    parse_logout_redirect_response,
};

const OK_BODY: &str = r#"{"logout_url":"https://auth.workos.com/sso/logout?token=eyJhbGciOiJIUzI1NiJ9.e30.sig","logout_token":"eyJhbGciOiJIUzI1NiJ9.e30.sig"}"#;

/// The URL an authorize request is sent to (what the parse functions resolve against).
fn sent_to() -> url::Url {
    url::Url::parse("https://auth.workos.com/sso/logout/authorize").unwrap()
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

fn unexpected_reason(e: &Error) -> &UnexpectedReason {
    &e.as_unexpected()
        .unwrap_or_else(|| panic!("not unexpected: {e:?}"))
        .reason
}

#[test]
fn success_200_and_201() {
    for status in [200, 201] {
        let auth =
            parse_logout_authorize_response(&sent_to(), &response(status, &[], OK_BODY)).unwrap();
        assert_eq!(
            auth.logout_token().expose_secret(),
            "eyJhbGciOiJIUzI1NiJ9.e30.sig"
        );
        assert!(
            auth.logout_url()
                .starts_with("https://auth.workos.com/sso/logout?token=")
        );
    }
}

#[test]
fn unknown_fields_are_ignored() {
    let body = r#"{"object":"logout","logout_url":"https://auth.workos.com/sso/logout?token=x","logout_token":"x","extra":[1]}"#;
    assert!(parse_logout_authorize_response(&sent_to(), &response(200, &[], body)).is_ok());
}

#[test]
fn the_logout_url_must_be_safe_to_carry_the_token() {
    let body = |url: &str| format!(r#"{{"logout_url":"{url}","logout_token":"x"}}"#);
    let parse = |sent_to: &str, url: &str| {
        let sent_to = url::Url::parse(sent_to).unwrap();
        parse_logout_authorize_response(&sent_to, &response(200, &[], &body(url)))
    };
    let emulator = "http://127.0.0.1:4100/sso/logout/authorize";
    for good in [
        "http://127.0.0.1:4100/sso/logout?token=x",
        "http://localhost/sso/logout?token=x",
        "http://[::1]:8080/sso/logout?token=x",
        "https://auth.workos.com/sso/logout?token=x",
        "HTTPS://auth.workos.com:443/sso/logout?token=x",
        "https://auth.workos.com?token=x",
    ] {
        let auth = parse(emulator, good).unwrap();
        assert_eq!(auth.logout_url(), good, "kept as written");
    }
    for bad in [
        "https://auth.workos.com/sso/logout?token=a b", // a space
        "https://auth.workos.com/sso/logout?token=é",   // not ASCII
        "https://auth.workos.com:99999/sso/logout",     // no such port
        "https://auth.workos.com:/sso/logout",          // empty port
        "https:///sso/logout",                          // no host
        "https://[::1/sso/logout",                      // broken IPv6 literal
        "https://auth_workos.com/sso/logout",           // not a host name
        "http://[::2]/sso/logout",                      // plain http off loopback
        "https://x@auth.workos.com/",                   // user info
    ] {
        assert!(parse(emulator, bad).is_err(), "{bad}");
    }
    for bad in [
        "http://auth.workos.com/sso/logout?token=x", // plain http to a public host
        "https://user:pw@auth.workos.com/sso/logout", // user info
        "/sso/logout?token=x",                       // relative
        "ftp://auth.workos.com/sso/logout?token=x",  // not http
    ] {
        let err = parse(emulator, bad).unwrap_err();
        assert_eq!(
            unexpected_reason(&err),
            &UnexpectedReason::InvalidField("logout_url"),
            "{bad}"
        );
    }
    // No https → http downgrade, even to loopback.
    let https = "https://auth.workos.com/sso/logout/authorize";
    assert!(parse(https, "http://127.0.0.1:4100/sso/logout?token=x").is_err());
}

#[test]
fn message_shape_error() {
    let body = r#"{"message":"Validation failed","code":"invalid_request_parameters","errors":[{"field":"profile_id","code":"required","message":"profile_id is required"}]}"#;
    let err = parse_logout_authorize_response(
        &sent_to(),
        &response(422, &[("x-request-id", "req_422")], body),
    )
    .unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.status, 422);
    assert_eq!(api.code.as_deref(), Some("invalid_request_parameters"));
    assert_eq!(api.message.as_deref(), Some("Validation failed"));
    assert_eq!(api.errors.len(), 1);
    assert_eq!(api.errors[0].field.as_deref(), Some("profile_id"));
    assert_eq!(api.request_id.as_deref(), Some("req_422"));
    let shown = err.to_string();
    assert!(
        shown.contains("422")
            && shown.contains("req_422")
            && shown.contains("profile_id is required"),
        "{shown}"
    );
}

#[test]
fn oauth_shape_error() {
    let body = r#"{"error":"connection_invalid","error_description":"Single Logout is only supported for GenericOIDC connections."}"#;
    let err = parse_logout_authorize_response(
        &sent_to(),
        &response(400, &[("X-Request-ID", "req_400")], body),
    )
    .unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.code.as_deref(), Some("connection_invalid"));
    assert_eq!(
        api.message.as_deref(),
        Some("Single Logout is only supported for GenericOIDC connections.")
    );
    assert!(api.hint().unwrap().contains("OpenID Connect"));
    assert_eq!(err.request_id(), Some("req_400"));
}

#[test]
fn statuses_401_404_429_5xx() {
    for status in [401u16, 403, 404, 409, 429, 500, 502, 503, 504] {
        let err = parse_logout_authorize_response(
            &sent_to(),
            &response(status, &[("x-request-id", "r")], r#"{"message":"nope"}"#),
        )
        .unwrap_err();
        assert_eq!(err.status().unwrap(), status);
        assert_eq!(err.as_api().unwrap().message.as_deref(), Some("nope"));
    }
}

#[test]
fn retry_after_seconds_and_date() {
    let err = parse_logout_authorize_response(
        &sent_to(),
        &response(429, &[("retry-after", "12")], r#"{"message":"slow down"}"#),
    )
    .unwrap_err();
    assert_eq!(
        err.as_api().unwrap().retry_after,
        Some(RetryAfter::Seconds(12))
    );
    assert!(
        err.to_string().contains("the server asked to wait 12 s"),
        "{err}"
    );
    let err = parse_logout_authorize_response(
        &sent_to(),
        &response(
            429,
            &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")],
            r#"{"message":"slow down"}"#,
        ),
    )
    .unwrap_err();
    let at = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
    let api = err.as_api().unwrap();
    assert_eq!(api.retry_after, Some(RetryAfter::At(at)));
    assert_eq!(
        api.retry_after_delay(at - std::time::Duration::from_secs(5)),
        Some(std::time::Duration::from_secs(5))
    );
}

#[test]
fn non_json_html_and_empty_bodies() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let err = parse_logout_authorize_response(
        &sent_to(),
        &response(
            502,
            &[("content-type", "text/html"), ("x-request-id", "req_h")],
            html,
        ),
    )
    .unwrap_err();
    assert_eq!(
        unexpected_reason(&err),
        &UnexpectedReason::NotJson {
            content_type: Some("text/html".into())
        }
    );
    assert_eq!(err.status().unwrap(), 502);
    assert_eq!(err.request_id(), Some("req_h"));
    assert!(
        err.as_unexpected()
            .unwrap()
            .body_excerpt
            .contains("Bad Gateway")
    );

    let err = parse_logout_authorize_response(&sent_to(), &response(200, &[], "")).unwrap_err();
    assert_eq!(unexpected_reason(&err), &UnexpectedReason::EmptyBody);
    let err =
        parse_logout_authorize_response(&sent_to(), &response(200, &[], "logout ok")).unwrap_err();
    assert!(matches!(
        unexpected_reason(&err),
        UnexpectedReason::NotJson { .. }
    ));
    let err =
        parse_logout_authorize_response(&sent_to(), &response(200, &[], "[1,2]")).unwrap_err();
    assert_eq!(unexpected_reason(&err), &UnexpectedReason::WrongShape);
    let err = parse_logout_authorize_response(&sent_to(), &response(500, &[], "")).unwrap_err();
    assert_eq!(unexpected_reason(&err), &UnexpectedReason::EmptyBody);
}

#[test]
fn missing_and_wrong_typed_fields() {
    for (body, reason) in [
        (
            r#"{"logout_token":"t"}"#,
            UnexpectedReason::MissingField("logout_url"),
        ),
        (
            r#"{"logout_url":null,"logout_token":"t"}"#,
            UnexpectedReason::MissingField("logout_url"),
        ),
        (
            r#"{"logout_url":"https://a.example/x"}"#,
            UnexpectedReason::MissingField("logout_token"),
        ),
        (
            r#"{"logout_url":42,"logout_token":"t"}"#,
            UnexpectedReason::InvalidField("logout_url"),
        ),
        (
            r#"{"logout_url":"https://a.example/x","logout_token":7}"#,
            UnexpectedReason::InvalidField("logout_token"),
        ),
        (
            r#"{"logout_url":"https://a.example/x","logout_token":""}"#,
            UnexpectedReason::InvalidField("logout_token"),
        ),
        (
            r#"{"logout_url":"not a url","logout_token":"t"}"#,
            UnexpectedReason::InvalidField("logout_url"),
        ),
        (
            r#"{"logout_url":"/relative/only","logout_token":"t"}"#,
            UnexpectedReason::InvalidField("logout_url"),
        ),
        (
            r#"{"logout_url":"javascript:alert(1)","logout_token":"t"}"#,
            UnexpectedReason::InvalidField("logout_url"),
        ),
    ] {
        let err =
            parse_logout_authorize_response(&sent_to(), &response(200, &[], body)).unwrap_err();
        assert_eq!(unexpected_reason(&err), &reason, "{body}");
    }
}

#[test]
fn excerpts_are_bounded_and_redacted() {
    let body = format!(
        r#"{{"logout_token":"supersecret","note":"{}"}}"#,
        "x".repeat(5000)
    );
    let err = parse_logout_authorize_response(&sent_to(), &response(200, &[], &body)).unwrap_err();
    let excerpt = &err.as_unexpected().unwrap().body_excerpt;
    assert!(excerpt.len() <= 512 + '…'.len_utf8());
    assert!(!excerpt.contains("supersecret"));
    let html = "<p>token eyJhbGciOiJIUzI1NiJ9.eyJwIjoxfQ.c2ln and key sk_test_abc</p>";
    let err = parse_logout_authorize_response(&sent_to(), &response(500, &[], html)).unwrap_err();
    let excerpt = &err.as_unexpected().unwrap().body_excerpt;
    assert!(
        !excerpt.contains("eyJ") && !excerpt.contains("sk_test_abc"),
        "{excerpt}"
    );
    assert!(excerpt.contains("<p>token"));
}

#[test]
fn redirect_absolute_and_relative_locations() {
    let req = url::Url::parse("https://auth.workos.com/base/sso/logout?token=t").unwrap();
    let cases = [
        (
            "https://idp.example/end_session?x=1",
            "https://idp.example/end_session?x=1",
        ),
        ("/idp/end", "https://auth.workos.com/idp/end"),
        ("next", "https://auth.workos.com/base/sso/next"),
        ("//other.example/p", "https://other.example/p"),
    ];
    for status in [301u16, 302, 303, 307, 308] {
        for (location, want) in cases {
            let out = parse_logout_redirect_response(
                &req,
                &response(status, &[("location", location)], ""),
            )
            .unwrap();
            assert_eq!(out.status(), status);
            assert_eq!(out.location().unwrap().as_str(), want);
        }
    }
}

#[test]
fn redirect_completed_errors_and_bad_locations() {
    let req = url::Url::parse("https://auth.workos.com/sso/logout?token=t").unwrap();
    let out = parse_logout_redirect_response(&req, &response(200, &[], "<html>signed out</html>"))
        .unwrap();
    assert!(matches!(out, LogoutRedirect::Completed { status } if status == 200));
    let err = parse_logout_redirect_response(&req, &response(302, &[], "")).unwrap_err();
    assert_eq!(unexpected_reason(&err), &UnexpectedReason::MissingLocation);
    let err =
        parse_logout_redirect_response(&req, &response(302, &[("location", "javascript:x")], ""))
            .unwrap_err();
    assert_eq!(unexpected_reason(&err), &UnexpectedReason::MissingLocation);
    let err = parse_logout_redirect_response(
        &req,
        &response(
            400,
            &[("x-request-id", "req_t")],
            r#"{"error":"invalid_token","error_description":"expired"}"#,
        ),
    )
    .unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.code.as_deref(), Some("invalid_token"));
    assert_eq!(api.request_id.as_deref(), Some("req_t"));
    let err = parse_logout_redirect_response(&req, &response(101, &[], "")).unwrap_err();
    assert_eq!(unexpected_reason(&err), &UnexpectedReason::UnexpectedStatus);
}

#[test]
fn a_redirect_needs_a_location_that_leads_elsewhere() {
    let sent_to = url::Url::parse("https://auth.workos.com/sso/logout?token=abcdef").unwrap();
    let redirect = |location: Option<&str>| {
        let mut b = http::Response::builder().status(302);
        if let Some(l) = location {
            b = b.header("location", l);
        }
        parse_logout_redirect_response(&sent_to, &b.body(Vec::new()).unwrap())
    };
    for bad in [
        None,
        Some(""),
        Some("   "),
        Some(sent_to.as_str()),
        Some("?token=abcdef"),
    ] {
        let err = redirect(bad).unwrap_err();
        assert_eq!(
            unexpected_reason(&err),
            &UnexpectedReason::MissingLocation,
            "{bad:?}"
        );
        assert!(!err.to_string().contains("abcdef"), "{err}");
    }
    let err = redirect(Some("https://idp.example/end?hint=abcdef")).unwrap_err();
    assert_eq!(unexpected_reason(&err), &UnexpectedReason::SecretInLocation);
    assert!(redirect(Some("https://idp.example/end_session")).is_ok());
}

#[test]
fn hints_follow_the_endpoint_and_the_status() {
    let redirect_url = url::Url::parse("https://auth.workos.com/sso/logout?token=abcdef").unwrap();
    let on_redirect = |status: u16, body: &str| {
        let r = response(status, &[], body);
        parse_logout_redirect_response(&redirect_url, &r).unwrap_err()
    };
    // Whatever the server calls a bad token, the Logout Redirect hint is the same.
    for body in [
        r#"{"code":"invalid_logout_token","message":"used"}"#,
        r#"{"error":"invalid_token","error_description":"used"}"#,
        r#"{"message":"nope"}"#,
    ] {
        let hint = on_redirect(400, body).as_api().unwrap().hint().unwrap();
        assert!(hint.contains("authorize a new logout"), "{body}");
    }
    let err = on_redirect(502, r#"{"message":"bad gateway"}"#);
    assert!(err.to_string().contains("may have been spent"), "{err}");

    let on_authorize = |headers: &[(&str, &str)]| {
        let r = response(429, headers, r#"{"message":"slow down"}"#);
        parse_logout_authorize_response(&sent_to(), &r).unwrap_err()
    };
    let without = on_authorize(&[]);
    assert!(without.to_string().contains("named no delay"), "{without}");
    let with = on_authorize(&[("retry-after", "7")]);
    assert!(
        with.to_string().contains("the server asked to wait 7 s"),
        "{with}"
    );
    let huge = on_authorize(&[("retry-after", "99999999999999999999999")]);
    assert!(huge.to_string().contains("more than a day"), "{huge}");
    assert!(!huge.to_string().contains("18446744073709551615"), "{huge}");
}

/// A token that encodes differently (here `a+b/c=12`, sent percent-encoded) is looked for in
/// every form a `Location` can carry it in.
#[test]
fn a_location_carrying_the_token_in_any_form_is_refused() {
    let sent_to =
        url::Url::parse("https://auth.workos.com/sso/logout?token=a%2Bb%2Fc%3D12").unwrap();
    let redirect = |location: &str| {
        let r = http::Response::builder()
            .status(302)
            .header("location", location)
            .body(Vec::new())
            .unwrap();
        parse_logout_redirect_response(&sent_to, &r)
    };
    for carrying in [
        "https://idp.example/end?t=a%2Bb%2Fc%3D12",
        "https://idp.example/end?t=a+b/c=12",
        "https://idp.example/a+b/c=12",
    ] {
        let err = redirect(carrying).unwrap_err();
        assert_eq!(
            unexpected_reason(&err),
            &UnexpectedReason::SecretInLocation,
            "{carrying}"
        );
        assert!(!err.to_string().contains("c=12"), "{err}");
    }
    assert!(redirect("https://idp.example/end?t=a%2Bb").is_ok());
}

/// A field given twice could hide a second destination (a parse that keeps the last value would
/// accept it): the answer is refused, naming the field.
#[test]
fn a_field_given_twice_is_refused() {
    for (body, field) in [
        (
            r#"{"logout_url":"https://evil.example/sso/logout?token=tok1","logout_url":"https://auth.workos.com/sso/logout?token=tok1","logout_token":"tok1"}"#,
            "logout_url",
        ),
        (
            r#"{"logout_url":"https://auth.workos.com/sso/logout?token=tok1","logout_token":"tok1","logout_token":"tok1"}"#,
            "logout_token",
        ),
        (
            r#"{"logout_url":null,"logout_url":"https://auth.workos.com/sso/logout?token=tok1","logout_token":"tok1"}"#,
            "logout_url",
        ),
    ] {
        let err =
            parse_logout_authorize_response(&sent_to(), &response(200, &[], body)).unwrap_err();
        assert_eq!(
            unexpected_reason(&err),
            &UnexpectedReason::DuplicateField(field),
            "{body}"
        );
        assert!(!format!("{err} {err:?}").contains("tok1"), "{err:?}");
    }
    // A key written with a JSON escape is the same key.
    let escaped = r#"{"logout_url":"https://auth.workos.com/sso/logout?token=tok1","logout\u005furl":"https://evil.example/?token=tok1","logout_token":"tok1"}"#;
    let err =
        parse_logout_authorize_response(&sent_to(), &response(200, &[], escaped)).unwrap_err();
    assert_eq!(
        unexpected_reason(&err),
        &UnexpectedReason::DuplicateField("logout_url")
    );
}

/// The `token` of the `logout_url` is the `logout_token` of the same answer, or the answer is
/// refused.
#[test]
fn the_logout_url_carries_the_logout_token() {
    let parse = |url: &str| {
        let body = format!(r#"{{"logout_url":"{url}","logout_token":"tok1"}}"#);
        parse_logout_authorize_response(&sent_to(), &response(200, &[], &body))
    };
    assert!(parse("https://auth.workos.com/sso/logout?token=tok1").is_ok());
    assert!(parse("https://auth.workos.com/sso/logout?state=s&token=tok1").is_ok());
    for bad in [
        "https://auth.workos.com/sso/logout?token=tok2",
        "https://auth.workos.com/sso/logout",
        "https://auth.workos.com/sso/logout?token=tok1&token=tok2",
        "https://auth.workos.com/sso/logout?token=tok",
    ] {
        let err = parse(bad).unwrap_err();
        assert_eq!(
            unexpected_reason(&err),
            &UnexpectedReason::TokenMismatch,
            "{bad}"
        );
        assert!(!format!("{err} {err:?}").contains("tok1"), "{err:?}");
    }
}

/// Two `Location` headers that differ leave no one destination: refused, and neither shown.
#[test]
fn a_redirect_with_two_different_locations_is_refused() {
    let sent_to = url::Url::parse("https://auth.workos.com/sso/logout?token=abcdef").unwrap();
    let redirect = |locations: &[&str]| {
        let mut b = http::Response::builder().status(302);
        for l in locations {
            b = b.header("location", *l);
        }
        parse_logout_redirect_response(&sent_to, &b.body(Vec::new()).unwrap())
    };
    let err = redirect(&["https://idp.example/end", "https://evil.example/end"]).unwrap_err();
    assert_eq!(
        unexpected_reason(&err),
        &UnexpectedReason::ConflictingLocations
    );
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("idp.example") && !shown.contains("evil.example"),
        "{shown}"
    );
    // The same value twice is one destination.
    let same = redirect(&["https://idp.example/end", "https://idp.example/end"]).unwrap();
    assert_eq!(same.location().unwrap().as_str(), "https://idp.example/end");
}

#[test]
fn an_error_names_the_url_that_answered_and_a_404_hint_does_not_guess() {
    let sent_to = url::Url::parse("https://proxy.example/workos/sso/logout/authorize").unwrap();
    let answer = http::Response::builder()
        .status(404)
        .body(br#"{"message":"Not Found"}"#.to_vec())
        .unwrap();
    let err = workos_sso_logout::parse_logout_authorize_response(&sent_to, &answer).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(
            "WorkOS API error: HTTP 404 Not Found from https://proxy.example/workos/sso/logout/authorize"
        ),
        "{text}"
    );
    assert!(
        text.contains("check the profile id") && text.contains("the base URL's path"),
        "{text}"
    );

    // The logout GET's URL is named with its token redacted.
    let sent_to = url::Url::parse("https://auth.workos.com/sso/logout?token=tok_secret_1").unwrap();
    let page = http::Response::builder()
        .status(502)
        .header("content-type", "text/html")
        .body(b"<html>bad gateway</html>".to_vec())
        .unwrap();
    let err = workos_sso_logout::parse_logout_redirect_response(&sent_to, &page).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("from https://auth.workos.com/sso/logout?token=[redacted]"),
        "{text}"
    );
    assert!(!text.contains("tok_secret_1") && !format!("{err:?}").contains("tok_secret_1"));
}
