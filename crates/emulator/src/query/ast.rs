//! The parsed form of a query: what the parser builds and the executor walks.
//!
//! The types mirror the clauses of the language, in the order the service runs them:
//!
//! ```text
//! SELECT [DISTINCT] [TOP n] <selection>      SelectQuery { distinct, top, selection,
//! [FROM <container> [[AS] alias]]                          source,
//! [WHERE <condition>]                                      filter,
//! [ORDER BY <sort key>, …]                                 order_by,
//! [OFFSET n LIMIT m]                                       offset_limit }
//! ```

use std::fmt;

use serde_json::Value;

use super::functions::{Aggregate, Function};

/// A whole query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SelectQuery {
    /// `SELECT DISTINCT`: drop duplicate results.
    pub(crate) distinct: bool,
    /// `SELECT TOP n`: keep at most `n` results.
    pub(crate) top: Option<Count>,
    /// What each result is made of.
    pub(crate) selection: Selection,
    /// `FROM …`: where the documents come from and what the query calls each one. A query
    /// without FROM (`SELECT 1 + 1`) is evaluated once, with no document.
    pub(crate) source: Option<Source>,
    /// `WHERE …`: the condition a document must meet (be exactly `true` for).
    pub(crate) filter: Option<Expr>,
    /// `ORDER BY …`: the sort keys, most significant first.
    pub(crate) order_by: Vec<SortKey>,
    /// `OFFSET n LIMIT m`: skip `n` results, then keep at most `m`.
    pub(crate) offset_limit: Option<OffsetLimit>,
}

impl SelectQuery {
    /// Every expression of the query, clause by clause: SELECT, WHERE, ORDER BY.
    pub(crate) fn expressions(&self) -> impl Iterator<Item = &Expr> {
        let selected: Vec<&Expr> = match &self.selection {
            Selection::All => Vec::new(),
            Selection::Value(expr) => vec![expr],
            Selection::Fields(fields) => fields.iter().map(|field| &field.expr).collect(),
        };
        selected
            .into_iter()
            .chain(&self.filter)
            .chain(self.order_by.iter().map(|key| &key.expr))
    }

    /// Whether the query aggregates (`SELECT COUNT(1) …`), and so returns a single result.
    pub(crate) fn is_aggregate(&self) -> bool {
        match &self.selection {
            Selection::All => false,
            Selection::Value(expr) => expr.has_aggregate(),
            Selection::Fields(fields) => fields.iter().any(|field| field.expr.has_aggregate()),
        }
    }
}

/// What a query returns for each document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Selection {
    /// `SELECT *`: the document itself, system properties included.
    All,
    /// `SELECT VALUE expr`: the value itself, not wrapped in an object.
    Value(Expr),
    /// `SELECT a, b AS x`: an object with one property per field.
    Fields(Vec<Field>),
}

/// One field of a select list: `c.name`, `c.a + 1 AS total`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    /// The property name in each result: the alias, the path's last property name, or `$1`,
    /// `$2`… for other expressions.
    pub(crate) name: String,
    /// The value of the property.
    pub(crate) expr: Expr,
}

/// `FROM Families f`: the container (whose name is ignored: a query runs on the container it is
/// sent to) and the alias the query uses for each document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Source {
    /// The alias: `f` in `FROM Families f`, or the container name when there is no alias.
    pub(crate) alias: String,
}

/// The number given to TOP, OFFSET or LIMIT.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Count {
    /// A literal: `TOP 10`.
    Literal(u64),
    /// A parameter, resolved when the query runs: `TOP @n`.
    Parameter(String),
}

/// `OFFSET n LIMIT m`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OffsetLimit {
    /// How many results to skip.
    pub(crate) offset: Count,
    /// How many results to keep after that.
    pub(crate) limit: Count,
}

/// One key of ORDER BY: `c.name DESC`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SortKey {
    /// The property to sort on.
    pub(crate) expr: Expr,
    /// `DESC` (the default is `ASC`).
    pub(crate) descending: bool,
}

/// A scalar expression: anything that computes one value (or undefined) for a document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// A JSON literal: `42`, `'text'`, `true`, `null`.
    Literal(Value),
    /// The literal `undefined`.
    Undefined,
    /// A parameter: `@id`.
    Parameter(String),
    /// A name standing for the current document: the FROM clause's alias (`c`).
    Identifier(String),
    /// Property and element access: `c.address.city`, `c["first name"]`, `c.tags[0]`.
    Path {
        /// What the steps start from; usually [`Expr::Identifier`].
        start: Box<Expr>,
        /// The steps, left to right.
        steps: Vec<Step>,
    },
    /// An array built by the query: `[c.a, c.b]`.
    Array(Vec<Expr>),
    /// An object built by the query: `{"name": c.name}`.
    Object(Vec<(String, Expr)>),
    /// A prefix operator: `NOT c.done`, `-c.delta`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// What it applies to.
        operand: Box<Expr>,
    },
    /// An infix operator: `c.a + 1`, `c.x = @x AND c.y < 3`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        left: Box<Expr>,
        /// The right operand.
        right: Box<Expr>,
    },
    /// `value [NOT] IN (a, b, …)`.
    In {
        /// The value looked for.
        value: Box<Expr>,
        /// The candidates.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `value [NOT] BETWEEN low AND high` (both ends included).
    Between {
        /// The value tested.
        value: Box<Expr>,
        /// The lower bound.
        low: Box<Expr>,
        /// The upper bound.
        high: Box<Expr>,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `value [NOT] LIKE pattern [ESCAPE 'c']`.
    Like {
        /// The string tested.
        value: Box<Expr>,
        /// The pattern, with `%` for any text and `_` for one character.
        pattern: Box<Expr>,
        /// The character that makes the next `%`, `_` or `[` literal.
        escape: Option<char>,
        /// `NOT LIKE`.
        negated: bool,
    },
    /// `condition ? then : otherwise`.
    Conditional {
        /// The condition; only `true` selects `then`.
        condition: Box<Expr>,
        /// The value when the condition is true.
        then: Box<Expr>,
        /// The value when it is false.
        otherwise: Box<Expr>,
    },
    /// A call to a built-in function: `STARTSWITH(c.name, "A")`.
    Call {
        /// The function.
        function: Function,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// An aggregate over all the matching documents: `COUNT(1)`, `SUM(c.price)`.
    Aggregate {
        /// The aggregate function.
        function: Aggregate,
        /// The value aggregated, evaluated for each document.
        arg: Box<Expr>,
    },
    /// A call to a user-defined function: `udf.tax(c.price)`. Parsed, so that the error can name
    /// it; running it is the extension point for user-defined functions.
    UserDefinedCall {
        /// The name after `udf.`.
        name: String,
        /// The arguments.
        args: Vec<Expr>,
    },
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// `.name`, or `["name"]` with a string literal.
    Property(String),
    /// `[expr]`: an array element for a number, an object property for a string.
    Index(Expr),
}

/// The prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnaryOp {
    /// `NOT`: logical negation. Note that, as in the service's grammar, it binds tighter than
    /// comparisons: write `NOT (c.a = 1)`.
    Not,
    /// `-`: arithmetic negation.
    Negate,
    /// `+`: the number itself.
    Plus,
}

/// The infix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    /// `??`: the left value if it is defined, else the right one.
    Coalesce,
    /// `OR`.
    Or,
    /// `AND`.
    And,
    /// `||`: string concatenation.
    Concat,
    /// `=`.
    Equal,
    /// `!=` (or `<>`).
    NotEqual,
    /// `<`.
    Less,
    /// `<=`.
    LessOrEqual,
    /// `>`.
    Greater,
    /// `>=`.
    GreaterOrEqual,
    /// `+`.
    Add,
    /// `-`.
    Subtract,
    /// `*`.
    Multiply,
    /// `/`.
    Divide,
    /// `%`.
    Remainder,
}

impl BinaryOp {
    /// The operator as written in a query.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Self::Coalesce => "??",
            Self::Or => "OR",
            Self::And => "AND",
            Self::Concat => "||",
            Self::Equal => "=",
            Self::NotEqual => "!=",
            Self::Less => "<",
            Self::LessOrEqual => "<=",
            Self::Greater => ">",
            Self::GreaterOrEqual => ">=",
            Self::Add => "+",
            Self::Subtract => "-",
            Self::Multiply => "*",
            Self::Divide => "/",
            Self::Remainder => "%",
        }
    }
}

impl Expr {
    /// The expressions directly inside this one, for walks over the tree.
    pub(crate) fn children(&self) -> Vec<&Expr> {
        match self {
            Self::Literal(_) | Self::Undefined | Self::Parameter(_) | Self::Identifier(_) => {
                Vec::new()
            }
            Self::Path { start, steps } => std::iter::once(&**start)
                .chain(steps.iter().filter_map(|step| match step {
                    Step::Property(_) => None,
                    Step::Index(index) => Some(index),
                }))
                .collect(),
            Self::Array(items) => items.iter().collect(),
            Self::Object(properties) => properties.iter().map(|(_, value)| value).collect(),
            Self::Unary { operand, .. } => vec![operand],
            Self::Binary { left, right, .. } => vec![left, right],
            Self::In { value, list, .. } => std::iter::once(&**value).chain(list).collect(),
            Self::Between {
                value, low, high, ..
            } => vec![value, low, high],
            Self::Like { value, pattern, .. } => vec![value, pattern],
            Self::Conditional {
                condition,
                then,
                otherwise,
            } => vec![condition, then, otherwise],
            Self::Call { args, .. } | Self::UserDefinedCall { args, .. } => args.iter().collect(),
            Self::Aggregate { arg, .. } => vec![arg],
        }
    }

    /// How many levels of expressions this one holds (a literal is 1, `1 + 2` is 2).
    pub(crate) fn depth(&self) -> usize {
        1 + self
            .children()
            .into_iter()
            .map(Expr::depth)
            .max()
            .unwrap_or(0)
    }

    /// Whether this expression contains an aggregate such as `COUNT(…)`.
    pub(crate) fn has_aggregate(&self) -> bool {
        matches!(self, Self::Aggregate { .. })
            || self.children().into_iter().any(Expr::has_aggregate)
    }

    /// Calls `visit` on this expression and every expression inside it, parents first.
    pub(crate) fn walk<'e>(&'e self, visit: &mut impl FnMut(&'e Expr)) {
        visit(self);
        for child in self.children() {
            child.walk(visit);
        }
    }

    /// The first expression, this one or one inside it, for which `test` is true.
    pub(crate) fn find(&self, test: &impl Fn(&Expr) -> bool) -> Option<&Expr> {
        if test(self) {
            return Some(self);
        }
        self.children()
            .into_iter()
            .find_map(|child| child.find(test))
    }

    /// The property name a select-list field gets when it has no `AS`: the last property name
    /// of a path (`c.address.city` → `city`), or the alias itself (`c`). Other expressions have
    /// none and are numbered `$1`, `$2`…
    pub(crate) fn implicit_name(&self) -> Option<&str> {
        match self {
            Self::Identifier(name) => Some(name),
            Self::Path { steps, .. } => match steps.last() {
                Some(Step::Property(name)) => Some(name),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Writes an expression back as query text, for error messages.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Writes `items` separated by commas.
        fn list(f: &mut fmt::Formatter<'_>, items: &[Expr]) -> fmt::Result {
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{item}")?;
            }
            Ok(())
        }
        match self {
            Self::Literal(value) => write!(f, "{value}"),
            Self::Undefined => f.write_str("undefined"),
            Self::Parameter(name) | Self::Identifier(name) => f.write_str(name),
            Self::Path { start, steps } => {
                write!(f, "{start}")?;
                for step in steps {
                    match step {
                        Step::Property(name) if is_plain_name(name) => write!(f, ".{name}")?,
                        Step::Property(name) => write!(f, "[{}]", Value::String(name.clone()))?,
                        Step::Index(index) => write!(f, "[{index}]")?,
                    }
                }
                Ok(())
            }
            Self::Array(items) => {
                f.write_str("[")?;
                list(f, items)?;
                f.write_str("]")
            }
            Self::Object(properties) => {
                f.write_str("{")?;
                for (index, (name, value)) in properties.iter().enumerate() {
                    let separator = if index > 0 { ", " } else { "" };
                    write!(f, "{separator}{}: {value}", Value::String(name.clone()))?;
                }
                f.write_str("}")
            }
            Self::Unary { op, operand } => match op {
                UnaryOp::Not => write!(f, "NOT {operand}"),
                UnaryOp::Negate => write!(f, "-{operand}"),
                UnaryOp::Plus => write!(f, "+{operand}"),
            },
            Self::Binary { op, left, right } => write!(f, "({left} {} {right})", op.symbol()),
            Self::In {
                value,
                list: items,
                negated,
            } => {
                let not = if *negated { "NOT " } else { "" };
                write!(f, "{value} {not}IN (")?;
                list(f, items)?;
                f.write_str(")")
            }
            Self::Between {
                value,
                low,
                high,
                negated,
            } => {
                let not = if *negated { "NOT " } else { "" };
                write!(f, "({value} {not}BETWEEN {low} AND {high})")
            }
            Self::Like {
                value,
                pattern,
                negated,
                ..
            } => {
                let not = if *negated { "NOT " } else { "" };
                write!(f, "({value} {not}LIKE {pattern})")
            }
            Self::Conditional {
                condition,
                then,
                otherwise,
            } => write!(f, "({condition} ? {then} : {otherwise})"),
            Self::Call { function, args } => {
                write!(f, "{}(", function.name())?;
                list(f, args)?;
                f.write_str(")")
            }
            Self::Aggregate { function, arg } => write!(f, "{}({arg})", function.name()),
            Self::UserDefinedCall { name, args } => {
                write!(f, "udf.{name}(")?;
                list(f, args)?;
                f.write_str(")")
            }
        }
    }
}

/// Whether `name` can follow a `.` in a path, or must be written `["name"]`.
fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    let is_identifier = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_identifier && !super::parser::is_reserved(name)
}
