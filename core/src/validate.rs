//! The one validation helper every input type uses: not empty, bounded, and only the characters
//! the input allows. Errors name the input, the character class and its position, never the value.

use http::HeaderValue;

use crate::error::InvalidInput;
use crate::redact::{describe_char, every_byte, is_invisible};

/// Checks `value` (the `field` in messages): not empty or only whitespace, at most `max` bytes,
/// and every character accepted by `allowed`.
pub(crate) fn check(
    field: &'static str,
    value: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), InvalidInput> {
    if value.trim().is_empty() {
        return Err(InvalidInput::Empty { field });
    }
    if value.len() > max {
        return Err(InvalidInput::TooLong {
            field,
            len: value.len(),
            max,
        });
    }
    // The common case, ASCII and all allowed, a block of bytes at a time; then where it fails.
    if every_byte(value, |b| b.is_ascii() && allowed(char::from(b))) {
        return Ok(());
    }
    match value.chars().enumerate().find(|(_, c)| !allowed(*c)) {
        Some((at, c)) => Err(InvalidInput::BadCharacter {
            field,
            what: describe_char(c),
            at,
        }),
        None => Ok(()),
    }
}

/// The error for a value that should have made a valid header but did not. Every input that goes
/// into a header is validated first, so this never happens; if it did, it names the input.
pub(crate) fn not_a_header(field: &'static str) -> InvalidInput {
    InvalidInput::BadCharacter {
        field,
        what: "a character not allowed in an HTTP header",
        at: 0,
    }
}

/// A header value from text validated to be fit for one (see [`not_a_header`]).
pub(crate) fn header_value(text: &str, field: &'static str) -> Result<HeaderValue, InvalidInput> {
    HeaderValue::from_str(text).map_err(|_| not_a_header(field))
}

/// Visible ASCII: what header values made of one token (keys, idempotency keys) may hold.
pub(crate) fn visible_ascii(c: char) -> bool {
    c.is_ascii_graphic()
}

/// Printable text: no control characters, and none of the invisible characters that make two
/// different ids look the same (zero-width characters, bidirectional overrides and isolates).
pub(crate) fn printable(c: char) -> bool {
    !c.is_control() && !is_invisible(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_names_the_field() {
        assert_eq!(
            check("thing", " ", 10, printable),
            Err(InvalidInput::Empty { field: "thing" })
        );
        assert_eq!(
            check("thing", "abcdef", 3, printable),
            Err(InvalidInput::TooLong {
                field: "thing",
                len: 6,
                max: 3
            })
        );
        assert_eq!(
            check("thing", "ab\u{202E}c", 10, printable),
            Err(InvalidInput::BadCharacter {
                field: "thing",
                what: "an invisible formatting character (zero-width or bidirectional)",
                at: 2
            })
        );
        assert_eq!(check("thing", "é ok", 10, printable), Ok(()));
    }
}
