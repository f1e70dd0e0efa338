//! `validate_resource_id` accepts the ids the service accepts and refuses the rest with a message
//! a learner can act on.

use cosmolab_model::{MAX_ID_LENGTH, ResourceIdError, validate_resource_id};
use proptest::prelude::*;

/// Ordinary ids pass, including spaces inside, non-ASCII letters, and the ids of seed 000.
#[test]
fn ordinary_ids_are_valid() {
    for id in [
        "my_database",
        "Test User",
        "p1",
        "item1",
        "a b+c é",
        " leading space",
        "ABCDEF==",
        "x",
    ] {
        assert_eq!(validate_resource_id(id), Ok(()), "{id:?}");
    }
}

/// The empty id is refused.
#[test]
fn the_empty_id_is_refused() {
    assert_eq!(validate_resource_id(""), Err(ResourceIdError::Empty));
}

/// Each forbidden character is refused wherever it stands, and the error says which and where.
#[test]
fn each_forbidden_character_is_refused() {
    for character in ['/', '\\', '?', '#', '\t', '\r', '\n'] {
        for (id, position) in [
            (format!("{character}id"), 0),
            (format!("i{character}d"), 1),
            (format!("id{character}"), 2),
        ] {
            assert_eq!(
                validate_resource_id(&id),
                Err(ResourceIdError::ForbiddenCharacter {
                    character,
                    position
                }),
                "{id:?}"
            );
        }
    }
}

/// Positions are counted in characters, so they point at the right place in non-ASCII ids.
#[test]
fn positions_count_characters() {
    assert_eq!(
        validate_resource_id("éé/"),
        Err(ResourceIdError::ForbiddenCharacter {
            character: '/',
            position: 2
        })
    );
}

/// A trailing space is refused, as the official SDK refuses it.
#[test]
fn a_trailing_space_is_refused() {
    assert_eq!(
        validate_resource_id("Test User "),
        Err(ResourceIdError::TrailingSpace)
    );
    assert_eq!(
        validate_resource_id(" "),
        Err(ResourceIdError::TrailingSpace)
    );
}

/// 255 characters pass and 256 fail, counted in characters: 255 two-byte letters still pass.
#[test]
fn the_length_limit_counts_characters_not_bytes() {
    assert_eq!(MAX_ID_LENGTH, 255);
    assert_eq!(validate_resource_id(&"a".repeat(255)), Ok(()));
    assert_eq!(
        validate_resource_id(&"a".repeat(256)),
        Err(ResourceIdError::TooLong { length: 256 })
    );

    let accented = "é".repeat(255);
    assert_eq!(accented.len(), 510, "two bytes per character");
    assert_eq!(validate_resource_id(&accented), Ok(()));
    assert_eq!(
        validate_resource_id(&"é".repeat(256)),
        Err(ResourceIdError::TooLong { length: 256 })
    );
    assert_eq!(validate_resource_id(&"😀".repeat(255)), Ok(()));
}

/// The messages name the problem and the rule, since they become the text of a 400 answer.
#[test]
fn messages_explain_the_rule() {
    let too_long = ResourceIdError::TooLong { length: 300 }.to_string();
    assert!(
        too_long.contains("300") && too_long.contains("255"),
        "{too_long}"
    );

    let forbidden = validate_resource_id("a?b")
        .expect_err("? is forbidden")
        .to_string();
    assert!(
        forbidden.contains("'?'") && forbidden.contains("URL"),
        "{forbidden}"
    );

    let tab = validate_resource_id("a\tb")
        .expect_err("tab is forbidden")
        .to_string();
    assert!(tab.contains(r"'\t'"), "the tab is shown escaped: {tab}");

    assert!(ResourceIdError::Empty.to_string().contains("empty"));
    assert!(ResourceIdError::TrailingSpace.to_string().contains("space"));
}

proptest! {
    /// Any string gets an answer without panicking, and an accepted id really obeys every rule.
    #[test]
    fn validation_never_panics_and_accepts_only_valid_ids(id in any::<String>()) {
        if validate_resource_id(&id).is_ok() {
            prop_assert!(!id.is_empty());
            prop_assert!(id.chars().count() <= MAX_ID_LENGTH);
            prop_assert!(!id.contains(['/', '\\', '?', '#', '\t', '\r', '\n']));
            prop_assert!(!id.ends_with(' '));
        }
    }

    /// Ids built only from allowed characters are accepted.
    #[test]
    fn ids_of_allowed_characters_are_accepted(id in "[a-zA-Z0-9_.é -]{0,254}[a-zA-Z0-9]") {
        prop_assert_eq!(validate_resource_id(&id), Ok(()));
    }
}
