//! Resource tokens: one per resource link, chosen per request.
//!
//! A resource token is a permission's `_token`: it opens one resource (a container, a document)
//! and everything below it, until it expires. A client that works for one application user often
//! holds several — one per container the user may touch — so every request must pick the right
//! one. The rule the client applies to every request ([`ResourceTokens::select`] is rule 1 alone):
//!
//! 1. **The request's resource or an ancestor of it.** A token for `dbs/db/colls/orders` serves
//!    `dbs/db/colls/orders/docs/1`. When several tokens qualify (one for the container, one for
//!    the document), the **longest** link wins: it is the most specific permission.
//! 2. **Otherwise, for three reads only, a token for a resource below the request's.** SDKs read
//!    the account (`GET /`), a container's properties (`GET dbs/db/colls/c`) and its
//!    partition-key ranges (`GET dbs/db/colls/c/pkranges`) before they touch its items, and the
//!    service lets any token for something inside the container (an item's, say) do so; the
//!    account accepts any token at all. For those reads the closest such token is sent.
//! 3. **Otherwise, nothing is sent**: the client fails with [`ErrorKind::Credential`], saying no
//!    token covers the resource and naming the links it holds tokens for. A `DELETE` of the
//!    database with only an item's token never leaves the machine: a token for something else
//!    is not sent on the chance that the service accepts it.
//!
//! Links are compared **segment by segment**, never as strings: `dbs/db/colls/c` is not an
//! ancestor of `dbs/db/colls/c2`. The Python SDK compares substrings, so a token for container
//! `c` is sent for container `c2` (and `None` when its keys are not full links); the emulator then
//! answers 403 or 401, but a client should not send a credential it knows to be for something
//! else in the first place.
//!
//! [`ResourceTokens`] is a shared handle, like [`KeyCredential`](crate::KeyCredential): whoever
//! obtains fresh tokens (a token broker, before the old ones expire) calls
//! [`replace_all`](ResourceTokens::replace_all) on a clone, and the whole set is swapped at once,
//! so no request ever sees half of an old set and half of a new one.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use cosmolab_auth_signing::ResourceAddress;
use cosmolab_model::{Permission, ResourceToken};

use crate::error::{Error, ErrorKind, Result};

/// The resource tokens a client holds, keyed by the full link of the resource each one opens.
///
/// ```
/// use cosmolab_client::{ResourceToken, ResourceTokens};
///
/// let tokens = ResourceTokens::new();
/// tokens.insert("dbs/shop/colls/orders", ResourceToken::new("type=resource&ver=1&sig=a;b;"));
/// tokens.insert("dbs/shop/colls/orders2", ResourceToken::new("type=resource&ver=1&sig=c;d;"));
///
/// // Segment by segment: the token for `orders` is chosen for an item in `orders`,
/// // and not for anything in `orders2` — and the other way round.
/// let chosen = tokens.select("dbs/shop/colls/orders/docs/42").unwrap();
/// assert_eq!(chosen.link(), "dbs/shop/colls/orders");
/// let chosen = tokens.select("dbs/shop/colls/orders2/docs/42").unwrap();
/// assert_eq!(chosen.link(), "dbs/shop/colls/orders2");
/// assert!(tokens.select("dbs/shop/colls/invoices").is_none());
///
/// // Debug output lists the links, never the tokens.
/// assert!(!format!("{tokens:?}").contains("sig="));
/// ```
#[derive(Clone, Default)]
pub struct ResourceTokens {
    // The map behind an `Arc` is never modified in place: writers build a new map and swap the
    // `Arc`, so a reader's snapshot stays consistent for as long as it holds it.
    current: Arc<RwLock<Arc<BTreeMap<String, ResourceToken>>>>,
}

/// The token chosen for a request, and the link it was issued for.
#[derive(Clone, Debug)]
pub struct SelectedToken {
    link: String,
    token: ResourceToken,
}

impl SelectedToken {
    /// The link of the resource the chosen token opens.
    pub fn link(&self) -> &str {
        &self.link
    }

    /// The chosen token. Its `Debug` output is redacted.
    pub fn token(&self) -> &ResourceToken {
        &self.token
    }
}

impl ResourceTokens {
    /// An empty set: until tokens are inserted, every request fails with a credential error.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set holding one token, for the resource at `link` (e.g. `dbs/db/colls/orders`).
    pub fn single(link: &str, token: ResourceToken) -> Self {
        let tokens = Self::new();
        tokens.insert(link, token);
        tokens
    }

    /// A set with the token of each permission, keyed by the permission's `resource` link.
    ///
    /// Permissions read without a `_token` (which the service always sends) are skipped.
    pub fn from_permissions<'a>(permissions: impl IntoIterator<Item = &'a Permission>) -> Self {
        let tokens = Self::new();
        tokens.replace_all(permissions.into_iter().filter_map(|permission| {
            let token = permission.token.clone()?;
            Some((permission.resource.clone(), token))
        }));
        tokens
    }

    /// Adds (or replaces) the token for `link`, for this handle and all its clones.
    ///
    /// Leading and trailing `/` are ignored, so `/dbs/db/colls/c/` and `dbs/db/colls/c` are the
    /// same link; case is kept, because names are case-sensitive.
    pub fn insert(&self, link: &str, token: ResourceToken) {
        self.update(|map| {
            map.insert(normalize(link).to_owned(), token);
        });
    }

    /// Removes the token for `link`, returning whether there was one.
    pub fn remove(&self, link: &str) -> bool {
        let mut removed = false;
        self.update(|map| removed = map.remove(normalize(link)).is_some());
        removed
    }

    /// Replaces every token at once with `tokens` (link, token) — what a broker does when it hands
    /// out a fresh set before the old one expires.
    pub fn replace_all(&self, tokens: impl IntoIterator<Item = (String, ResourceToken)>) {
        let fresh: BTreeMap<_, _> = tokens
            .into_iter()
            .map(|(link, token)| (normalize(&link).to_owned(), token))
            .collect();
        *self.write() = Arc::new(fresh);
    }

    /// The links this set holds tokens for, in order (links are not secret).
    pub fn links(&self) -> Vec<String> {
        self.snapshot().keys().cloned().collect()
    }

    /// The token that covers the resource at `request_link` (for a feed: its parent, e.g.
    /// `dbs/db/colls/c` for a query): rule 1 of the module documentation, the most specific
    /// token for the resource or an ancestor of it.
    pub fn select(&self, request_link: &str) -> Option<SelectedToken> {
        let request: Vec<&str> = segments(normalize(request_link)).collect();
        self.choose_token(&request, false)
    }

    /// The token for a request, or the credential error that explains why there is none: the
    /// whole rule of the module documentation, whose rule 2 depends on the verb and the address.
    pub(crate) fn select_for_request(
        &self,
        verb: &str,
        address: &ResourceAddress,
    ) -> Result<SelectedToken> {
        // The resource's link as segments, straight from the decoded path: for a feed, its parent.
        let all = address.segments();
        let link = if address.is_feed() {
            &all[..all.len() - 1]
        } else {
            all
        };
        let request: Vec<&str> = link.iter().map(String::as_str).collect();
        self.choose_token(&request, may_use_a_token_below(verb, address))
            // The message names the whole path: `dbs` for the database list, not the account.
            .ok_or_else(|| self.explain(&all.join("/")))
    }

    /// The chosen token, by segments; `below` allows rule 2.
    fn choose_token(&self, request: &[&str], below: bool) -> Option<SelectedToken> {
        let snapshot = self.snapshot();
        let link = choose(snapshot.keys().map(String::as_str), request, below)?;
        let token = snapshot.get(link)?.clone();
        Some(SelectedToken {
            link: link.to_owned(),
            token,
        })
    }

    /// The credential error for a request no token covers.
    fn explain(&self, request_link: &str) -> Error {
        let links = self.links();
        let held = if links.is_empty() {
            "it holds no tokens at all".to_owned()
        } else {
            format!("it holds tokens for {}", links.join(", "))
        };
        Error::new(
            ErrorKind::Credential,
            format!(
                "no resource token covers {:?}: {held}. Ask for a permission on that resource \
                 (or on its container), and key the token by the permission's full resource link",
                if request_link.is_empty() {
                    "/"
                } else {
                    request_link
                }
            ),
        )
    }

    fn snapshot(&self) -> Arc<BTreeMap<String, ResourceToken>> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Arc<BTreeMap<String, ResourceToken>>> {
        self.current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Copy, change, swap: readers never see a half-changed map.
    fn update(&self, change: impl FnOnce(&mut BTreeMap<String, ResourceToken>)) {
        let mut guard = self.write();
        let mut map = BTreeMap::clone(&guard);
        change(&mut map);
        *guard = Arc::new(map);
    }
}

impl fmt::Debug for ResourceTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceTokens")
            .field("links", &self.links())
            .finish_non_exhaustive()
    }
}

/// A link without leading or trailing slashes.
fn normalize(link: &str) -> &str {
    link.trim_matches('/')
}

/// The segments of a link; the empty link (the account) has none.
fn segments(link: &str) -> impl Iterator<Item = &str> {
    link.split('/').filter(|segment| !segment.is_empty())
}

/// Whether `ancestor` is `link` itself or a resource above it, comparing whole segments.
fn is_ancestor_or_self<'a>(
    ancestor: impl IntoIterator<Item = &'a str>,
    link: impl IntoIterator<Item = &'a str>,
) -> bool {
    let mut below = link.into_iter();
    ancestor
        .into_iter()
        .all(|segment| below.next() == Some(segment))
}

/// Whether a request is one of the reads rule 2 allows with a token for something below it:
/// `GET /`, `GET` of a container's properties, `GET` of its partition-key ranges.
fn may_use_a_token_below(verb: &str, address: &ResourceAddress) -> bool {
    let segments = address.segments();
    let container = |kinds: &[String]| {
        kinds.first().is_some_and(|kind| kind == "dbs")
            && kinds.get(2).is_some_and(|kind| kind == "colls")
    };
    verb.eq_ignore_ascii_case("GET")
        && (address.is_account()
            || (segments.len() == 4 && container(segments))
            || (segments.len() == 5 && container(segments) && segments[4] == "pkranges"))
}

/// The rule of the module documentation, over the links held; returns the chosen link. `below`
/// allows rule 2, for the reads that accept a token for something below them.
fn choose<'a>(
    held: impl Iterator<Item = &'a str> + Clone,
    request: &[&str],
    below: bool,
) -> Option<&'a str> {
    let depth = |link: &str| segments(link).count();
    // 1. The most specific token for the resource or one of its ancestors.
    let covering = held
        .clone()
        .filter(|link| is_ancestor_or_self(segments(link), request.iter().copied()))
        .max_by_key(|link| depth(link));
    // 2. Otherwise, where allowed, the closest token for something below it. `min_by_key` keeps
    //    the first of equals, and the links come sorted, so the choice is deterministic.
    covering.or_else(|| {
        held.filter(|_| below)
            .filter(|link| is_ancestor_or_self(request.iter().copied(), segments(link)))
            .min_by_key(|link| depth(link))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn token(text: &str) -> ResourceToken {
        ResourceToken::new(format!("type=resource&ver=1&sig={text};x;"))
    }

    fn chosen(tokens: &ResourceTokens, link: &str) -> Option<String> {
        tokens.select(link).map(|selected| selected.link)
    }

    /// The longest covering link wins; a prefix that is not on a segment boundary never counts.
    #[test]
    fn longest_covering_link_on_segment_boundaries() {
        let tokens = ResourceTokens::new();
        tokens.insert("dbs/db/colls/c", token("container"));
        tokens.insert("dbs/db/colls/c/docs/1", token("document"));
        tokens.insert("dbs/db/colls/c2", token("other container"));
        let pick = |link| chosen(&tokens, link);
        assert_eq!(
            pick("dbs/db/colls/c/docs/1").unwrap(),
            "dbs/db/colls/c/docs/1"
        );
        assert_eq!(pick("dbs/db/colls/c/docs/10").unwrap(), "dbs/db/colls/c");
        assert_eq!(pick("dbs/db/colls/c").unwrap(), "dbs/db/colls/c");
        assert_eq!(pick("dbs/db/colls/c2/docs/1").unwrap(), "dbs/db/colls/c2");
        assert_eq!(pick("dbs/db/colls/c3/docs/1"), None);
    }

    /// The Python SDK's substring match would send container `c`'s token for `cc`; we do not.
    #[test]
    fn the_python_sdk_substring_bug_is_not_reproduced() {
        let tokens = ResourceTokens::single("dbs/db/colls/c", token("c"));
        assert_eq!(chosen(&tokens, "dbs/db/colls/cc/docs/1"), None);
        assert_eq!(chosen(&tokens, "dbs/db/colls/xc/docs/1"), None);
        assert_eq!(chosen(&tokens, "dbs/db2/colls/c"), None);
    }

    /// The token chosen for `verb` on the URL path `path`, by the client's whole rule.
    fn for_request(tokens: &ResourceTokens, verb: &str, path: &str) -> Result<String> {
        let address = ResourceAddress::from_path(path).unwrap();
        tokens
            .select_for_request(verb, &address)
            .map(|selected| selected.link)
    }

    /// Reads of the account, a container and its pkranges use the closest token below them.
    #[test]
    fn the_allowed_reads_use_the_closest_token_below() {
        let tokens = ResourceTokens::new();
        tokens.insert("dbs/db/colls/c/docs/1", token("document"));
        tokens.insert("dbs/db/colls/d", token("container d"));
        let pick = |verb, path| for_request(&tokens, verb, path).ok();
        assert_eq!(
            pick("GET", "/dbs/db/colls/c").unwrap(),
            "dbs/db/colls/c/docs/1"
        );
        assert_eq!(
            pick("GET", "/dbs/db/colls/c/pkranges").unwrap(),
            "dbs/db/colls/c/docs/1"
        );
        assert_eq!(pick("GET", "/").unwrap(), "dbs/db/colls/d");
        assert_eq!(pick("GET", "/dbs/other/colls/c"), None);
        // The public `select` is rule 1 only.
        assert_eq!(chosen(&tokens, "dbs/db/colls/c"), None);
    }

    /// Any other request on a resource no token covers fails locally: no other token is sent.
    #[test]
    fn other_requests_never_borrow_a_token_from_below() {
        let tokens = ResourceTokens::single("dbs/db/colls/c/docs/1", token("document"));
        for (verb, path) in [
            ("DELETE", "/dbs/db"),
            ("GET", "/dbs/db"),
            ("DELETE", "/dbs/db/colls/c"),
            ("PUT", "/dbs/db/colls/c"),
            ("GET", "/dbs/db/colls"),
            ("GET", "/dbs/db/colls/c/docs"),
            ("POST", "/dbs/db/colls/c/docs"),
        ] {
            let error = for_request(&tokens, verb, path).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Credential, "{verb} {path}");
            assert!(
                error.message().contains("no resource token covers"),
                "{error}"
            );
        }
        assert_eq!(
            for_request(&tokens, "DELETE", "/dbs/db/colls/c/docs/1").unwrap(),
            "dbs/db/colls/c/docs/1"
        );
    }

    /// Scripts are resources like documents: a token for one stored procedure is chosen to run
    /// and read it (the longest covering link, over a container token), but not for another
    /// procedure, and not for the procedures' feed, whose link is the container's.
    #[test]
    fn a_stored_procedure_token_serves_that_procedure() {
        let tokens = ResourceTokens::single("dbs/db/colls/c/sprocs/p", token("sproc"));
        assert_eq!(
            for_request(&tokens, "POST", "/dbs/db/colls/c/sprocs/p").unwrap(),
            "dbs/db/colls/c/sprocs/p"
        );
        assert_eq!(
            for_request(&tokens, "GET", "/dbs/db/colls/c/sprocs/p").unwrap(),
            "dbs/db/colls/c/sprocs/p"
        );
        for (verb, path) in [
            ("POST", "/dbs/db/colls/c/sprocs/p2"),
            ("GET", "/dbs/db/colls/c/sprocs"),
            ("POST", "/dbs/db/colls/c/triggers/p"),
        ] {
            let error = for_request(&tokens, verb, path).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Credential, "{verb} {path}");
        }

        tokens.insert("dbs/db/colls/c", token("container"));
        assert_eq!(
            for_request(&tokens, "POST", "/dbs/db/colls/c/sprocs/p").unwrap(),
            "dbs/db/colls/c/sprocs/p"
        );
        assert_eq!(
            for_request(&tokens, "POST", "/dbs/db/colls/c/sprocs/p2").unwrap(),
            "dbs/db/colls/c"
        );
    }

    /// Slashes around links do not matter; case does.
    #[test]
    fn links_are_normalized_but_case_sensitive() {
        let tokens = ResourceTokens::single("/dbs/db/colls/c/", token("c"));
        assert_eq!(tokens.links(), ["dbs/db/colls/c"]);
        assert!(tokens.select("/dbs/db/colls/c/docs/1/").is_some());
        assert!(tokens.select("dbs/db/colls/C/docs/1").is_none());
        assert!(tokens.remove("dbs/db/colls/c/"));
        assert!(tokens.links().is_empty());
    }

    /// `replace_all` swaps the whole set for every clone; the explanation lists the links held.
    #[test]
    fn replace_all_swaps_the_set_for_every_clone() {
        let tokens = ResourceTokens::single("dbs/db/colls/old", token("old"));
        let clients_copy = tokens.clone();
        tokens.replace_all([("dbs/db/colls/new".to_owned(), token("new"))]);
        assert_eq!(clients_copy.links(), ["dbs/db/colls/new"]);
        let error = for_request(&clients_copy, "GET", "/dbs/db/colls/old/docs/1").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Credential);
        assert!(error.message().contains("dbs/db/colls/new"), "{error}");
        assert!(!error.message().contains("sig="), "{error}");
    }

    /// Tokens come from permissions keyed by their full `resource` link.
    #[test]
    fn permissions_are_keyed_by_their_resource() {
        let mut permission =
            Permission::new("p1", cosmolab_model::PermissionMode::All, "dbs/db/colls/c");
        permission.token = Some(token("p1"));
        let without_token =
            Permission::new("p2", cosmolab_model::PermissionMode::Read, "dbs/db/colls/d");
        let tokens = ResourceTokens::from_permissions([&permission, &without_token]);
        assert_eq!(tokens.links(), ["dbs/db/colls/c"]);
    }

    /// Random links built from a few short names, so that prefixes and near-misses are common.
    fn link() -> impl Strategy<Value = String> {
        proptest::collection::vec(prop_oneof!["c", "cc", "d", "x"], 0..5).prop_map(|names| {
            names
                .iter()
                .enumerate()
                .flat_map(|(depth, name)| {
                    [["dbs", "colls", "docs", "x", "y"][depth], name.as_str()]
                })
                .collect::<Vec<_>>()
                .join("/")
        })
    }

    /// The segments of a generated link.
    fn parts(link: &str) -> Vec<&str> {
        segments(link).collect()
    }

    proptest! {
        /// Whatever is chosen is an ancestor-or-self of the request (rule 1) when any held link is
        /// one, and then no longer such link is held; otherwise, where rule 2 is allowed, a
        /// descendant; otherwise nothing.
        #[test]
        fn the_choice_follows_the_rule(
            held in proptest::collection::vec(link(), 0..6),
            request in link(),
            below in any::<bool>(),
        ) {
            let request = parts(&request);
            let covers = |ancestor: &[&str], link: &[&str]| {
                is_ancestor_or_self(ancestor.iter().copied(), link.iter().copied())
            };
            let covering: Vec<&String> =
                held.iter().filter(|link| covers(&parts(link), &request)).collect();
            match choose(held.iter().map(String::as_str), &request, below) {
                Some(choice) if !covering.is_empty() => {
                    prop_assert!(covers(&parts(choice), &request));
                    let deepest = covering.iter().map(|link| parts(link).len()).max();
                    prop_assert_eq!(Some(parts(choice).len()), deepest);
                }
                Some(choice) => {
                    prop_assert!(below);
                    prop_assert!(covers(&request, &parts(choice)));
                }
                None => {
                    let related = |link: &String| {
                        covers(&parts(link), &request) || (below && covers(&request, &parts(link)))
                    };
                    prop_assert!(!held.iter().any(related));
                }
            }
        }
    }
}
