//! Step 1 of parsing: cut the query text into tokens.
//!
//! `SELECT * FROM c WHERE c.id = @id` becomes the words `SELECT`, `FROM`, `c`, `WHERE`, `c`,
//! `id`, the symbols `*`, `.`, `=`, and the parameter `@id`. Whitespace disappears here, string
//! literals lose their quotes and escapes, and every token remembers where it came from so that
//! the parser can point at it in an error.
//!
//! The lexer does not know which words are keywords: `SELECT`, `select` and `c` are all
//! [`TokenKind::Word`]s, and the parser decides what each one means where it appears. That keeps
//! this file about characters, and the grammar in one place.

use std::ops::Range;

use serde_json::Number;
use winnow::ascii::{digit0, digit1};
use winnow::combinator::{alt, cut_err, opt};
use winnow::error::{ContextError, ErrMode, StrContext, StrContextValue};
use winnow::prelude::*;
use winnow::token::{any, one_of, take, take_till, take_while};

use super::QueryError;
use super::value::json_number;

/// One token of the query text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token<'q> {
    /// What the token is.
    pub(crate) kind: TokenKind<'q>,
    /// Where it is in the query text, in bytes.
    pub(crate) span: Range<usize>,
}

/// The kinds of token in Cosmos DB SQL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind<'q> {
    /// An identifier or a keyword, exactly as written: `SELECT`, `c`, `STARTSWITH`.
    Word(&'q str),
    /// A parameter, with its `@`: `@id`.
    Parameter(&'q str),
    /// A number literal: `42`, `3.14`, `1e-3`.
    Number(Number),
    /// A string literal, unquoted and unescaped: `'it\'s'` becomes `it's`.
    String(String),
    /// An operator or punctuation: `(`, `.`, `<=`, `||`…
    Symbol(&'static str),
}

/// Every symbol of the language, longest first, so that `<=` is not read as `<` then `=`.
///
/// The bitwise operators (`&`, `|`, `^`, `~`, `<<`, `>>`, `>>>`) are here so that the parser can
/// name them in an "unsupported" error instead of calling them a syntax error.
const SYMBOLS: &[&str] = &[
    ">>>", "!=", "<>", "<=", ">=", "||", "??", "<<", ">>", "(", ")", "[", "]", "{", "}", ",", ".",
    ":", "*", "+", "-", "/", "%", "=", "<", ">", "?", "&", "|", "^", "~",
];

/// Cuts `text` into tokens.
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token<'_>>, QueryError> {
    let mut rest = text;
    let mut tokens = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        if rest.is_empty() {
            return Ok(tokens);
        }
        let start = text.len() - rest.len();
        match token.parse_next(&mut rest) {
            Ok(kind) => tokens.push(Token {
                kind,
                span: start..text.len() - rest.len(),
            }),
            Err(error) => {
                // On failure, winnow leaves `rest` where the problem is: at the unknown character,
                // at the bad escape, or at the end of an unterminated string. Whitespace there
                // (`@ id`) means the token stopped short: point at its start instead.
                let mut offset = text.len() - rest.len();
                if rest.starts_with(char::is_whitespace) {
                    offset = start;
                }
                let found = text[offset..]
                    .chars()
                    .next()
                    .map(|c| &text[offset..offset + c.len_utf8()]);
                let expected = expectation(error).unwrap_or("the start of a token");
                return Err(QueryError::syntax(text, offset, found, expected.to_owned()));
            }
        }
    }
}

/// What the failing token parser said it expected.
fn expectation(error: ErrMode<ContextError>) -> Option<&'static str> {
    let error = match error {
        ErrMode::Backtrack(error) | ErrMode::Cut(error) => error,
        ErrMode::Incomplete(_) => return None,
    };
    error.context().find_map(|context| match context {
        StrContext::Expected(StrContextValue::Description(what)) => Some(*what),
        _ => None,
    })
}

/// The description winnow reports when a token parser fails.
fn expected(what: &'static str) -> StrContext {
    StrContext::Expected(StrContextValue::Description(what))
}

/// One token: the first kind that matches.
fn token<'q>(input: &mut &'q str) -> ModalResult<TokenKind<'q>> {
    alt((
        word.map(TokenKind::Word),
        parameter.map(TokenKind::Parameter),
        number.map(TokenKind::Number),
        string.map(TokenKind::String),
        symbol.map(TokenKind::Symbol),
    ))
    .context(expected(
        "a keyword, a name, a number, a 'string', a @parameter or an operator",
    ))
    .parse_next(input)
}

/// A letter or `_`, then letters, digits and `_`: `c`, `_ts`, `ARRAY_CONTAINS`.
fn word<'q>(input: &mut &'q str) -> ModalResult<&'q str> {
    (
        one_of(|c: char| c.is_ascii_alphabetic() || c == '_'),
        take_while(0.., |c: char| c.is_ascii_alphanumeric() || c == '_'),
    )
        .take()
        .parse_next(input)
}

/// `@` and a word: `@id`.
fn parameter<'q>(input: &mut &'q str) -> ModalResult<&'q str> {
    (
        '@',
        cut_err(word.context(expected("a parameter name after '@', as in @id"))),
    )
        .take()
        .parse_next(input)
}

/// A decimal number: `42`, `3.14`, `.5`, `6.02e23`. A sign is a separate token (unary minus).
fn number(input: &mut &str) -> ModalResult<Number> {
    let start = *input;
    let text = alt((
        (digit1, opt(('.', digit0)), opt(exponent)).take(),
        ('.', digit1, opt(exponent)).take(),
    ))
    .parse_next(input)?;
    let is_integer = text.bytes().all(|byte| byte.is_ascii_digit());
    if is_integer && let Ok(integer) = text.parse::<u64>() {
        return Ok(Number::from(integer));
    }
    // A fraction, an exponent, or an integer too large for 64 bits: a double, as in the service.
    match text.parse::<f64>().ok().and_then(json_number) {
        Some(number) => Ok(number),
        None => {
            *input = start;
            Err(failure("a number that fits in a double"))
        }
    }
}

/// The exponent of a number: `e10`, `E-3`.
fn exponent<'q>(input: &mut &'q str) -> ModalResult<&'q str> {
    (one_of(['e', 'E']), opt(one_of(['+', '-'])), digit1)
        .take()
        .parse_next(input)
}

/// A string literal in single or double quotes, with JSON's backslash escapes.
fn string(input: &mut &str) -> ModalResult<String> {
    let quote = one_of(['\'', '"']).parse_next(input)?;
    let unterminated = match quote {
        '\'' => "a closing ' to end the string",
        _ => "a closing \" to end the string",
    };
    let mut text = String::new();
    loop {
        let chunk: &str = take_till(0.., [quote, '\\']).parse_next(input)?;
        text.push_str(chunk);
        match opt(any).parse_next(input)? {
            Some(c) if c == quote => return Ok(text),
            Some(_backslash) => text.push(cut_err(escape).parse_next(input)?),
            None => return Err(failure(unterminated)),
        }
    }
}

/// What follows a backslash in a string: `\n`, `\'`, `\u00e9`…
///
/// `\'` is accepted although the SDK's grammar lists only JSON's escapes, because it is the
/// natural way to write `'it\'s'`.
fn escape(input: &mut &str) -> ModalResult<char> {
    alt((
        one_of(['"', '\'', '\\', '/']),
        'b'.value('\u{8}'),
        'f'.value('\u{c}'),
        'n'.value('\n'),
        'r'.value('\r'),
        't'.value('\t'),
        unicode_escape,
    ))
    .context(expected(
        r#"an escape: \", \', \\, \/, \b, \f, \n, \r, \t or \u and four hex digits"#,
    ))
    .parse_next(input)
}

/// `u` and four hex digits, or two such escapes for a character outside the BMP (`\ud83d\ude00`).
fn unicode_escape(input: &mut &str) -> ModalResult<char> {
    let high = hex_code_unit.parse_next(input)?;
    if !(0xD800..0xDC00).contains(&high) {
        return char::from_u32(high).ok_or(ErrMode::Backtrack(ContextError::new()));
    }
    // A high surrogate must be followed by a low one; together they make one character.
    let low = ('\\', hex_code_unit)
        .map(|(_, low)| low)
        .verify(|low| (0xDC00..0xE000).contains(low))
        .parse_next(input)?;
    char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        .ok_or(ErrMode::Backtrack(ContextError::new()))
}

/// `u` and four hex digits, as a UTF-16 code unit.
fn hex_code_unit(input: &mut &str) -> ModalResult<u32> {
    ('u', take(4usize))
        .verify_map(|(_, hex): (char, &str)| {
            hex.bytes()
                .all(|byte| byte.is_ascii_hexdigit())
                .then(|| u32::from_str_radix(hex, 16).ok())
                .flatten()
        })
        .parse_next(input)
}

/// An operator or punctuation mark.
fn symbol(input: &mut &str) -> ModalResult<&'static str> {
    for &symbol in SYMBOLS {
        if let Some(rest) = input.strip_prefix(symbol) {
            *input = rest;
            return Ok(symbol);
        }
    }
    Err(ErrMode::Backtrack(ContextError::new()))
}

/// A failure that stops the lexer, saying what was expected.
fn failure(what: &'static str) -> ErrMode<ContextError> {
    let mut error = ContextError::new();
    error.push(expected(what));
    ErrMode::Cut(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kinds of the tokens of `text`, which must lex.
    fn kinds(text: &str) -> Vec<TokenKind<'_>> {
        tokenize(text)
            .unwrap()
            .into_iter()
            .map(|token| token.kind)
            .collect()
    }

    /// Words, symbols, parameters, numbers and strings come out in order, without whitespace.
    #[test]
    fn lexes_a_query() {
        assert_eq!(
            kinds("SELECT * FROM c WHERE c.n >= 1.5 AND c.id = @id OR c.s='x'"),
            vec![
                TokenKind::Word("SELECT"),
                TokenKind::Symbol("*"),
                TokenKind::Word("FROM"),
                TokenKind::Word("c"),
                TokenKind::Word("WHERE"),
                TokenKind::Word("c"),
                TokenKind::Symbol("."),
                TokenKind::Word("n"),
                TokenKind::Symbol(">="),
                TokenKind::Number(Number::from_f64(1.5).unwrap()),
                TokenKind::Word("AND"),
                TokenKind::Word("c"),
                TokenKind::Symbol("."),
                TokenKind::Word("id"),
                TokenKind::Symbol("="),
                TokenKind::Parameter("@id"),
                TokenKind::Word("OR"),
                TokenKind::Word("c"),
                TokenKind::Symbol("."),
                TokenKind::Word("s"),
                TokenKind::Symbol("="),
                TokenKind::String("x".into()),
            ]
        );
    }

    /// Integers stay integers; fractions, exponents and huge integers become doubles.
    #[test]
    fn lexes_numbers() {
        assert_eq!(kinds("42"), vec![TokenKind::Number(42.into())]);
        assert_eq!(kinds("2.0"), vec![TokenKind::Number(2.into())]);
        assert_eq!(
            kinds(".5"),
            vec![TokenKind::Number(Number::from_f64(0.5).unwrap())]
        );
        assert_eq!(kinds("1e3"), vec![TokenKind::Number(1000.into())]);
        let huge = kinds("123456789012345678901234567890");
        assert!(matches!(&huge[..], [TokenKind::Number(n)] if n.is_f64()));
        assert!(tokenize("1e999").is_err());
    }

    /// Both quote styles work, and escapes are decoded, including surrogate pairs.
    #[test]
    fn lexes_strings_and_escapes() {
        assert_eq!(
            kinds(r#"'it\'s' "say \"hi\"""#),
            vec![
                TokenKind::String("it's".into()),
                TokenKind::String("say \"hi\"".into()),
            ]
        );
        assert_eq!(
            kinds(r"'\u00e9\n\ud83d\ude00'"),
            vec![TokenKind::String("é\n😀".into())]
        );
    }

    /// An unterminated string is reported at the end of the query, saying which quote is missing.
    #[test]
    fn reports_an_unterminated_string() {
        let error = tokenize("SELECT * FROM c WHERE c.id = 'abc").unwrap_err();
        assert_eq!(
            error.to_string(),
            "syntax error near the end of the query at line 1, column 34: \
             expected a closing ' to end the string"
        );
    }

    /// A bad escape and an unknown character are reported where they are.
    #[test]
    fn reports_bad_characters() {
        let error = tokenize("SELECT 'a\\qb'").unwrap_err();
        assert!(
            error.to_string().contains("near 'q' at line 1, column 11"),
            "{error}"
        );
        let error = tokenize("SELECT *\nFROM c # comment").unwrap_err();
        assert!(
            error.to_string().contains("near '#' at line 2, column 8"),
            "{error}"
        );
        let error = tokenize("SELECT @ FROM c").unwrap_err();
        assert!(
            error.to_string().contains("a parameter name after '@'"),
            "{error}"
        );
    }
}
