//! `LIKE` patterns: `%` for any text, `_` for one character, `[a-f]` and `[^0-9]` for a set.
//!
//! A pattern is compiled to a list of [`Piece`]s, then matched with a set of "how much of the
//! pattern could have matched so far" positions, advanced one character at a time. That takes
//! time proportional to the text times the pattern, whatever the pattern: a backtracking matcher
//! can take exponential time on patterns like `%a%a%a%a%b`, and the pattern may come from a
//! request parameter.

/// One element of a compiled pattern.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    /// `%`: any text, including none.
    AnyText,
    /// `_`: exactly one character.
    AnyChar,
    /// A character that must appear as is.
    Char(char),
    /// `[…]`: one character from (or, with `^`, not from) a set of ranges.
    Set {
        /// `[^…]`.
        negated: bool,
        /// The ranges; a single character `c` is the range `c..=c`.
        ranges: Vec<(char, char)>,
    },
}

impl Piece {
    /// Whether this piece, other than `%`, accepts the character `c`.
    fn accepts(&self, c: char) -> bool {
        match self {
            Self::AnyText | Self::AnyChar => true,
            Self::Char(expected) => *expected == c,
            Self::Set { negated, ranges } => {
                ranges.iter().any(|(low, high)| (*low..=*high).contains(&c)) != *negated
            }
        }
    }
}

/// Whether `text` matches `pattern`, with `escape` making the next character literal.
pub(crate) fn like(text: &str, pattern: &str, escape: Option<char>) -> bool {
    let pieces = compile(pattern, escape);
    // `reachable[i]`: the first `i` pieces can match the text read so far.
    let mut reachable = vec![false; pieces.len() + 1];
    reachable[0] = true;
    skip_any_text(&pieces, &mut reachable);
    for c in text.chars() {
        let mut next = vec![false; pieces.len() + 1];
        for (index, piece) in pieces.iter().enumerate() {
            if !reachable[index] {
                continue;
            }
            match piece {
                // `%` swallows the character and stays where it is.
                Piece::AnyText => next[index] = true,
                piece if piece.accepts(c) => next[index + 1] = true,
                _ => {}
            }
        }
        skip_any_text(&pieces, &mut next);
        reachable = next;
    }
    reachable[pieces.len()]
}

/// A `%` can also match nothing: wherever it can start, the piece after it can start too.
fn skip_any_text(pieces: &[Piece], reachable: &mut [bool]) {
    for (index, piece) in pieces.iter().enumerate() {
        if reachable[index] && *piece == Piece::AnyText {
            reachable[index + 1] = true;
        }
    }
}

/// Turns the pattern text into pieces.
fn compile(pattern: &str, escape: Option<char>) -> Vec<Piece> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut pieces = Vec::new();
    let mut index = 0;
    while let Some(&c) = chars.get(index) {
        index += 1;
        let piece = match c {
            c if Some(c) == escape => match chars.get(index) {
                Some(&literal) => {
                    index += 1;
                    Piece::Char(literal)
                }
                None => Piece::Char(c),
            },
            '%' => Piece::AnyText,
            '_' => Piece::AnyChar,
            '[' => match compile_set(&chars[index..]) {
                Some((set, used)) => {
                    index += used;
                    set
                }
                // No closing `]`: the `[` is an ordinary character.
                None => Piece::Char('['),
            },
            c => Piece::Char(c),
        };
        pieces.push(piece);
    }
    pieces
}

/// Reads a set after its `[`: returns the piece and how many characters it used, `]` included.
fn compile_set(chars: &[char]) -> Option<(Piece, usize)> {
    let end = chars.iter().position(|&c| c == ']')?;
    let (negated, body) = match &chars[..end] {
        ['^', body @ ..] => (true, body),
        body => (false, body),
    };
    let mut ranges = Vec::new();
    let mut index = 0;
    while let Some(&low) = body.get(index) {
        match body.get(index + 1..index + 3) {
            Some(['-', high]) => {
                ranges.push((low, *high));
                index += 3;
            }
            _ => {
                ranges.push((low, low));
                index += 1;
            }
        }
    }
    Some((Piece::Set { negated, ranges }, end + 1))
}

#[cfg(test)]
mod tests {
    use super::like;

    /// `%` and `_` behave as in SQL.
    #[test]
    fn wildcards() {
        assert!(like("Contoso", "Con%", None));
        assert!(like("Contoso", "%toso", None));
        assert!(like("Contoso", "C_ntoso", None));
        assert!(like("", "%", None));
        assert!(!like("Contoso", "con%", None));
        assert!(!like("Contoso", "C_toso", None));
    }

    /// Sets match one character from a list or range, or outside it with `^`.
    #[test]
    fn sets() {
        assert!(like("a1", "a[0-9]", None));
        assert!(!like("ax", "a[0-9]", None));
        assert!(like("ax", "a[^0-9]", None));
        assert!(like("b", "[abc]", None));
        assert!(like("[x", "[x", None));
    }

    /// The escape character makes a wildcard literal.
    #[test]
    fn escape() {
        assert!(like("100%", "100!%", Some('!')));
        assert!(!like("1000", "100!%", Some('!')));
    }

    /// A pathological pattern is still fast.
    #[test]
    fn no_exponential_backtracking() {
        let text = "a".repeat(5_000);
        let pattern = format!("{}b", "%a".repeat(50));
        assert!(!like(&text, &pattern, None));
    }
}
