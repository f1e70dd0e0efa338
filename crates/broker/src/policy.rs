//! The policy: which permissions an identity gets (seed 001's step 4, "obtain permissions for that
//! identity").
//!
//! Each `[[policy]]` entry becomes one permission of the identity's Cosmos DB user. Its container
//! and partition key may name the identity, through two placeholders:
//!
//! | placeholder | replaced by |
//! |---|---|
//! | `{subject}` | the token's subject (`sub`): the identity itself |
//! | `{claim:<name>}` | the token's claim `<name>`, e.g. `{claim:tid}` for the tenant |
//!
//! which covers seed 001's and seed 002's patterns:
//!
//! ```toml
//! [[policy]]                     # each user: its own partition of a shared container
//! id = "own-items"
//! container = "items"
//! mode = "All"
//! partition_key = "{subject}"
//!
//! [[policy]]                     # every user: read the catalog
//! id = "catalog"
//! container = "catalog"
//! mode = "Read"
//!
//! [[policy]]                     # each tenant: its own container (seed 002)
//! id = "tenant"
//! container = "tenant-{claim:tid}"
//! mode = "All"
//! ```
//!
//! Values come from a token whose signature the broker has checked, but they are still input: a
//! value that would make an invalid id, or change the shape of the resource link (a `/`), is
//! refused rather than pasted in.

use cosmolab_model::{PartitionKey, Permission, PermissionMode, validate_resource_id};
use serde::Deserialize;
use serde_json::Value;

/// One `[[policy]]` entry: a permission every identity gets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The permission's id (unique per user; the same for every user).
    pub id: String,
    /// The container it opens; may hold placeholders.
    pub container: String,
    /// `All` or `Read`.
    pub mode: PermissionMode,
    /// When set, the permission is restricted to this partition-key value; may hold placeholders.
    #[serde(default)]
    pub partition_key: Option<String>,
}

/// What the broker knows about a caller once its token checked out.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// The subject (`sub`): who the caller is, stable across its tokens.
    pub subject: String,
    /// Every claim of the token, for `{claim:<name>}`.
    pub claims: serde_json::Map<String, Value>,
}

impl Identity {
    /// An identity with `subject` and the given claims.
    pub fn new(subject: impl Into<String>, claims: serde_json::Map<String, Value>) -> Self {
        Self {
            subject: subject.into(),
            claims,
        }
    }

    /// The Cosmos DB user that stands for this identity: its subject, which must be a valid id.
    pub fn user_id(&self) -> Result<&str, String> {
        validate_resource_id(&self.subject).map_err(|error| {
            format!("the token's subject cannot name a Cosmos DB user: {error}")
        })?;
        Ok(&self.subject)
    }
}

impl Grant {
    /// Checks the entry itself: a valid permission id and well-formed placeholders.
    pub fn check(&self) -> Result<(), String> {
        validate_resource_id(&self.id)
            .map_err(|error| format!("[[policy]] id `{}` is not a valid id: {error}", self.id))?;
        for (field, template) in [
            ("container", Some(&self.container)),
            ("partition_key", self.partition_key.as_ref()),
        ] {
            if let Some(template) = template {
                parse(template).map_err(|error| {
                    format!("[[policy]] `{}`: {field} `{template}`: {error}", self.id)
                })?;
            }
        }
        Ok(())
    }

    /// The permission this entry gives `identity`, in `database`.
    pub fn permission_for(
        &self,
        identity: &Identity,
        database: &str,
    ) -> Result<Permission, String> {
        let container = expand(&self.container, identity)?;
        validate_resource_id(&container).map_err(|error| {
            format!(
                "policy `{}`: the container `{container}` is not a valid id: {error}",
                self.id
            )
        })?;
        let mut permission = Permission::new(
            &self.id,
            self.mode,
            format!("dbs/{database}/colls/{container}"),
        );
        if let Some(template) = &self.partition_key {
            permission.resource_partition_key =
                Some(PartitionKey::from(expand(template, identity)?));
        }
        Ok(permission)
    }
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Subject,
    Claim(&'a str),
}

/// Splits a template into text and placeholders.
fn parse(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| "a `{` without its `}`".to_owned())?;
        let name = &rest[open + 1..open + close];
        pieces.push(match name.split_once(':') {
            None if name == "subject" => Piece::Subject,
            Some(("claim", claim)) if !claim.is_empty() => Piece::Claim(claim),
            _ => {
                return Err(format!(
                    "unknown placeholder `{{{name}}}`: use {{subject}} or {{claim:<name>}}"
                ));
            }
        });
        rest = &rest[open + close + 1..];
    }
    if rest.contains('}') {
        return Err("a `}` without its `{`".to_owned());
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Ok(pieces)
}

/// Fills in a template from `identity`. A claim must be a string or a number, and no value may
/// hold `/`, `\`, `?` or `#` (it would change which resource the link names).
fn expand(template: &str, identity: &Identity) -> Result<String, String> {
    let mut text = String::new();
    for piece in parse(template)? {
        let value = match piece {
            Piece::Text(text) => text.to_owned(),
            Piece::Subject => identity.subject.clone(),
            Piece::Claim(name) => match identity.claims.get(name) {
                Some(Value::String(value)) => value.clone(),
                Some(Value::Number(value)) => value.to_string(),
                Some(_) => return Err(format!("the token's claim `{name}` is not a string")),
                None => {
                    return Err(format!(
                        "the token has no claim `{name}`, which the policy uses"
                    ));
                }
            },
        };
        if !matches!(piece, Piece::Text(_)) && value.contains(['/', '\\', '?', '#']) {
            return Err(format!(
                "the token's value for `{template}` holds a character that is not allowed in an id"
            ));
        }
        text.push_str(&value);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn identity() -> Identity {
        let claims =
            json!({"sub": "alice", "tid": "fabrikam", "nested": {"a": 1}, "evil": "x/../y"});
        Identity::new("alice", claims.as_object().unwrap().clone())
    }

    fn grant(container: &str, partition_key: Option<&str>) -> Grant {
        Grant {
            id: "p".into(),
            container: container.into(),
            mode: PermissionMode::All,
            partition_key: partition_key.map(str::to_owned),
        }
    }

    #[test]
    fn placeholders_name_the_identity() {
        let own = grant("items", Some("{subject}"))
            .permission_for(&identity(), "app")
            .unwrap();
        assert_eq!(own.resource, "dbs/app/colls/items");
        assert_eq!(
            own.resource_partition_key,
            Some(PartitionKey::from("alice"))
        );
        let tenant = grant("tenant-{claim:tid}", None)
            .permission_for(&identity(), "app")
            .unwrap();
        assert_eq!(tenant.resource, "dbs/app/colls/tenant-fabrikam");
        assert_eq!(tenant.resource_partition_key, None);
    }

    #[test]
    fn hostile_or_missing_values_are_refused() {
        let evil = grant("c-{claim:evil}", None).permission_for(&identity(), "app");
        assert!(evil.unwrap_err().contains("not allowed"));
        let missing = grant("c-{claim:group}", None).permission_for(&identity(), "app");
        assert!(missing.unwrap_err().contains("no claim `group`"));
        let object = grant("c-{claim:nested}", None).permission_for(&identity(), "app");
        assert!(object.is_err());
    }

    #[test]
    fn malformed_templates_are_caught_when_the_policy_is_read() {
        assert!(grant("items-{subject", None).check().is_err());
        assert!(grant("items-{user}", None).check().is_err());
        assert!(grant("items}", None).check().is_err());
        assert!(grant("items", Some("{claim:}")).check().is_err());
        assert!(grant("items", Some("{subject}")).check().is_ok());
    }

    #[test]
    fn a_subject_that_is_not_an_id_has_no_user() {
        let slashed = Identity::new("a/b", serde_json::Map::new());
        assert!(slashed.user_id().is_err());
        assert_eq!(identity().user_id(), Ok("alice"));
    }
}
