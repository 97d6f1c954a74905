//! Redaction helpers (a leaf: imports nothing from the crate): what every text kept from a
//! response, and every URL shown in a `Debug`, goes through.

use url::Url;

/// What a redacted value is replaced by.
pub(crate) const REDACTED: &str = "[redacted]";

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

/// Replaces anything that looks like a credential in free text: `sk_…` keys, JWT-like `eyJ…`
/// strings, and long (32 or more) mixed-case alphanumeric runs such as random tokens. Words such
/// as `invalid_request_parameters` and UUID request ids are kept.
pub(crate) fn redact_text(text: &str) -> String {
    fn is_token_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '~' | '+' | '=')
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
        if is_token_char(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// At most `max_chars` characters of server-supplied text, scrubbed by [`redact_text`]: what every
/// string kept from a response (message, code, field error, request id, content type) goes through.
pub(crate) fn bounded_text(text: &str, max_chars: usize) -> String {
    redact_text(&text.chars().take(max_chars).collect::<String>())
}

fn looks_secret(word: &str) -> bool {
    let has = |f: fn(&char) -> bool| word.chars().any(|c| f(&c));
    word.starts_with("sk_")
        || word.starts_with("eyJ")
        || (word.len() >= 32
            && has(char::is_ascii_uppercase)
            && has(char::is_ascii_lowercase)
            && has(char::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(bounded_text("abcdef", 3), "abc");
    }
}
