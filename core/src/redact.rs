//! Redaction: what every text kept from a response, and every URL shown in a `Debug`, goes
//! through. A leaf: imports nothing from the crate.

use std::sync::Arc;

use url::Url;

/// What a redacted value is replaced by.
pub(crate) const REDACTED: &str = "[redacted]";

/// Shorter secrets are not scrubbed as exact values (a one-letter "token" would blank out every
/// such letter of a message); the patterns of [`redact_text`] still apply.
const MIN_EXACT_SECRET_LEN: usize = 4;

/// Longest body excerpt kept on an unexpected response, in bytes.
const MAX_EXCERPT_LEN: usize = 512;

/// The exact secret values a call holds — the API key, the logout token — in each form they can
/// take in a response (as is, percent-encoded, JSON-escaped), longest first. Every text kept from
/// a response is scrubbed of them before anything else. No `Debug`: it holds secrets.
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    /// Shared, so a call's set starts as its configuration's without copying the key.
    forms: Vec<Arc<str>>,
}

impl Secrets {
    /// Adds a secret and the other forms it can take in a response.
    pub(crate) fn add(&mut self, secret: &str) {
        if secret.len() < MIN_EXACT_SECRET_LEN {
            return;
        }
        let mut forms = vec![secret.to_owned()];
        // Form encoding keeps letters, digits and `*-._` as they are, and JSON escapes only
        // quotes, backslashes and control characters: a JWT or an API key has no other form.
        let kept = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_');
        if !secret.bytes().all(kept) {
            let percent: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            forms.push(percent.replace('+', "%20"));
            forms.push(percent);
            let json = serde_json::Value::from(secret).to_string();
            forms.push(json.trim_matches('"').to_owned());
        }
        for form in forms {
            if !self.forms.iter().any(|f| **f == *form) {
                self.forms.push(Arc::from(form));
            }
        }
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// Adds the values of the query parameters of `url` that carry a token ([`is_token_param`]).
    pub(crate) fn add_url_tokens(&mut self, url: &Url) {
        for (name, value) in url.query_pairs() {
            if is_token_param(&name) {
                self.add(&value);
            }
        }
    }

    /// A URL as `Debug` shows it: [`redact_url`], then scrubbed of these secrets wherever else they
    /// stand in it. The one recipe for every value that holds a URL with a token.
    pub(crate) fn shown_url(&self, url: &Url) -> String {
        self.scrub(&redact_url(url))
    }

    /// The longest form, in bytes (how far a cut must reach to keep a secret whole).
    fn longest(&self) -> usize {
        self.forms.first().map_or(0, |f| f.len())
    }

    /// Whether `text` holds one of the secrets, in any form.
    pub(crate) fn found_in(&self, text: &str) -> bool {
        self.forms.iter().any(|f| text.contains(&**f))
    }

    /// `text` as it may be kept and shown: the exact secrets replaced, then anything that looks
    /// like a credential ([`redact_text`]), then control and invisible characters escaped, so it
    /// stays on one line and cannot drive a terminal.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for form in &self.forms {
            text = text.replace(&**form, REDACTED);
        }
        escape_controls(&redact_text(&text))
    }

    /// At most `max_chars` characters of [`scrub`](Self::scrub)bed server text: what every
    /// string kept from a response (message, code, field error, request id, content type) goes
    /// through. Scrubbed whole, then cut, so no secret is cut in two before it is found.
    pub(crate) fn bounded(&self, text: &str, max_chars: usize) -> String {
        self.scrub(text).chars().take(max_chars).collect()
    }

    /// A bounded, scrubbed excerpt of a response body. A JSON body has the values under keys that
    /// look secret replaced first (and tokens in the URLs it holds); a body that is not JSON (an
    /// HTML page, a truncated answer) has the string after any such key replaced.
    pub(crate) fn excerpt(&self, body: &[u8]) -> String {
        const JSON_SCAN_LIMIT: usize = 64 * 1024;
        // Enough text that no secret starting within the excerpt is cut before it is found.
        let window = &body[..body.len().min(MAX_EXCERPT_LEN * 2 + self.longest())];
        let json = match body.len() <= JSON_SCAN_LIMIT {
            true => serde_json::from_slice::<serde_json::Value>(body).ok(),
            false => None,
        };
        let text = match json {
            Some(mut value) => {
                redact_json(&mut value);
                value.to_string()
            }
            None => redact_quoted_secrets(&String::from_utf8_lossy(window)),
        };
        let mut text = self.scrub(&text);
        if text.len() > MAX_EXCERPT_LEN {
            let cut = (0..=MAX_EXCERPT_LEN)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            text.truncate(cut);
            text.push('…');
        }
        text
    }
}

/// Whether a JSON key names a secret.
fn secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["token", "key", "secret", "password"]
        .iter()
        .any(|s| key.contains(s))
}

/// Replaces the values under secret-looking keys, and the tokens of URLs under `url` keys.
fn redact_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if secret_key(key) {
                    *value = serde_json::Value::String(REDACTED.into());
                } else if let Some(url) = value.as_str().and_then(|s| Url::parse(s).ok()) {
                    *value = serde_json::Value::String(redact_url(&url));
                } else {
                    redact_json(value);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// In text that is not JSON: the string after a quoted secret-looking key (`"logout_token": "…"`)
/// and the value of a `…token=` query parameter, replaced up to their end (a quote, or the end of
/// the parameter), or to the end of the text when it was cut.
fn redact_quoted_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['"', '=']) {
        let (before, after) = rest.split_at(at + 1);
        out.push_str(before);
        rest = after;
        let secret_value = match before.ends_with('=') {
            true => {
                let name_start = before[..at]
                    .rfind(['?', '&', ' ', '"'])
                    .map_or(0, |i| i + 1);
                is_token_param(&before[name_start..at])
            }
            false => {
                // `before` ends with an opening quote: a key, if `": "` follows its closing one.
                let Some(close) = after.find('"') else { break };
                let value = after[close + 1..].trim_start().strip_prefix(':');
                let value = value.map(str::trim_start).and_then(|v| v.strip_prefix('"'));
                match value {
                    Some(value) if secret_key(&after[..close]) => {
                        out.push_str(&after[..after.len() - value.len()]);
                        rest = value;
                        true
                    }
                    _ => false,
                }
            }
        };
        if secret_value {
            let end = rest.find(['"', '&', '#', ' ']).unwrap_or(rest.len());
            out.push_str(REDACTED);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

/// Control characters (newlines, ESC…) and invisible ones (bidirectional overrides, zero-width)
/// written as `\u{…}` escapes.
fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c.is_control() || is_invisible(c) {
            true => out.extend(c.escape_unicode()),
            false => out.push(c),
        }
    }
    out
}

/// Zero-width characters, bidirectional overrides and isolates, and the byte-order mark: text
/// that shows nothing, or reorders what is around it.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// Whether a query parameter carries a token: its name contains `token`, in any case. The one
/// place this rule is written.
pub(crate) fn is_token_param(name: &str) -> bool {
    name.to_ascii_lowercase().contains("token")
}

/// `url` without its user info (a no-op for URLs that cannot have any).
pub(crate) fn without_user_info(url: &Url) -> Url {
    let mut bare = url.clone();
    // Both calls only fail for URLs that cannot have credentials; nothing to strip then.
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    bare
}

/// Renders a URL with the value of every query parameter that carries a token
/// ([`is_token_param`]) replaced by `[redacted]`, and without user info.
pub(crate) fn redact_url(url: &Url) -> String {
    let mut shown = without_user_info(url);
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| match is_token_param(&k) {
                true => (k.into_owned(), REDACTED.to_owned()),
                false => (k.into_owned(), v.into_owned()),
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
fn redact_text(text: &str) -> String {
    let is_word_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '~' | '+');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(|c| !is_word_char(c)).unwrap_or(rest.len());
        let word = &rest[..end];
        out.push_str(if looks_secret(word) { REDACTED } else { word });
        let gap = rest[end..]
            .find(is_word_char)
            .map_or(rest.len(), |n| end + n);
        out.push_str(&rest[end..gap]);
        rest = &rest[gap..];
    }
    out
}

fn looks_secret(word: &str) -> bool {
    let has = |f: fn(&u8) -> bool| word.as_bytes().iter().any(f);
    word.starts_with("sk_")
        || word.contains("sk_test_")
        || word.contains("sk_live_")
        || word.contains("eyJ")
        || (word.len() >= 32
            && has(u8::is_ascii_uppercase)
            && has(u8::is_ascii_lowercase)
            && has(u8::is_ascii_digit))
}

#[cfg(test)]
mod tests;
