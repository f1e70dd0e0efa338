//! Query parameters: the `@name` values a request sends next to its query text.
//!
//! A client never pastes user input into the query text; it writes `WHERE c.id = @id` and sends
//! the value separately, in the request body:
//!
//! ```json
//! {"query": "SELECT * FROM c WHERE c.id = @id",
//!  "parameters": [{"name": "@id", "value": "item1"}]}
//! ```
//!
//! That is the query language's defence against injection, so the emulator checks the list as
//! strictly as it checks the query: every name starts with `@`, no name appears twice, and a
//! parameter the query uses must be in the list (checked when the query runs, see
//! [`Query::execute`](super::Query::execute)).

use std::collections::BTreeMap;

use serde_json::Value;

use super::QueryError;

/// The values of a request's query parameters, by name.
///
/// ```
/// use cosmolab_emulator::query::Parameters;
/// use serde_json::json;
///
/// let parameters = Parameters::from_request(&json!([{"name": "@id", "value": "item1"}]))?;
/// assert_eq!(parameters.get("@id"), Some(&json!("item1")));
/// # Ok::<(), cosmolab_emulator::query::QueryError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parameters {
    /// The value of each parameter, by its name with the `@`. `None` is a parameter sent without
    /// a `"value"`, which the query sees as `undefined`: that is how the JavaScript SDK sends a
    /// parameter whose value is `undefined`.
    values: BTreeMap<String, Option<Value>>,
}

impl Parameters {
    /// No parameters: for a request whose body has no `"parameters"` list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the `"parameters"` list of a query request: `[{"name": "@p", "value": …}, …]`.
    ///
    /// `null` (no list at all) gives no parameters.
    pub fn from_request(list: &Value) -> Result<Self, QueryError> {
        const SHAPE: &str = r#"expected a list of {"name": "@…", "value": …} objects"#;
        let entries = match list {
            Value::Null => return Ok(Self::new()),
            Value::Array(entries) => entries,
            other => {
                return Err(QueryError::invalid_parameters(format!(
                    "\"parameters\" is {}; {SHAPE}",
                    describe(other)
                )));
            }
        };
        let mut parameters = Self::new();
        for entry in entries {
            let name = entry.get("name").and_then(Value::as_str).ok_or_else(|| {
                QueryError::invalid_parameters(format!(
                    "the entry {entry} has no \"name\" string; {SHAPE}"
                ))
            })?;
            parameters.define(name, entry.get("value").cloned())?;
        }
        Ok(parameters)
    }

    /// Adds the parameter `name` (which must start with `@`) with this value.
    pub fn insert(&mut self, name: &str, value: Value) -> Result<(), QueryError> {
        self.define(name, Some(value))
    }

    /// The value of the parameter `name` (with its `@`), if it is defined and has a value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name).and_then(Option::as_ref)
    }

    /// Whether the request defines the parameter `name` (with or without a value).
    pub(crate) fn defines(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// Adds a parameter, refusing names the query language could not refer to and duplicates.
    fn define(&mut self, name: &str, value: Option<Value>) -> Result<(), QueryError> {
        // A query refers to a parameter as `@` followed by an identifier, so any other name
        // could never be used: refusing it points the trainee at the typo.
        let valid = name.strip_prefix('@').is_some_and(|rest| {
            let mut chars = rest.chars();
            chars
                .next()
                .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if !valid {
            return Err(QueryError::invalid_parameters(format!(
                "the parameter name {name:?} must be '@' followed by letters, digits or '_', \
                 as in \"@id\""
            )));
        }
        if self.values.contains_key(name) {
            return Err(QueryError::invalid_parameters(format!(
                "the parameter {name} is defined twice"
            )));
        }
        self.values.insert(name.to_owned(), value);
        Ok(())
    }
}

/// "a string", "an object"…: the JSON type of a value, for error messages.
fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The request's list becomes a lookup by name, and `null` means "no parameters".
    #[test]
    fn reads_the_request_list() {
        let parameters = Parameters::from_request(&json!([
            {"name": "@id", "value": "1"},
            {"name": "@n", "value": 5},
            {"name": "@nothing"}
        ]))
        .unwrap();
        assert_eq!(parameters.get("@id"), Some(&json!("1")));
        assert_eq!(parameters.get("@n"), Some(&json!(5)));
        assert_eq!(parameters.get("@nothing"), None);
        assert!(parameters.defines("@nothing"));
        assert_eq!(
            Parameters::from_request(&Value::Null).unwrap(),
            Parameters::new()
        );
    }

    /// A name without `@` is refused, with the name in the message.
    #[test]
    fn refuses_a_name_without_at() {
        let error = Parameters::from_request(&json!([{"name": "id", "value": 1}])).unwrap_err();
        assert!(matches!(error, QueryError::InvalidParameters { .. }));
        assert!(error.to_string().contains("\"id\""), "{error}");
    }

    /// The same name twice is refused, naming it.
    #[test]
    fn refuses_a_duplicate_name() {
        let list = json!([{"name": "@id", "value": 1}, {"name": "@id", "value": 2}]);
        let error = Parameters::from_request(&list).unwrap_err();
        assert!(
            error.to_string().contains("@id is defined twice"),
            "{error}"
        );
    }

    /// Anything but a list of objects with a string `name` is refused.
    #[test]
    fn refuses_malformed_lists() {
        for list in [json!({"@id": 1}), json!([{"value": 1}]), json!(["@id"])] {
            let error = Parameters::from_request(&list).unwrap_err();
            assert!(
                matches!(error, QueryError::InvalidParameters { .. }),
                "{list}"
            );
        }
    }
}
