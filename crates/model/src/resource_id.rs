//! Validation of the `id` a client chooses for a database, container, document, user or permission.
//!
//! An id becomes a segment of the resource's URL (`/dbs/<id>/…`) and of the string a master key
//! signs, so the characters that would change how that URL or that string is read are refused:
//!
//! - `/` separates path segments, `?` starts the query string and `#` the fragment;
//! - `\` is turned into `/` by some HTTP stacks before the server ever sees it;
//! - tab, carriage return and line feed would break the headers and the newline-separated string
//!   to sign;
//! - a trailing space is silently trimmed by some tools, so the id sent would not be the id stored.
//!
//! The first four are the service's documented rule; the official Python SDK also refuses the
//! others before sending anything. cosmolab's emulator refuses all of them with `400 Bad Request`,
//! because other clients may not check.
//!
//! The length limit is 255 characters — counted in characters (Unicode scalar values), not bytes,
//! so `"é".repeat(255)` is allowed. The service states that limit for database, container, user and
//! permission names; cosmolab applies it to document ids too, which keeps one rule for learners
//! (the service itself allows item ids up to 1,023 bytes).

use thiserror::Error;

/// The longest id allowed, in characters.
pub const MAX_ID_LENGTH: usize = 255;

/// The characters an id may not contain anywhere; the module documentation says why.
const FORBIDDEN_CHARACTERS: [char; 7] = ['/', '\\', '?', '#', '\t', '\r', '\n'];

/// Why an id was refused. The `Display` text is written for a learner: the emulator sends it as
/// the message of its `400 Bad Request`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResourceIdError {
    /// The id is the empty string.
    #[error("the id is empty; every resource needs an id of 1 to {MAX_ID_LENGTH} characters")]
    Empty,

    /// The id has more than [`MAX_ID_LENGTH`] characters.
    #[error(
        "the id is {length} characters long; an id may have at most {MAX_ID_LENGTH} characters"
    )]
    TooLong {
        /// How many characters the id has.
        length: usize,
    },

    /// The id contains one of `/ \ ? #`, a tab, a carriage return or a line feed.
    #[error(
        "the id contains the character {character:?} at position {position}; an id cannot contain \
         '/', '\\', '?', '#', tabs or line breaks, because it becomes part of the resource's URL"
    )]
    ForbiddenCharacter {
        /// The offending character.
        character: char,
        /// Its position, counted in characters from 0.
        position: usize,
    },

    /// The id ends with a space.
    #[error("the id ends with a space; remove the trailing space, which some tools silently drop")]
    TrailingSpace,
}

/// Checks that `id` may name a Cosmos DB resource.
///
/// ```
/// use cosmolab_model::{ResourceIdError, validate_resource_id};
///
/// assert_eq!(validate_resource_id("Test User"), Ok(()));
/// assert_eq!(
///     validate_resource_id("a/b"),
///     Err(ResourceIdError::ForbiddenCharacter { character: '/', position: 1 }),
/// );
/// ```
pub fn validate_resource_id(id: &str) -> Result<(), ResourceIdError> {
    if id.is_empty() {
        return Err(ResourceIdError::Empty);
    }

    // Count characters, not bytes: an id of 255 accented letters is 510 bytes and still valid.
    let length = id.chars().count();
    if length > MAX_ID_LENGTH {
        return Err(ResourceIdError::TooLong { length });
    }

    if let Some((position, character)) = id
        .chars()
        .enumerate()
        .find(|(_, character)| FORBIDDEN_CHARACTERS.contains(character))
    {
        return Err(ResourceIdError::ForbiddenCharacter {
            character,
            position,
        });
    }

    if id.ends_with(' ') {
        return Err(ResourceIdError::TrailingSpace);
    }

    Ok(())
}
