//! Redaction helpers (a leaf: imports nothing from the crate): what every text kept from a
//! response, and every URL shown in a `Debug`, goes through.

use std::sync::Arc;

use url::Url;

/// What a redacted value is replaced by.
pub(crate) const REDACTED: &str = "[redacted]";

/// Shorter secrets are not scrubbed as exact values (a one-letter "token" would blank out every
/// such letter of a message); the patterns still apply.
const MIN_EXACT_SECRET_LEN: usize = 4;

/// The exact secret values a call holds — the API key, the logout token — in each form they can
/// take in a response (as is, percent-encoded, JSON-escaped), longest first. Every text kept from
/// a response is scrubbed of them before anything else. No `Debug`: it holds secrets.
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    /// Shared text: a call's set starts as a copy of its configuration's without copying the key.
    forms: Vec<Arc<str>>,
}

impl Secrets {
    /// Adds a secret (and its encoded forms).
    pub(crate) fn add(&mut self, secret: &str) {
        if secret.len() < MIN_EXACT_SECRET_LEN {
            return;
        }
        // Other spellings only where they differ: percent-encoded, JSON-escaped. Characters form
        // encoding keeps as they are (a JWT, an API key are made of them) have no other spelling:
        // the common case, found in one pass over the bytes (this runs on every logout GET).
        if !one_spelling(secret) {
            let percent: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            if percent != secret {
                self.push(&percent.replace('+', "%20"));
                self.push(&percent);
            }
            if secret.contains(|c: char| c == '"' || c == '\\' || c.is_control()) {
                let json = serde_json::Value::from(secret).to_string();
                self.push(json.trim_matches('"'));
            }
        }
        self.push(secret);
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// Keeps one form, once.
    fn push(&mut self, form: &str) {
        if !self.forms.iter().any(|f| **f == *form) {
            self.forms.push(Arc::from(form));
        }
    }

    /// These secrets and those a URL carries: the values of its query parameters named like a
    /// token. (The forms already here are shared, not copied.)
    pub(crate) fn with_url_tokens(&self, url: &str) -> Self {
        let mut secrets = Secrets::default();
        if !self.forms.is_empty() {
            secrets.forms.reserve_exact(self.forms.len() + 2);
            secrets.forms.extend(self.forms.iter().cloned());
        }
        for token in url_tokens(url) {
            secrets.add_url_token(token.pair, token.value);
        }
        secrets
    }

    /// Adds the token of a query's `name=value` pair (`value` as it stands in the URL).
    fn add_url_token(&mut self, pair: &str, value: &str) {
        // Decoded only when it has to be (a JWT never does).
        match needs_decoding(value) {
            true => {
                let decoded = url::form_urlencoded::parse(pair.as_bytes()).next();
                self.add(&decoded.map(|(_, v)| v).unwrap_or_default());
            }
            false => self.add(value),
        }
    }

    /// Whether `text` holds one of the secrets a URL carries ([`with_url_tokens`]): tokens with
    /// one spelling only (a JWT) are looked for as they stand in the URL, without collecting
    /// anything; any other token's spellings are collected first. One pass over the URL.
    ///
    /// [`with_url_tokens`]: Self::with_url_tokens
    pub(crate) fn url_token_found_in(url: &str, text: &str) -> bool {
        url_tokens(url).any(|token| match token.one_spelling {
            true => token.value.len() >= MIN_EXACT_SECRET_LEN && contains(text, token.value),
            false => {
                let mut spellings = Secrets::default();
                spellings.add_url_token(token.pair, token.value);
                spellings.found_in(text)
            }
        })
    }

    /// The longest form, in bytes (how far a cut must reach to keep a secret whole).
    pub(crate) fn longest(&self) -> usize {
        self.forms.first().map_or(0, |f| f.len())
    }

    /// Whether `text` holds one of the secrets.
    pub(crate) fn found_in(&self, text: &str) -> bool {
        self.forms.iter().any(|f| contains(text, f))
    }

    /// `text` as it may be kept and shown: the exact secrets replaced, then anything that looks
    /// like a credential ([`redact_text`]), then control and invisible characters escaped, so it
    /// stays on one line and cannot drive a terminal.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for form in &self.forms {
            if contains(&text, form) {
                text = text.replace(&**form, REDACTED);
            }
        }
        escape_controls(&redact_text(&text))
    }

    /// At most `max_chars` characters of [`scrub`](Self::scrub)bed server text: what every
    /// string kept from a response (message, code, field error, request id, content type) goes
    /// through. Scrubbed whole, then cut, so no secret is cut in two before it is found.
    pub(crate) fn bounded(&self, text: &str, max_chars: usize) -> String {
        let scrubbed = self.scrub(text);
        match scrubbed.char_indices().nth(max_chars) {
            Some((cut, _)) => scrubbed[..cut].to_owned(),
            None => scrubbed,
        }
    }
}

/// Whether `text` holds `part`. A part longer than the text is not looked for: the standard
/// search would first analyse it (a 200-byte token against a short `Location`).
fn contains(text: &str, part: &str) -> bool {
    part.len() <= text.len() && text.contains(part)
}

/// A query parameter named like a token.
struct UrlToken<'a> {
    /// `name=value`, as it stands in the URL.
    pair: &'a str,
    /// The value as it stands (percent-encoded or not).
    value: &'a str,
    /// Whether the value has no other spelling ([`one_spelling`]; a JWT).
    one_spelling: bool,
}

/// The query parameters of `url` named like a token, read in one pass over the query: a value
/// made of single-spelling characters (the usual token) is read once, its end found with it.
fn url_tokens(url: &str) -> impl Iterator<Item = UrlToken<'_>> {
    let mut rest = url.split_once('?').map_or("", |(_, query)| query);
    std::iter::from_fn(move || {
        while !rest.is_empty() {
            let bytes = rest.as_bytes();
            let name_end = bytes
                .iter()
                .position(|&b| matches!(b, b'=' | b'&' | b'#'))
                .unwrap_or(bytes.len());
            let (value_start, end, one) = match bytes.get(name_end) {
                Some(b'=') => {
                    let start = name_end + 1;
                    let run = start + leading_bytes(&bytes[start..], is_single_spelling);
                    match bytes.get(run) {
                        None | Some(b'&' | b'#') => (start, run, true),
                        Some(_) => {
                            let after = bytes[run..].iter().position(|&b| b == b'&' || b == b'#');
                            (start, after.map_or(bytes.len(), |n| run + n), false)
                        }
                    }
                }
                _ => (name_end, name_end, true),
            };
            let (pair, name, value) = (&rest[..end], &rest[..name_end], &rest[value_start..end]);
            // A `#` ends the query: the fragment is not sent.
            rest = match bytes.get(end) {
                Some(b'&') => &rest[end + 1..],
                _ => "",
            };
            let tokenish = name
                .as_bytes()
                .windows(5)
                .any(|w| w.eq_ignore_ascii_case(b"token"));
            if tokenish {
                return Some(UrlToken {
                    pair,
                    value,
                    one_spelling: one,
                });
            }
        }
        None
    })
}

/// Whether a query value must be decoded to be read (`%` escapes, `+` for a space).
fn needs_decoding(value: &str) -> bool {
    !every_byte(value, |b| b != b'%' && b != b'+')
}

/// Whether a secret has no other spelling in a response: made only of characters that form
/// encoding keeps as they are and JSON never escapes (a JWT, an API key).
fn one_spelling(secret: &str) -> bool {
    every_byte(secret, is_single_spelling)
}

/// A byte form encoding keeps as it is and JSON never escapes.
fn is_single_spelling(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_')
}

/// Whether every byte of `text` passes `keep`.
pub(crate) fn every_byte(text: &str, keep: impl Fn(u8) -> bool) -> bool {
    leading_bytes(text.as_bytes(), keep) == text.len()
}

/// How many bytes at the start of `bytes` pass `keep`: checked 32 bytes at a time without
/// stopping early inside a block, which the compiler turns into vector instructions (URLs and
/// tokens of a few hundred bytes are scanned on every call); only the block that holds the first
/// miss is read byte by byte. Fixed-size blocks and a byte accumulator keep that true for any
/// `keep`: a `bool` fold over uneven chunks stayed scalar for some (`%` or `+`: 9 instructions a
/// byte, against under 2 here, counted with callgrind).
fn leading_bytes(bytes: &[u8], keep: impl Fn(u8) -> bool) -> usize {
    let mut passed = 0;
    for block in bytes.chunks_exact(32) {
        let misses = block
            .iter()
            .fold(0u8, |misses, &b| misses | u8::from(!keep(b)));
        if misses != 0 {
            break;
        }
        passed += 32;
    }
    let tail = &bytes[passed..];
    passed + tail.iter().position(|&b| !keep(b)).unwrap_or(tail.len())
}

/// Control characters (newlines, ESC…) and invisible ones (bidirectional overrides, zero-width)
/// written as `\u{…}` escapes.
pub(crate) fn escape_controls(text: &str) -> String {
    if !text.chars().any(|c| c.is_control() || is_invisible(c)) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() || is_invisible(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Names a character for an error message without echoing secret material around it.
pub(crate) fn describe_char(c: char) -> &'static str {
    match c {
        '\r' => "a carriage return (CR)",
        '\n' => "a line feed (LF)",
        ' ' => "a space",
        '\t' => "a tab",
        c if c.is_control() => "a control character",
        c if is_invisible(c) => "an invisible formatting character (zero-width or bidirectional)",
        c if !c.is_ascii() => "a non-ASCII character",
        _ => "a character not allowed here",
    }
}

/// Zero-width characters, bidirectional overrides and isolates, and the byte-order mark: text
/// that shows nothing, or reorders what is around it.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// Renders a URL with the value of every query parameter whose name contains `token` replaced by
/// `[redacted]`, and without user info. Used by the `Debug` impls of values that carry a logout URL.
pub(crate) fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    // Both calls only fail for URLs that cannot have credentials; nothing to strip then.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k.to_ascii_lowercase().contains("token") {
                    REDACTED.to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    // The query serialiser percent-encodes the brackets; show the marker as written.
    shown.to_string().replace("%5Bredacted%5D", REDACTED)
}

/// Replaces anything that looks like a credential in free text: words holding a WorkOS key
/// prefix (`sk_test_`, `sk_live_`, or starting `sk_`), JWT-like `eyJ…` strings, and long (32 or
/// more) mixed-case alphanumeric runs such as random tokens. A word ends at anything but letters,
/// digits and `_-.~+`, so `api_key=sk_test_…` is caught. Words such as
/// `invalid_request_parameters` and UUID request ids are kept.
pub(crate) fn redact_text(text: &str) -> String {
    fn is_word_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '~' | '+')
    }
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if looks_secret(word) {
            out.push_str(REDACTED);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if is_word_char(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn looks_secret(word: &str) -> bool {
    let has = |f: fn(&char) -> bool| word.chars().any(|c| f(&c));
    word.starts_with("sk_")
        || word.contains("sk_test_")
        || word.contains("sk_live_")
        || word.contains("eyJ")
        || (word.len() >= 32
            && has(char::is_ascii_uppercase)
            && has(char::is_ascii_lowercase)
            && has(char::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_is_all_of_them() {
        assert!(every_byte("", |_| false));
        let long = format!("{}!{}", "a".repeat(130), "b".repeat(70));
        assert!(!every_byte(&long, |b| b.is_ascii_alphanumeric()));
        assert!(every_byte(&long.replace('!', "c"), |b| b.is_ascii_alphanumeric()));
        proptest::proptest!(|(text in "\\PC{0,300}", cut in 0u8..128)| {
            let keep = |b: u8| b < cut || b > cut.saturating_add(40);
            proptest::prop_assert_eq!(every_byte(&text, keep), text.bytes().all(keep));
        });
    }

    /// The one-pass reader finds what splitting the query finds, and says which values have one
    /// spelling.
    #[test]
    fn url_tokens_are_the_query_split_by_hand() {
        fn split(url: &str) -> Vec<(&str, &str)> {
            let query = url.split_once('?').map_or("", |(_, q)| q);
            let query = query.split('#').next().unwrap_or_default();
            let pairs = query
                .split('&')
                .map(|p| (p, p.split_once('=').unwrap_or((p, "")).1));
            let named = |p: &&str| {
                p.to_ascii_lowercase()
                    .split('=')
                    .next()
                    .unwrap_or("")
                    .contains("token")
            };
            pairs.filter(|(p, _)| named(p)).collect()
        }
        let check = |url: &str| {
            let read: Vec<_> = url_tokens(url).collect();
            let pairs: Vec<_> = read.iter().map(|t| (t.pair, t.value)).collect();
            assert_eq!(pairs, split(url), "{url}");
            for t in &read {
                assert_eq!(t.one_spelling, one_spelling(t.value), "{url}");
            }
        };
        for url in [
            "https://a/x",
            "https://a/x?",
            "https://a/x?token",
            "https://a/x?token=&id_token=a.b-c_d*e",
            "https://a/x?a=1&&token=x=y&b#token=no",
            "https://a/x#frag?token=no",
            "https://a/x?TOKEN=a%2Bb+c&state=s#f",
        ] {
            check(url);
        }
        let long = "eyJhbGciOiJIUzI1NiJ9".repeat(9);
        check(&format!("https://a/x?token={long}&x=1"));
        check(&format!("https://a/x?token={long}%2B&x=1"));
        let query = "((token|id_TOKEN|state|x)?(=[a-zA-Z0-9=%+._*~-]{0,40})?[&#]?){0,6}";
        proptest::proptest!(|(query in query)| {
            check(&format!("https://a/x?{query}"));
        });
    }

    #[test]
    fn leading_bytes_stops_at_the_first_miss() {
        proptest::proptest!(|(text in "\\PC{0,300}", cut in 0u8..128)| {
            let keep = |b: u8| b < cut || b > cut.saturating_add(40);
            let bytes = text.as_bytes();
            let expected = bytes.iter().position(|&b| !keep(b)).unwrap_or(bytes.len());
            proptest::prop_assert_eq!(leading_bytes(bytes, keep), expected);
        });
    }

    /// Each token of the URL is looked for on its own: one with a single spelling as it stands,
    /// another in each of its spellings, whichever comes first in the query.
    #[test]
    fn a_url_token_is_found_in_any_spelling_whatever_the_others() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln";
        for url in [
            format!("https://a.example/sso/logout?token={jwt}&id_token=a%2Bb%2Fc%3D12#frag"),
            format!("https://a.example/sso/logout?id_token=a%2Bb%2Fc%3D12&token={jwt}"),
        ] {
            let found = |text: &str| Secrets::url_token_found_in(&url, text);
            assert!(
                found(&format!("https://idp.example/end?hint={jwt}")),
                "{url}"
            );
            for spelling in ["a+b/c=12", "a%2Bb%2Fc%3D12"] {
                assert!(
                    found(&format!("https://idp.example/end?x={spelling}")),
                    "{url}"
                );
            }
            assert!(!found("https://idp.example/end?state=a%2Bb"), "{url}");
            assert!(!found("frag"), "{url}: the fragment is no token");
            assert!(!found(""), "{url}");
        }
        // Too short to look for (a one-letter token would match everywhere); no token named.
        assert!(!Secrets::url_token_found_in(
            "https://a.example/?token=abc",
            "abc"
        ));
        assert!(!Secrets::url_token_found_in(
            "https://a.example/?state=abcdef",
            "abcdef"
        ));
    }

    #[test]
    fn urls_lose_tokens_and_user_info() {
        let url = Url::parse("https://u:p@idp.example/end?id_token_hint=abc&state=s")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            redact_url(&url),
            "https://idp.example/end?id_token_hint=[redacted]&state=s"
        );
    }

    #[test]
    fn text_keeps_words_and_drops_credentials() {
        assert_eq!(
            redact_text("bad key sk_test_123 (invalid_request_parameters)"),
            "bad key [redacted] (invalid_request_parameters)"
        );
        assert_eq!(
            redact_text("bad credentials: api_key=sk_test_123&x=1"),
            "bad credentials: api_key=[redacted]&x=1"
        );
    }

    #[test]
    fn exact_secrets_go_first_in_every_form_then_controls_are_escaped() {
        let mut secrets = Secrets::default();
        secrets.add("opaque tok&en");
        secrets.add("abc"); // too short to scrub as an exact value
        let shown = secrets.scrub("a=opaque tok&en b=opaque+tok%26en c=opaque%20tok%26en\nerror: forged\u{1b}[2J\u{202e}x abc");
        assert_eq!(
            shown,
            "a=[redacted] b=[redacted] c=[redacted]\\u{a}error: forged\\u{1b}[2J\\u{202e}x abc"
        );
        assert!(!shown.contains('\n'));
        assert_eq!(secrets.bounded("abcdef", 3), "abc");
        assert!(secrets.found_in("xx opaque tok&en"));
    }
}
