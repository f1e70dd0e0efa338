//! Step 2 of parsing: turn the tokens into a [`SelectQuery`].
//!
//! This is a recursive-descent parser written with [winnow](https://docs.rs/winnow) over the
//! lexer's tokens. Each grammar rule is one function, and the functions appear in the order of
//! the query: the clauses first, then expressions from the loosest operator to the tightest.
//! The grammar follows the one the .NET SDK uses to parse queries client-side (`sql.g4`), which
//! mirrors the service's:
//!
//! ```text
//! query    := SELECT [DISTINCT] [TOP count] selection [FROM source] [WHERE expr]
//!             [ORDER BY sort_key, …] [OFFSET count LIMIT count]
//! expr     := binary [? expr : expr]
//! binary   := unary (operator unary)*, grouped by precedence, loosest first:
//!             ??  OR  AND  [NOT] IN/LIKE/BETWEEN  ||  = != <>  < <= > >=  + -  * / %
//! unary    := (NOT | - | +) unary | postfix
//! postfix  := primary (.name | [expr])*
//! primary  := literal | @param | [expr, …] | {"name": expr, …} | (expr)
//!           | udf.name(expr, …) | name(expr, …) | name
//! ```
//!
//! ## Errors
//!
//! A syntax error is a winnow error whose *context* says what was expected
//! (`StrContext::Expected`, always added at the innermost point that knows) and in which clause
//! (`StrContext::Label`). [`parse`] turns it into a message pointing at the offending token.
//! Once a rule has seen enough to be sure of itself (`WHERE`, an opening bracket, an operator)
//! it wraps the rest in `cut_err`, so that the error reports the real problem instead of
//! backtracking to a vaguer one.
//!
//! Features this emulator does not implement (GROUP BY, JOIN, subqueries…) are recognised where
//! they would start and refused with a [`QueryError::Unsupported`] that names them; such errors
//! travel through winnow as the error's *cause*.

use serde_json::Value;
use winnow::combinator::{alt, cut_err, delimited, opt, peek, preceded, repeat, separated};
use winnow::error::{ContextError, ErrMode, FromExternalError, StrContext, StrContextValue};
use winnow::prelude::*;
use winnow::stream::{Stateful, TokenSlice};
use winnow::token::any;

use super::QueryError;
use super::ast::{
    BinaryOp, Count, Expr, Field, OffsetLimit, SelectQuery, Selection, SortKey, Source, Step,
    UnaryOp,
};
use super::functions::{Aggregate, Function};
use super::lexer::{Token, TokenKind};

/// The parser's input: the tokens, and how deeply the parser has recursed so far.
type Tokens<'t> = Stateful<TokenSlice<'t, Token<'t>>, Nesting>;

/// What every grammar rule returns.
type Parsed<T> = ModalResult<T>;

/// How many expressions the parser is inside of, right now.
///
/// The parser calls itself for every bracket and for the operands of operators, and the stack it
/// does that on is finite: a hundred thousand `(` would overflow it and crash the whole emulator
/// (a debug build needs about 12 KiB of stack per level). So every recursion goes through
/// [`nested`], which counts.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Nesting {
    depth: usize,
}

/// How deeply expressions may nest inside each other (brackets, arguments, operands): far more
/// than any real query, and far less than a 2 MiB thread stack allows.
const MAX_NESTING: usize = 32;

/// How many levels an expression tree may have. Chains of operators (`a + b + c + …`) are
/// parsed in a loop, not by recursion, but the tree they build is as deep as the chain is long,
/// and evaluating it is recursive.
const MAX_DEPTH: usize = 128;

/// Words that cannot name a document or a property after a `.` (case-insensitive).
const KEYWORDS: &[&str] = &[
    "AND", "ARRAY", "AS", "ASC", "BETWEEN", "BY", "DESC", "DISTINCT", "ESCAPE", "EXISTS", "FROM",
    "GROUP", "IN", "JOIN", "LIKE", "LIMIT", "NOT", "OFFSET", "OR", "ORDER", "RANK", "SELECT",
    "TOP", "VALUE", "WHERE",
];

/// Reserved words that the service's grammar spells in lower case only: `TRUE` is a name,
/// `true` is the boolean.
const LOWER_CASE_WORDS: &[&str] = &["true", "false", "null", "undefined", "udf"];

/// Whether `word` is reserved, so that a property with this name must be written `c["word"]`.
pub(crate) fn is_reserved(word: &str) -> bool {
    KEYWORDS
        .iter()
        .any(|keyword| keyword.eq_ignore_ascii_case(word))
        || LOWER_CASE_WORDS.contains(&word)
}

/// Parses the tokens of `text` into a query.
pub(crate) fn parse(text: &str, tokens: &[Token<'_>]) -> Result<SelectQuery, QueryError> {
    let input = Tokens {
        input: TokenSlice::new(tokens),
        state: Nesting::default(),
    };
    query.parse(input).map_err(|error| {
        let context = error.inner();
        // An unsupported feature or an invalid construct, found while parsing.
        if let Some(cause) = context.cause()
            && let Some(error) = cause.downcast_ref::<QueryError>()
        {
            return error.clone();
        }
        // A syntax error: point at the token where parsing stopped.
        let found = tokens.get(error.offset());
        let offset = found.map_or(text.len(), |token| token.span.start);
        let found_text = found.and_then(|token| text.get(token.span.clone()));
        QueryError::syntax(text, offset, found_text, expectation(context))
    })
}

/// "an expression in the WHERE clause": what the innermost rule expected, and in which clause.
fn expectation(error: &ContextError) -> String {
    let expected = error
        .context()
        .find_map(|context| match context {
            StrContext::Expected(StrContextValue::Description(what)) => Some(*what),
            _ => None,
        })
        .unwrap_or("a valid continuation of the query");
    let clause = error.context().find_map(|context| match context {
        StrContext::Label(clause) => Some(*clause),
        _ => None,
    });
    match clause {
        Some(clause) => format!("{expected} in the {clause}"),
        None => expected.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Clauses
// ---------------------------------------------------------------------------------------------

/// `SELECT … [FROM …] [WHERE …] [ORDER BY …] [OFFSET … LIMIT …]`.
fn query(input: &mut Tokens<'_>) -> Parsed<SelectQuery> {
    keyword("SELECT")
        .context(expected("SELECT at the start of the query"))
        .parse_next(input)?;
    let distinct = opt(keyword("DISTINCT")).parse_next(input)?.is_some();
    let top = opt(preceded(keyword("TOP"), cut_err(count("TOP"))))
        .context(label("TOP clause"))
        .parse_next(input)?;
    let selection = cut_err(selection)
        .context(label("SELECT clause"))
        .parse_next(input)?;
    let source = opt(from_clause).parse_next(input)?;
    let filter = opt(where_clause).parse_next(input)?;
    refuse_if(input, keyword("GROUP"), "GROUP BY")?;
    let order_by = opt(order_by_clause).parse_next(input)?.unwrap_or_default();
    let offset_limit = opt(offset_limit_clause).parse_next(input)?;

    // Anything left over is misplaced. Only the clauses after the last one present could still
    // come, and saying which helps with the classic mistakes (a typo in FROM, LIMIT without
    // OFFSET, clauses in the wrong order).
    let still_possible = if offset_limit.is_some() {
        "the end of the query"
    } else if !order_by.is_empty() {
        "OFFSET or the end of the query"
    } else if filter.is_some() {
        "ORDER BY, OFFSET or the end of the query"
    } else if source.is_some() {
        "WHERE, ORDER BY, OFFSET or the end of the query"
    } else {
        "FROM, WHERE, ORDER BY, OFFSET or the end of the query"
    };
    end_of_query
        .context(expected(still_possible))
        .parse_next(input)?;

    Ok(SelectQuery {
        distinct,
        top,
        selection,
        source,
        filter,
        order_by,
        offset_limit,
    })
}

/// `*`, `VALUE expr`, or `expr [AS name], …`.
fn selection(input: &mut Tokens<'_>) -> Parsed<Selection> {
    alt((
        symbol("*").value(Selection::All),
        preceded(keyword("VALUE"), cut_err(expression)).map(Selection::Value),
        separated(1.., select_item, symbol(",")).map(|items| Selection::Fields(name_fields(items))),
    ))
    .parse_next(input)
}

/// One item of a select list: `c.name`, `c.price * 2 AS total`.
fn select_item(input: &mut Tokens<'_>) -> Parsed<(Expr, Option<String>)> {
    let expr = expression(input)?;
    let alias = opt(preceded(
        keyword("AS"),
        cut_err(identifier.context(expected("a name after AS"))),
    ))
    .parse_next(input)?;
    Ok((expr, alias))
}

/// Gives every select-list item its property name: its alias, the last property name of its
/// path, or `$1`, `$2`… in order for the others, as the service does.
fn name_fields(items: Vec<(Expr, Option<String>)>) -> Vec<Field> {
    let mut unnamed = 0;
    items
        .into_iter()
        .map(|(expr, alias)| {
            let name = alias
                .or_else(|| expr.implicit_name().map(str::to_owned))
                .unwrap_or_else(|| {
                    unnamed += 1;
                    format!("${unnamed}")
                });
            Field { name, expr }
        })
        .collect()
}

/// The number after TOP, OFFSET or LIMIT: a non-negative integer literal or a parameter (whose
/// value is checked when the query runs).
fn count<'t>(clause: &'static str) -> impl FnMut(&mut Tokens<'t>) -> Parsed<Count> {
    move |input| {
        let count = next_token(|token: &Token<'_>| match &token.kind {
            TokenKind::Number(number) => Some(number.as_u64().map(Count::Literal).ok_or(number)),
            TokenKind::Parameter(name) => Some(Ok(Count::Parameter((*name).to_owned()))),
            _ => None,
        })
        .context(expected("a non-negative integer or a @parameter"))
        .parse_next(input)?;
        count.map_err(|number| {
            let found = number.to_string();
            refuse(input, QueryError::InvalidCount { clause, found })
        })
    }
}

/// `FROM container [[AS] alias]`.
fn from_clause(input: &mut Tokens<'_>) -> Parsed<Source> {
    keyword("FROM").parse_next(input)?;
    cut_err(source)
        .context(label("FROM clause"))
        .parse_next(input)
}

/// What follows FROM. The container's name does not matter (a query runs on the container it
/// is sent to); the alias is the name the rest of the query uses for each document.
fn source(input: &mut Tokens<'_>) -> Parsed<Source> {
    refuse_if(input, symbol("("), "a subquery in FROM")?;
    let container = identifier
        .context(expected("a name for the documents, as in FROM c"))
        .parse_next(input)?;
    refuse_if(
        input,
        keyword("IN"),
        "iterating over an array with FROM … IN",
    )?;
    refuse_if(
        input,
        alt((symbol("."), symbol("["))),
        "a FROM clause with a path (iterating inside each document)",
    )?;
    let alias = if opt(keyword("AS")).parse_next(input)?.is_some() {
        Some(cut_err(identifier.context(expected("a name after AS"))).parse_next(input)?)
    } else {
        opt(identifier).parse_next(input)?
    };
    refuse_if(input, keyword("JOIN"), "JOIN")?;
    Ok(Source {
        alias: alias.unwrap_or(container),
    })
}

/// `WHERE condition`.
fn where_clause(input: &mut Tokens<'_>) -> Parsed<Expr> {
    keyword("WHERE").parse_next(input)?;
    cut_err(expression)
        .context(label("WHERE clause"))
        .parse_next(input)
}

/// `ORDER BY key [ASC|DESC], …`.
fn order_by_clause(input: &mut Tokens<'_>) -> Parsed<Vec<SortKey>> {
    keyword("ORDER").parse_next(input)?;
    cut_err(keyword("BY").context(expected("BY after ORDER")))
        .context(label("ORDER BY clause"))
        .parse_next(input)?;
    refuse_if(input, keyword("RANK"), "ORDER BY RANK")?;
    cut_err(separated(1.., sort_key, symbol(",")))
        .context(label("ORDER BY clause"))
        .parse_next(input)
}

/// One ORDER BY key: `c.name`, `c._ts DESC`.
fn sort_key(input: &mut Tokens<'_>) -> Parsed<SortKey> {
    let expr = expression(input)?;
    let descending = opt(alt((
        keyword("ASC").value(false),
        keyword("DESC").value(true),
    )))
    .parse_next(input)?
    .unwrap_or(false);
    Ok(SortKey { expr, descending })
}

/// `OFFSET n LIMIT m`.
fn offset_limit_clause(input: &mut Tokens<'_>) -> Parsed<OffsetLimit> {
    keyword("OFFSET").parse_next(input)?;
    let (offset, _, limit) = cut_err((
        count("OFFSET"),
        keyword("LIMIT").context(expected("LIMIT after the OFFSET count")),
        count("LIMIT"),
    ))
    .context(label("OFFSET LIMIT clause"))
    .parse_next(input)?;
    Ok(OffsetLimit { offset, limit })
}

/// Succeeds only when every token has been read.
fn end_of_query(input: &mut Tokens<'_>) -> Parsed<()> {
    match peek(opt(any)).parse_next(input)? {
        None => Ok(()),
        Some(_) => Err(ErrMode::Cut(ContextError::new())),
    }
}

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

/// Any expression. Every recursion of the parser (into brackets, arguments, the branches of
/// `? :`, the operands of operators) goes through [`nested`], which bounds it.
fn expression(input: &mut Tokens<'_>) -> Parsed<Expr> {
    let expr = nested(input, conditional)?;
    shallow(input, expr)
}

/// `condition ? then : otherwise`, the loosest of all operators.
fn conditional(input: &mut Tokens<'_>) -> Parsed<Expr> {
    let condition = binary(input, LOOSEST)?;
    if opt(symbol("?")).parse_next(input)?.is_none() {
        return Ok(condition);
    }
    let then = cut_err(expression).parse_next(input)?;
    cut_err(symbol(":").context(expected(
        "':' and the value for when the condition is false",
    )))
    .parse_next(input)?;
    let otherwise = cut_err(expression).parse_next(input)?;
    Ok(Expr::Conditional {
        condition: Box::new(condition),
        then: Box::new(then),
        otherwise: Box::new(otherwise),
    })
}

/// The binary operators and how tightly each binds: a higher level binds tighter, so
/// `a OR b AND c` is `a OR (b AND c)` and `a + b * c` is `a + (b * c)`. The levels are the
/// service grammar's.
const BINARY_OPERATORS: &[(&str, BinaryOp, u8)] = &[
    ("??", BinaryOp::Coalesce, 1),
    ("OR", BinaryOp::Or, 2),
    ("AND", BinaryOp::And, 3),
    // Level 4 is the predicates: [NOT] IN, [NOT] LIKE, [NOT] BETWEEN (see `predicate`).
    ("||", BinaryOp::Concat, 5),
    // Level 6 is the bitwise operators, which this emulator refuses (see `binary`).
    ("=", BinaryOp::Equal, 7),
    ("!=", BinaryOp::NotEqual, 7),
    ("<>", BinaryOp::NotEqual, 7),
    ("<", BinaryOp::Less, 8),
    ("<=", BinaryOp::LessOrEqual, 8),
    (">", BinaryOp::Greater, 8),
    (">=", BinaryOp::GreaterOrEqual, 8),
    ("+", BinaryOp::Add, 9),
    ("-", BinaryOp::Subtract, 9),
    ("*", BinaryOp::Multiply, 10),
    ("/", BinaryOp::Divide, 10),
    ("%", BinaryOp::Remainder, 10),
];

/// The level of the loosest binary operator.
const LOOSEST: u8 = 1;

/// The level of `IN`, `LIKE` and `BETWEEN`: between `AND` and `||`.
const PREDICATE_LEVEL: u8 = 4;

/// The bitwise operators, refused by name.
const BITWISE_OPERATORS: &[&str] = &["|", "^", "&", "<<", ">>", ">>>"];

/// Binary operators, by *precedence climbing*: read an operand, then, as long as the next
/// operator binds at least as tightly as `min_level`, take it and read its right operand with
/// only tighter operators. Equal levels therefore group to the left: `a - b - c` is
/// `(a - b) - c`.
fn binary(input: &mut Tokens<'_>, min_level: u8) -> Parsed<Expr> {
    let mut left = unary(input)?;
    loop {
        let bitwise = next_token(|token: &Token<'_>| match token.kind {
            TokenKind::Symbol(symbol) if BITWISE_OPERATORS.contains(&symbol) => Some(symbol),
            _ => None,
        });
        if let Some(operator) = opt(peek(bitwise)).parse_next(input)? {
            let feature = format!("the bitwise operator {operator}");
            return Err(refuse(input, QueryError::unsupported(feature)));
        }
        if min_level <= PREDICATE_LEVEL
            && let Some((negated, kind)) = opt(predicate_start).parse_next(input)?
        {
            let expr = predicate(input, left, negated, kind)?;
            left = shallow(input, expr)?;
            continue;
        }
        let operator = next_token(|token: &Token<'_>| {
            BINARY_OPERATORS
                .iter()
                .find(|(text, ..)| token.is_operator(text))
                .map(|&(_, op, level)| (op, level))
        });
        let Some((op, level)) = opt(peek(operator)).parse_next(input)? else {
            return Ok(left);
        };
        if level < min_level {
            return Ok(left);
        }
        any.parse_next(input)?;
        // After an operator, an operand must follow: no backtracking from here.
        let right = cut_err(|input: &mut Tokens<'_>| nested(input, |i| binary(i, level + 1)))
            .parse_next(input)?;
        let expr = Expr::Binary {
            op,
            left: Box::new(left),
            right: Box::new(right),
        };
        left = shallow(input, expr)?;
    }
}

/// The three predicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PredicateKind {
    In,
    Like,
    Between,
}

/// `[NOT] IN`, `[NOT] LIKE` or `[NOT] BETWEEN`: whether it is negated, and which one.
fn predicate_start(input: &mut Tokens<'_>) -> Parsed<(bool, PredicateKind)> {
    let negated = opt(keyword("NOT")).parse_next(input)?.is_some();
    let kind = alt((
        keyword("IN").value(PredicateKind::In),
        keyword("LIKE").value(PredicateKind::Like),
        keyword("BETWEEN").value(PredicateKind::Between),
    ));
    if negated {
        // After a value, NOT can only start one of these (as a prefix, it would be `NOT c.a`).
        let kind = cut_err(kind.context(expected("IN, LIKE or BETWEEN after NOT")));
        kind.map(|kind| (true, kind)).parse_next(input)
    } else {
        kind.map(|kind| (false, kind)).parse_next(input)
    }
}

/// The rest of a predicate, after `value [NOT] IN|LIKE|BETWEEN`.
fn predicate(
    input: &mut Tokens<'_>,
    value: Expr,
    negated: bool,
    kind: PredicateKind,
) -> Parsed<Expr> {
    let value = Box::new(value);
    // The operands of a predicate may use only tighter operators: `c.a BETWEEN 1 AND 2 AND …`
    // ends the upper bound at the second AND.
    let operand = |input: &mut Tokens<'_>| {
        cut_err(|input: &mut Tokens<'_>| nested(input, |i| binary(i, PREDICATE_LEVEL + 1)))
            .parse_next(input)
            .map(Box::new)
    };
    Ok(match kind {
        PredicateKind::In => {
            let list = cut_err(delimited(
                symbol("(").context(expected("'(' and a list of values after IN")),
                separated(1.., expression, symbol(",")),
                symbol(")").context(expected("',' or ')' to close the IN list")),
            ))
            .parse_next(input)?;
            Expr::In {
                value,
                list,
                negated,
            }
        }
        PredicateKind::Like => {
            let pattern = operand(input)?;
            let escape =
                opt(preceded(keyword("ESCAPE"), cut_err(escape_character))).parse_next(input)?;
            Expr::Like {
                value,
                pattern,
                escape,
                negated,
            }
        }
        PredicateKind::Between => {
            let low = operand(input)?;
            cut_err(keyword("AND").context(expected("AND between the two bounds of BETWEEN")))
                .parse_next(input)?;
            let high = operand(input)?;
            Expr::Between {
                value,
                low,
                high,
                negated,
            }
        }
    })
}

/// The string after ESCAPE, which must be one character.
fn escape_character(input: &mut Tokens<'_>) -> Parsed<char> {
    let text = string_literal
        .context(expected(
            "a one-character string after ESCAPE, as in ESCAPE '!'",
        ))
        .parse_next(input)?;
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(escape), None) => Ok(escape),
        _ => Err(refuse(
            input,
            QueryError::invalid(format!(
                "ESCAPE needs exactly one character, but the query gives {text:?}"
            )),
        )),
    }
}

/// `NOT x`, `-x`, `+x`, or a postfix expression.
///
/// As in the service's grammar, prefix operators bind tighter than any binary operator:
/// `NOT c.a = 1` means `(NOT c.a) = 1`. Write `NOT (c.a = 1)`.
fn unary(input: &mut Tokens<'_>) -> Parsed<Expr> {
    refuse_if(input, symbol("~"), "the bitwise operator ~")?;
    let op = opt(alt((
        keyword("NOT").value(UnaryOp::Not),
        symbol("-").value(UnaryOp::Negate),
        symbol("+").value(UnaryOp::Plus),
    )))
    .parse_next(input)?;
    let Some(op) = op else {
        return postfix(input);
    };
    let operand = cut_err(|input: &mut Tokens<'_>| nested(input, unary)).parse_next(input)?;
    Ok(Expr::Unary {
        op,
        operand: Box::new(operand),
    })
}

/// A primary expression followed by property and element accesses: `c.tags[0].name`.
fn postfix(input: &mut Tokens<'_>) -> Parsed<Expr> {
    let start = primary(input)?;
    let steps: Vec<Step> = repeat(0.., step).parse_next(input)?;
    if steps.is_empty() {
        Ok(start)
    } else {
        Ok(Expr::Path {
            start: Box::new(start),
            steps,
        })
    }
}

/// `.name` or `[expr]`.
fn step(input: &mut Tokens<'_>) -> Parsed<Step> {
    alt((
        preceded(symbol("."), cut_err(property_name)).map(Step::Property),
        delimited(
            symbol("["),
            cut_err(expression),
            cut_err(symbol("]").context(expected("']' to close the brackets"))),
        )
        .map(|index| match index {
            // `c["first name"]` is the same as a `.` step, for names a `.` cannot take.
            Expr::Literal(Value::String(name)) => Step::Property(name),
            index => Step::Index(index),
        }),
    ))
    .parse_next(input)
}

/// The name after a `.`: any identifier, but not a reserved word.
fn property_name(input: &mut Tokens<'_>) -> Parsed<String> {
    let word = next_token(|token: &Token<'_>| match token.kind {
        TokenKind::Word(word) => Some(word),
        _ => None,
    })
    .context(expected("a property name after '.'"))
    .parse_next(input)?;
    if is_reserved(word) {
        // The service's grammar refuses `c.value` too; the fix is not obvious, so say it.
        return Err(refuse(
            input,
            QueryError::invalid(format!(
                "'{word}' is a reserved word, so it cannot follow a '.' in a path; \
                 write [\"{word}\"] instead of .{word}"
            )),
        ));
    }
    Ok(word.to_owned())
}

/// A literal, a parameter, an array or object, a parenthesized expression, a function call or
/// the FROM alias. The next token decides which.
fn primary(input: &mut Tokens<'_>) -> Parsed<Expr> {
    let next = peek(opt(any)).parse_next(input)?;
    match next.map(|token| &token.kind) {
        Some(TokenKind::Number(_) | TokenKind::String(_)) => literal(input),
        Some(TokenKind::Word("true" | "false" | "null" | "undefined")) => literal(input),
        Some(TokenKind::Parameter(name)) => {
            any.parse_next(input)?;
            Ok(Expr::Parameter((*name).to_owned()))
        }
        Some(TokenKind::Symbol("[")) => array(input),
        Some(TokenKind::Symbol("{")) => object(input),
        Some(TokenKind::Symbol("(")) => parenthesized(input),
        Some(TokenKind::Word("udf")) => user_defined_call(input),
        Some(TokenKind::Word(word)) if word.eq_ignore_ascii_case("SELECT") => {
            Err(refuse(input, QueryError::unsupported("a subquery")))
        }
        Some(TokenKind::Word(word)) if word.eq_ignore_ascii_case("EXISTS") => {
            Err(refuse(input, QueryError::unsupported("an EXISTS subquery")))
        }
        Some(TokenKind::Word(word)) if word.eq_ignore_ascii_case("ARRAY") => {
            Err(refuse(input, QueryError::unsupported("an ARRAY subquery")))
        }
        Some(TokenKind::Word(word)) if !is_reserved(word) => call_or_identifier(input),
        _ => Err(mismatch("an expression")),
    }
}

/// `42`, `'text'`, `true`, `false`, `null`, `undefined`.
fn literal(input: &mut Tokens<'_>) -> Parsed<Expr> {
    next_token(|token: &Token<'_>| match &token.kind {
        TokenKind::Number(number) => Some(Expr::Literal(Value::Number(number.clone()))),
        TokenKind::String(text) => Some(Expr::Literal(Value::String(text.clone()))),
        TokenKind::Word("true") => Some(Expr::Literal(Value::Bool(true))),
        TokenKind::Word("false") => Some(Expr::Literal(Value::Bool(false))),
        TokenKind::Word("null") => Some(Expr::Literal(Value::Null)),
        TokenKind::Word("undefined") => Some(Expr::Undefined),
        _ => None,
    })
    .parse_next(input)
}

/// `[a, b, …]`.
fn array(input: &mut Tokens<'_>) -> Parsed<Expr> {
    symbol("[").parse_next(input)?;
    let items = list(input, expression, "]", "',' or ']' to close the array")?;
    Ok(Expr::Array(items))
}

/// `{"name": value, …}`.
fn object(input: &mut Tokens<'_>) -> Parsed<Expr> {
    symbol("{").parse_next(input)?;
    let property = (
        string_literal.context(expected(
            "a property name in quotes, as in {\"name\": c.name}",
        )),
        cut_err(symbol(":").context(expected("':' after the property name"))),
        cut_err(expression),
    )
        .map(|(name, _, value)| (name, value));
    let properties = list(input, property, "}", "',' or '}' to close the object")?;
    Ok(Expr::Object(properties))
}

/// `(expr)`.
fn parenthesized(input: &mut Tokens<'_>) -> Parsed<Expr> {
    symbol("(").parse_next(input)?;
    let expr = cut_err(expression).parse_next(input)?;
    cut_err(symbol(")").context(expected("')' to close the parenthesis"))).parse_next(input)?;
    Ok(expr)
}

/// `udf.name(args)`: a call to a user-defined function.
fn user_defined_call(input: &mut Tokens<'_>) -> Parsed<Expr> {
    any.parse_next(input)?;
    let name = cut_err(preceded(symbol("."), identifier))
        .context(expected("'.' and the function's name after udf"))
        .parse_next(input)?;
    let args = cut_err(preceded(
        symbol("(").context(expected("'(' and the arguments")),
        arguments,
    ))
    .parse_next(input)?;
    Ok(Expr::UserDefinedCall { name, args })
}

/// `NAME(args)` (a built-in function or an aggregate) or a bare name (the FROM alias).
fn call_or_identifier(input: &mut Tokens<'_>) -> Parsed<Expr> {
    let name = identifier(input)?;
    if opt(symbol("(")).parse_next(input)?.is_none() {
        return Ok(Expr::Identifier(name));
    }
    let args = cut_err(arguments).parse_next(input)?;
    if let Some(function) = Aggregate::lookup(&name) {
        return match <[Expr; 1]>::try_from(args) {
            Ok([arg]) => Ok(Expr::Aggregate {
                function,
                arg: Box::new(arg),
            }),
            Err(args) => Err(refuse(
                input,
                QueryError::invalid(format!(
                    "{} takes exactly 1 argument, but the query gives {}; count documents \
                     with COUNT(1)",
                    function.name(),
                    args.len()
                )),
            )),
        };
    }
    let Some(function) = Function::lookup(&name) else {
        let error = QueryError::unsupported(format!("function {}", name.to_uppercase()));
        return Err(refuse(input, error));
    };
    let arity = function.arity();
    if !arity.contains(&args.len()) {
        let takes = match (*arity.start(), *arity.end()) {
            (1, 1) => "1 argument".to_owned(),
            (low, high) if low == high => format!("{low} arguments"),
            (low, usize::MAX) => format!("at least {low} arguments"),
            (low, high) if high - low == 1 => format!("{low} or {high} arguments"),
            (low, high) => format!("{low} to {high} arguments"),
        };
        return Err(refuse(
            input,
            QueryError::invalid(format!(
                "{} takes {takes}, but the query gives {}",
                function.name(),
                args.len()
            )),
        ));
    }
    Ok(Expr::Call { function, args })
}

/// The arguments of a call, after its `(`: `a, b)`.
fn arguments(input: &mut Tokens<'_>) -> Parsed<Vec<Expr>> {
    list(input, expression, ")", "',' or ')' to close the arguments")
}

/// Items separated by commas up to the symbol `close`, which may come right away: the inside
/// of `[…]`, `{…}` and `f(…)`, after the opening symbol.
fn list<'t, O>(
    input: &mut Tokens<'t>,
    item: impl Parser<Tokens<'t>, O, ErrMode<ContextError>>,
    close: &'static str,
    expected_close: &'static str,
) -> Parsed<Vec<O>> {
    if opt(symbol(close)).parse_next(input)?.is_some() {
        return Ok(Vec::new());
    }
    let items = cut_err(separated(1.., item, symbol(","))).parse_next(input)?;
    cut_err(symbol(close).context(expected(expected_close))).parse_next(input)?;
    Ok(items)
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

impl Token<'_> {
    /// Whether this token is the keyword `word` (keywords are case-insensitive).
    fn is_keyword(&self, word: &str) -> bool {
        matches!(self.kind, TokenKind::Word(found) if found.eq_ignore_ascii_case(word))
    }

    /// Whether this token is the operator `text`: a symbol, or a keyword such as `AND`.
    fn is_operator(&self, text: &str) -> bool {
        matches!(self.kind, TokenKind::Symbol(symbol) if symbol == text) || self.is_keyword(text)
    }
}

/// The next token, turned into a value by `accept`; if `accept` refuses it, a failure that lets
/// the caller try something else.
fn next_token<'t, O>(
    mut accept: impl FnMut(&'t Token<'t>) -> Option<O>,
) -> impl FnMut(&mut Tokens<'t>) -> Parsed<O> {
    move |input| any.verify_map(&mut accept).parse_next(input)
}

/// The keyword `word`.
fn keyword<'t>(word: &'static str) -> impl FnMut(&mut Tokens<'t>) -> Parsed<()> {
    next_token(move |token| token.is_keyword(word).then_some(()))
}

/// The symbol `text`.
fn symbol<'t>(text: &'static str) -> impl FnMut(&mut Tokens<'t>) -> Parsed<()> {
    next_token(move |token| (token.kind == TokenKind::Symbol(text)).then_some(()))
}

/// A name that is not a reserved word: an alias, a function, a property after AS.
fn identifier(input: &mut Tokens<'_>) -> Parsed<String> {
    next_token(|token: &Token<'_>| match token.kind {
        TokenKind::Word(word) if !is_reserved(word) => Some(word.to_owned()),
        _ => None,
    })
    .parse_next(input)
}

/// A string literal's text.
fn string_literal(input: &mut Tokens<'_>) -> Parsed<String> {
    next_token(|token: &Token<'_>| match &token.kind {
        TokenKind::String(text) => Some(text.clone()),
        _ => None,
    })
    .parse_next(input)
}

// ---------------------------------------------------------------------------------------------
// Errors and limits
// ---------------------------------------------------------------------------------------------

/// A context saying what the parser expected here.
fn expected(what: &'static str) -> StrContext {
    StrContext::Expected(StrContextValue::Description(what))
}

/// A failure saying what the parser expected here, which lets the caller try something else.
fn mismatch(what: &'static str) -> ErrMode<ContextError> {
    let mut error = ContextError::new();
    error.push(expected(what));
    ErrMode::Backtrack(error)
}

/// A context naming the clause being parsed.
fn label(clause: &'static str) -> StrContext {
    StrContext::Label(clause)
}

/// Stops parsing with `error`, which [`parse`] returns as is.
fn refuse(input: &Tokens<'_>, error: QueryError) -> ErrMode<ContextError> {
    ErrMode::Cut(ContextError::from_external_error(input, error))
}

/// Stops with "`feature` is not supported" if the next tokens are what `next` recognises.
fn refuse_if<'t, O>(
    input: &mut Tokens<'t>,
    next: impl Parser<Tokens<'t>, O, ErrMode<ContextError>>,
    feature: &str,
) -> Parsed<()> {
    match opt(peek(next)).parse_next(input)? {
        Some(_) => Err(refuse(input, QueryError::unsupported(feature))),
        None => Ok(()),
    }
}

/// Runs `rule` one level deeper, refusing to go beyond [`MAX_NESTING`].
fn nested<'t, O>(
    input: &mut Tokens<'t>,
    rule: impl FnOnce(&mut Tokens<'t>) -> Parsed<O>,
) -> Parsed<O> {
    if input.state.depth >= MAX_NESTING {
        let feature = format!("nesting expressions more than {MAX_NESTING} levels deep");
        return Err(refuse(input, QueryError::unsupported(feature)));
    }
    input.state.depth += 1;
    let result = rule(input);
    input.state.depth -= 1;
    result
}

/// Passes `expr` on, unless its tree is deeper than [`MAX_DEPTH`].
fn shallow(input: &Tokens<'_>, expr: Expr) -> Parsed<Expr> {
    if expr.depth() > MAX_DEPTH {
        let feature = format!("an expression more than {MAX_DEPTH} operators deep");
        return Err(refuse(input, QueryError::unsupported(feature)));
    }
    Ok(expr)
}
