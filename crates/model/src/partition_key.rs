//! Partition-key values: the JSON array a client sends in `x-ms-documentdb-partitionkey`, and
//! that a permission's `resourcePartitionKey` restricts a resource token to.
//!
//! On the wire a partition key is always a JSON **array**, one element per path of the
//! container's partition-key definition: `["1"]`, `[5]`, `[true]`, `[null]`, or `["a","b"]` for a
//! hierarchical key. Two forms need care:
//!
//! - `[{}]` is the *undefined* value: the document has no property at the key's path. It is a
//!   different logical partition from `[null]`, where the property exists and is `null`.
//! - `[]` is the *empty* key that addresses the single partition of a migrated, non-partitioned
//!   container.
//!
//! Clients format the array differently (Python escapes non-ASCII as `\u00e9`, others do not, some
//! add spaces), so a server must **parse** the header and compare parsed values, never compare the
//! header text. [`PartitionKey`] does exactly that: [`str::parse`] reads the header, `==` compares
//! values, and [`Display`](std::fmt::Display) writes the header back.

use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Number, Value};
use thiserror::Error;

/// One component of a partition key: the value found at one partition-key path.
#[derive(Debug, Clone)]
pub enum PartitionKeyValue {
    /// The property exists and is `null` (`[null]`).
    Null,
    /// A boolean (`[true]`).
    Bool(bool),
    /// A number (`[5]`, `[2.5]`).
    ///
    /// Cosmos DB stores every number as a 64-bit float, so `5` and `5.0` name the same logical
    /// partition and compare equal here; the original spelling is kept for display.
    Number(Number),
    /// A string (`["1"]`).
    String(String),
    /// The property is missing from the document, written `{}` (`[{}]`).
    Undefined,
}

impl PartitionKeyValue {
    /// Reads one component from parsed JSON; `None` for arrays and non-empty objects, which are
    /// not partition-key values.
    pub fn from_json(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(Self::Null),
            Value::Bool(boolean) => Some(Self::Bool(*boolean)),
            Value::Number(number) => Some(Self::Number(number.clone())),
            Value::String(string) => Some(Self::String(string.clone())),
            // `{}` is how the wire spells "undefined"; any other object is a mistake.
            Value::Object(object) if object.is_empty() => Some(Self::Undefined),
            Value::Object(_) | Value::Array(_) => None,
        }
    }

    /// The component as JSON, with [`Undefined`](Self::Undefined) written as `{}`.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Bool(boolean) => Value::Bool(*boolean),
            Self::Number(number) => Value::Number(number.clone()),
            Self::String(string) => Value::String(string.clone()),
            Self::Undefined => Value::Object(serde_json::Map::new()),
        }
    }
}

/// Numbers compare by their 64-bit float value, everything else structurally.
impl PartialEq for PartitionKeyValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Null, Self::Null) | (Self::Undefined, Self::Undefined) => true,
            (Self::Bool(left), Self::Bool(right)) => left == right,
            (Self::Number(left), Self::Number(right)) => left.as_f64() == right.as_f64(),
            (Self::String(left), Self::String(right)) => left == right,
            _ => false,
        }
    }
}

// JSON has no NaN, so float comparison is reflexive here and `Eq` holds.
impl Eq for PartitionKeyValue {}

/// Hashes agree with `==`: numbers hash their float value, with `-0.0` folded into `0.0`.
impl Hash for PartitionKeyValue {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Self::Null | Self::Undefined => {}
            Self::Bool(boolean) => boolean.hash(state),
            Self::Number(number) => {
                let float = number.as_f64().unwrap_or_default();
                let float = if float == 0.0 { 0.0 } else { float };
                float.to_bits().hash(state);
            }
            Self::String(string) => string.hash(state),
        }
    }
}

impl Serialize for PartitionKeyValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => serializer.serialize_unit(),
            Self::Bool(boolean) => serializer.serialize_bool(*boolean),
            Self::Number(number) => number.serialize(serializer),
            Self::String(string) => serializer.serialize_str(string),
            Self::Undefined => serializer.serialize_map(Some(0))?.end(),
        }
    }
}

impl From<&str> for PartitionKeyValue {
    fn from(value: &str) -> Self {
        Self::String(value.to_owned())
    }
}

impl From<String> for PartitionKeyValue {
    fn from(value: String) -> Self {
        Self::String(value)
    }
}

impl From<bool> for PartitionKeyValue {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<i64> for PartitionKeyValue {
    fn from(value: i64) -> Self {
        Self::Number(value.into())
    }
}

/// Why a partition key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PartitionKeyError {
    /// The header is not JSON at all.
    #[error(
        "the partition key {input:?} is not valid JSON ({reason}); send a JSON array such as [\"1\"]"
    )]
    NotJson {
        /// The text that was received.
        input: String,
        /// What the JSON parser reported.
        reason: String,
    },

    /// The JSON is not an array.
    #[error("the partition key {input} is not a JSON array; send a JSON array such as [\"1\"]")]
    NotAnArray {
        /// The JSON that was received.
        input: String,
    },

    /// One component is an array or a non-empty object.
    #[error(
        "component {position} of the partition key is {value}, but a partition-key value must be \
         a string, a number, a boolean, null, or {{}} for undefined"
    )]
    UnsupportedValue {
        /// Which component, counted from 0.
        position: usize,
        /// The offending JSON.
        value: String,
    },
}

/// A partition-key value as a JSON array of components: the `x-ms-documentdb-partitionkey` header
/// and a permission's `resourcePartitionKey`.
///
/// ```
/// use cosmolab_model::{PartitionKey, PartitionKeyValue};
///
/// // Parsed, not compared as text: Python's escaped form equals the plain one.
/// let from_python: PartitionKey = r#"["p \u00e9"]"#.parse()?;
/// assert_eq!(from_python, PartitionKey::from("p é"));
///
/// // `[{}]` (undefined) and `[null]` are different partitions.
/// let undefined: PartitionKey = "[{}]".parse()?;
/// assert_eq!(undefined.components(), [PartitionKeyValue::Undefined]);
/// assert_ne!(undefined, "[null]".parse::<PartitionKey>()?);
///
/// // Displayed back as the header a client sends.
/// assert_eq!(PartitionKey::from("1").to_string(), r#"["1"]"#);
/// # Ok::<(), cosmolab_model::PartitionKeyError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PartitionKey {
    components: Vec<PartitionKeyValue>,
}

impl PartitionKey {
    /// A partition key with these components, one per path of the container's definition.
    pub fn new(components: Vec<PartitionKeyValue>) -> Self {
        Self { components }
    }

    /// The empty key `[]`, which addresses a migrated, non-partitioned container.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The components, in the order of the container's partition-key paths.
    pub fn components(&self) -> &[PartitionKeyValue] {
        &self.components
    }

    /// Whether this is the empty key `[]`.
    pub fn is_empty(&self) -> bool {
        self.components.is_empty()
    }

    /// Reads a partition key from parsed JSON, which must be an array of components.
    pub fn from_json(value: &Value) -> Result<Self, PartitionKeyError> {
        let Value::Array(elements) = value else {
            return Err(PartitionKeyError::NotAnArray {
                input: value.to_string(),
            });
        };
        let components = elements
            .iter()
            .enumerate()
            .map(|(position, element)| {
                PartitionKeyValue::from_json(element).ok_or_else(|| {
                    PartitionKeyError::UnsupportedValue {
                        position,
                        value: element.to_string(),
                    }
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { components })
    }

    /// The partition key as a JSON array, with undefined components written as `{}`.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.components
                .iter()
                .map(PartitionKeyValue::to_json)
                .collect(),
        )
    }
}

impl From<Vec<PartitionKeyValue>> for PartitionKey {
    fn from(components: Vec<PartitionKeyValue>) -> Self {
        Self::new(components)
    }
}

impl From<PartitionKeyValue> for PartitionKey {
    fn from(component: PartitionKeyValue) -> Self {
        Self::new(vec![component])
    }
}

/// The common case: a single string, as in seed 000's `["1"]`.
impl From<&str> for PartitionKey {
    fn from(value: &str) -> Self {
        Self::from(PartitionKeyValue::from(value))
    }
}

impl From<String> for PartitionKey {
    fn from(value: String) -> Self {
        Self::from(PartitionKeyValue::from(value))
    }
}

/// Parses the `x-ms-documentdb-partitionkey` header.
impl FromStr for PartitionKey {
    type Err = PartitionKeyError;

    fn from_str(header: &str) -> Result<Self, Self::Err> {
        let value: Value =
            serde_json::from_str(header).map_err(|error| PartitionKeyError::NotJson {
                input: header.to_owned(),
                reason: error.to_string(),
            })?;
        Self::from_json(&value)
    }
}

/// Writes the `x-ms-documentdb-partitionkey` header: compact JSON, non-ASCII escaped as `\uXXXX`.
///
/// The escaping matters because HTTP header values are meant to be ASCII: many HTTP libraries
/// refuse to read a header holding raw UTF-8 as text. The Python SDK escapes for the same reason
/// (`json.dumps` does by default), and the escaped form parses back to the same value.
impl fmt::Display for PartitionKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // JSON's own structure is ASCII, so every non-ASCII character in the compact text sits
        // inside a string literal, where `\uXXXX` (UTF-16, as JSON defines it) means the same thing.
        let json = self.to_json().to_string();
        for character in json.chars() {
            if character.is_ascii() {
                formatter.write_char(character)?;
            } else {
                let mut utf16 = [0_u16; 2];
                for unit in character.encode_utf16(&mut utf16) {
                    write!(formatter, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

impl Serialize for PartitionKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(&self.components)
    }
}

impl<'de> Deserialize<'de> for PartitionKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_json(&value).map_err(serde::de::Error::custom)
    }
}
