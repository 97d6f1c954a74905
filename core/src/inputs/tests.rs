//! Unit tests of `inputs.rs` (its private items).

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

#[test]
fn random_bits_make_a_version_4_uuid() {
    let key = IdempotencyKey::from_random_bits(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
    assert_eq!(key.as_str(), "01234567-89ab-4def-8123-456789abcdef");
}
