"""Resource tokens with the official SDK: seed 000's sample, and the rules a token carries.

A client that cannot be trusted with the account key gets **resource tokens** instead (seeds 000
and 002). On the master key, an administrator creates a **user** in a database and gives it
**permissions**; each permission grants ``All`` or ``Read`` on one resource (here a container),
optionally for one partition key only, and every read of a permission returns a ``_token`` for it.
A client built from tokens, ``CosmosClient(url, {"dbs/db/colls/c": token})``, can then do exactly
what the permissions grant:

- **scope**: a container token covers that container's documents, and the reads the SDK needs
  around them (``GET /``, the container's own properties, its partition-key ranges); not the
  database, its other containers, its users or permissions;
- **mode**: a ``Read`` token reads and queries, and every write is refused;
- **partition**: with ``resourcePartitionKey``, every request must target that partition key, so
  another partition and cross-partition queries are refused.

A genuine token used outside its grant is refused with **403** "Insufficient permissions provided
in the authorization header for the corresponding request…"; a token that is not genuine (changed
by the client, or missing) with **401**. Every refusal carries the emulator's
``x-cosmolab-deny-reason``, which names the rule (e.g. both partition keys).

The users and permissions themselves are managed with the master key only: the last tests here
show their life cycle and the service's limits (unique ids, one permission per resource, 255
characters). Token lifetimes, expiry and revocation are in ``test_token_lifetime.py``.
"""

from __future__ import annotations

import urllib.parse
from typing import Optional

import pytest
from azure.cosmos import ContainerProxy, CosmosClient, PartitionKey
from azure.cosmos import documents
from azure.cosmos.exceptions import CosmosHttpResponseError

import hand_signed
from service_errors import service_message

INSUFFICIENT_MESSAGE = "Insufficient permissions provided in the authorization header for the corresponding request"
WRONG_TOKEN_MESSAGE = "The input authorization token can't serve the request"
MALFORMED_MESSAGE = "Authorization header doesn't confirm to the required format"

READ_ONLY_KEYS = ["primary_readonly", "secondary_readonly"]

#: The permission modes as the REST reference spells them. (The SDK's own constants,
#: ``documents.PermissionMode.All`` and ``.Read``, are the lower-case ``"all"`` and ``"read"``; the
#: service accepts both spellings: see ``test_sdk_permission_mode_constants_are_accepted``.)
ALL = "All"
READ = "Read"


# ------------------------------------------------------------------------------------------------
# Helpers and fixtures
# ------------------------------------------------------------------------------------------------


def container_of(cosmos_client: CosmosClient, container_link: str) -> ContainerProxy:
    """The container ``dbs/<db>/colls/<c>`` seen through ``cosmos_client`` (no request is sent)."""
    _, database_id, _, container_id = container_link.split("/")
    return cosmos_client.get_database_client(database_id).get_container_client(container_id)


def grant(user, permission_id: str, mode: str, resource: str, partition_key: Optional[list] = None) -> str:
    """Creates a permission for ``user`` (on the master key) and returns the token that came with it."""
    definition = {"id": permission_id, "permissionMode": mode, "resource": resource}
    if partition_key is not None:
        definition["resourcePartitionKey"] = partition_key
    return user.create_permission(definition).properties["_token"]


def deny_reason(error: CosmosHttpResponseError) -> str:
    """The emulator's ``x-cosmolab-deny-reason`` of a refused request (it must be there)."""
    reason = error.response.headers.get("x-cosmolab-deny-reason") if error.response is not None else None
    assert reason and reason.strip(), f"a refused request must carry x-cosmolab-deny-reason: {error}"
    return reason


def assert_insufficient_permissions(error: CosmosHttpResponseError) -> str:
    """A 403 with the service's out-of-scope message and a deny reason; returns the reason."""
    assert error.status_code == 403, error
    message = service_message(error)
    assert message.startswith(INSUFFICIENT_MESSAGE), message
    return deny_reason(error)


@pytest.fixture
def my_container(database) -> ContainerProxy:
    """Seed 000's container: ``my_container``, partitioned on ``/key``, in the test's database."""
    return database.create_container(id="my_container", partition_key=PartitionKey(path="/key"))


@pytest.fixture
def test_user(database):
    """Seed 000's user, ``Test User`` (a space in the id, as in the sample)."""
    return database.create_user(body={"id": "Test User"})


@pytest.fixture
def two_partitions(my_container) -> ContainerProxy:
    """``my_container`` with ``item1`` in partition ``"1"`` and ``item2`` in partition ``"2"`` (master key)."""
    my_container.upsert_item({"id": "item1", "key": "1", "info": "original"})
    my_container.upsert_item({"id": "item2", "key": "2", "info": "original"})
    return my_container


@pytest.fixture
def partition_1_token(two_partitions, test_user) -> str:
    """Seed 000's permission: ``All`` on ``my_container`` for partition key ``["1"]``; its token.

    The mode is spelled ``"All"``, as in the REST reference; the sample's SDK constant (``"all"``)
    has a test of its own, ``test_sdk_permission_mode_constants_are_accepted``.
    """
    return grant(test_user, "my_all_permission", ALL, two_partitions.container_link, ["1"])


@pytest.fixture
def read_token(two_partitions, test_user) -> str:
    """A ``Read`` permission on the whole of ``my_container`` (no partition key); its token."""
    return grant(test_user, "my_read_permission", READ, two_partitions.container_link)


# ------------------------------------------------------------------------------------------------
# Seed 000, as the sample means it
# ------------------------------------------------------------------------------------------------


def test_seed_000_flow_with_a_partition_token(emulator, token_client, two_partitions, partition_1_token):
    """Seed 000 end to end: a client holding only the partition-"1" token reads, upserts, deletes, creates, queries.

    The master-key client has created the container (``/key``), ``Test User`` and the permission
    ``All`` on the container for ``["1"]``. The token client is built the way that works, keyed by
    the container's full link. Every step of the sample succeeds, with the sample's own query, and
    the master-key client sees the result.
    """
    link = two_partitions.container_link
    container = container_of(token_client(emulator, {link: partition_1_token}), link)

    # Read
    assert container.read_item(item="item1", partition_key="1")["info"] == "original"
    # Update (an upsert of an existing item: 200)
    updated = container.upsert_item({"id": "item1", "key": "1", "info": "updating info"})
    assert updated["info"] == "updating info"
    # Delete
    container.delete_item(item="item1", partition_key="1")
    # Create (the sample's `create_item(item="new_item1", partition_key="1")` is not the 4.x API:
    # the SDK takes the whole document, partition key included)
    created = container.create_item({"id": "new_item1", "key": "1"})
    assert created["id"] == "new_item1"
    # Query, within the token's partition
    found = list(container.query_items(query='SELECT * FROM my_container c WHERE c.key= "1"', partition_key="1"))
    assert [item["id"] for item in found] == ["new_item1"]

    # The master key sees what the token client did, and partition "2" untouched.
    everything = {item["id"]: item for item in two_partitions.read_all_items()}
    assert sorted(everything) == ["item2", "new_item1"]
    assert everything["item2"]["info"] == "original"


@pytest.mark.parametrize(
    "mode, writes_allowed",
    [(documents.PermissionMode.All, True), (documents.PermissionMode.Read, False)],
    ids=["PermissionMode.All", "PermissionMode.Read"],
)
def test_sdk_permission_mode_constants_are_accepted(
    emulator, token_client, two_partitions, test_user, mode, writes_allowed
):
    """Seed 000 writes ``"permissionMode": documents.PermissionMode.All``, which the SDK defines as ``"all"``.

    The service takes the mode without regard to case: the SDK's own live tests
    (``test_partitioned_collection_permissions`` in azure-sdk-for-python) create permissions with
    ``PermissionMode.All`` and ``PermissionMode.Read`` and expect the first token to write and the
    second to be refused writes with 403. So the permission is created (201), and its token does
    what its mode says.
    """
    link = two_partitions.container_link
    token = grant(test_user, "sdk-constant", mode, link, ["1"])
    container = container_of(token_client(emulator, {link: token}), link)

    assert container.read_item(item="item1", partition_key="1")["id"] == "item1"
    if writes_allowed:
        assert container.create_item({"id": "new_item1", "key": "1"})["id"] == "new_item1"
    else:
        with pytest.raises(CosmosHttpResponseError) as raised:
            container.create_item({"id": "new_item1", "key": "1"})
        assert_insufficient_permissions(raised.value)


def test_sample_as_written_sends_no_token(emulator, token_client, two_partitions, partition_1_token):
    """The sample keys its token dict by the bare container id, ``{"my_container": token}``: that sends no token.

    The SDK picks a token by the request's resource link (``dbs/<db>/colls/my_container``, then its
    prefixes); a key that is only the container id never matches, so it sends the literal header
    ``authorization: None``, and the service answers 401 "Authorization header doesn't confirm to
    the required format". Building the client still works: for ``GET /`` the SDK sends the first
    token it holds, whatever its key, and any valid token may read the account.
    """
    sample_client = token_client(emulator, {two_partitions.id: partition_1_token})
    with pytest.raises(CosmosHttpResponseError) as raised:
        container_of(sample_client, two_partitions.container_link).read_item(item="item1", partition_key="1")
    error = raised.value
    assert error.status_code == 401, error
    assert service_message(error).startswith(MALFORMED_MESSAGE), service_message(error)
    assert error.response.request.headers.get("authorization") == "None"
    assert "None" in deny_reason(error)


# ------------------------------------------------------------------------------------------------
# Partition-scoped tokens
# ------------------------------------------------------------------------------------------------


def test_partition_token_refuses_another_partition(emulator, token_client, two_partitions, partition_1_token):
    """The partition-"1" token cannot create, read or query in partition "2": 403, naming both keys.

    The deny reason says which partition the token is scoped to and which one the request targets
    (``["1"]`` and ``["2"]``); nothing is written.
    """
    link = two_partitions.container_link
    container = container_of(token_client(emulator, {link: partition_1_token}), link)

    attempts = {
        "create": lambda: container.create_item({"id": "intruder", "key": "2"}),
        "read": lambda: container.read_item(item="item2", partition_key="2"),
        "query": lambda: list(container.query_items("SELECT * FROM c", partition_key="2")),
    }
    for what, attempt in attempts.items():
        with pytest.raises(CosmosHttpResponseError) as raised:
            attempt()
        reason = assert_insufficient_permissions(raised.value)
        assert '["1"]' in reason and '["2"]' in reason, f"{what}: {reason}"

    assert sorted(item["id"] for item in two_partitions.read_all_items()) == ["item1", "item2"]


def test_partition_token_refuses_a_cross_partition_query(emulator, token_client, two_partitions, partition_1_token):
    """With a partition-scoped token every request must name the partition: a cross-partition query is 403.

    Even a query whose filter would keep only partition "1" is refused: the service looks at the
    request's partition key, not at the query text. So is a read of the whole item feed.
    """
    link = two_partitions.container_link
    container = container_of(token_client(emulator, {link: partition_1_token}), link)

    with pytest.raises(CosmosHttpResponseError) as raised:
        list(container.query_items("SELECT * FROM c WHERE c.key = '1'", enable_cross_partition_query=True))
    assert_insufficient_permissions(raised.value)

    with pytest.raises(CosmosHttpResponseError) as raised:
        list(container.read_all_items())
    assert_insufficient_permissions(raised.value)


# ------------------------------------------------------------------------------------------------
# Read-mode tokens
# ------------------------------------------------------------------------------------------------


def test_read_token_reads_and_queries(emulator, token_client, two_partitions, read_token):
    """A ``Read`` token on the whole container reads items, the item feed, and queries any partition."""
    link = two_partitions.container_link
    container = container_of(token_client(emulator, {link: read_token}), link)

    assert container.read_item(item="item2", partition_key="2")["id"] == "item2"
    assert sorted(item["id"] for item in container.read_all_items()) == ["item1", "item2"]
    assert [item["id"] for item in container.query_items("SELECT * FROM c", partition_key="1")] == ["item1"]
    total = list(container.query_items("SELECT VALUE COUNT(1) FROM c", enable_cross_partition_query=True))
    assert total == [2]


@pytest.mark.parametrize("write", ["create", "upsert", "replace", "delete"])
def test_read_token_cannot_write(emulator, token_client, two_partitions, read_token, write):
    """Every write with a ``Read`` token is 403 "Insufficient permissions…", and nothing changes.

    Unlike a read-only *key* (401, like a wrong key), a read-mode *token* is genuine: it is simply
    not enough for the request, which is what 403 means.
    """
    link = two_partitions.container_link
    container = container_of(token_client(emulator, {link: read_token}), link)
    writes = {
        "create": lambda: container.create_item({"id": "new", "key": "1"}),
        "upsert": lambda: container.upsert_item({"id": "item1", "key": "1", "info": "changed"}),
        "replace": lambda: container.replace_item("item1", {"id": "item1", "key": "1", "info": "changed"}),
        "delete": lambda: container.delete_item(item="item1", partition_key="1"),
    }
    with pytest.raises(CosmosHttpResponseError) as raised:
        writes[write]()
    assert_insufficient_permissions(raised.value)

    items = {item["id"]: item for item in two_partitions.read_all_items()}
    assert sorted(items) == ["item1", "item2"]
    assert items["item1"]["info"] == "original"


# ------------------------------------------------------------------------------------------------
# Scope: the container, nothing around it
# ------------------------------------------------------------------------------------------------

#: What a container token is not for, each a request the SDK sends with that token.
OUT_OF_SCOPE = ["read the database", "list containers", "list users", "read its own permission", "other container"]


@pytest.mark.parametrize("attempt", OUT_OF_SCOPE)
def test_container_token_cannot_reach_beyond_its_container(
    emulator, token_client, database, two_partitions, test_user, read_token, attempt
):
    """A container token reads the container's own properties, and nothing around it: 403 for each of

    reading the database, listing its containers, listing its users, reading the very permission
    the token came from, and reading another container of the same database. (The SDK sends the
    container's token for all of them: it picks any token whose link contains the request's.)
    """
    other = database.create_container(id="other", partition_key=PartitionKey(path="/key"))
    other.upsert_item({"id": "item1", "key": "1"})
    link = two_partitions.container_link
    cosmos_client = token_client(emulator, {link: read_token})
    token_database = cosmos_client.get_database_client(database.id)

    # The container itself is in scope: the SDK reads its properties before item requests.
    assert container_of(cosmos_client, link).read()["partitionKey"]["paths"] == ["/key"]

    attempts = {
        "read the database": lambda: token_database.read(),
        "list containers": lambda: list(token_database.list_containers()),
        "list users": lambda: list(token_database.list_users()),
        "read its own permission": lambda: token_database.get_user_client(test_user.id).get_permission(
            "my_read_permission"
        ),
        "other container": lambda: token_database.get_container_client("other").read_item("item1", partition_key="1"),
    }
    with pytest.raises(CosmosHttpResponseError) as raised:
        attempts[attempt]()
    assert_insufficient_permissions(raised.value)


# ------------------------------------------------------------------------------------------------
# Integrity
# ------------------------------------------------------------------------------------------------


def change_one_character(text: str, index: int) -> str:
    """``text`` with the base64 character at ``index`` replaced by another base64 character."""
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


@pytest.mark.parametrize("part", ["signature", "payload"])
def test_tampered_token_is_401(emulator, token_client, two_partitions, partition_1_token, part):
    """A token with one character changed, in its signature or its payload, is refused with 401.

    A token is ``type=resource&ver=1&sig=<signature>;<payload>;``, and clients must treat it as
    opaque: any change makes it a token the account never issued, so the credential itself is
    rejected (401, "The input authorization token can't serve the request"), not just the request
    (403). The SDK client fails on its very first request, the account read (after retrying it for
    about 1.5 s); a hand-made read of an item with the same token is refused just the same.
    """
    prefix, rest = partition_1_token.split("sig=", 1)
    signature, payload, empty = rest.split(";")
    assert empty == "", f"a token ends with ';': {partition_1_token}"
    if part == "signature":
        signature = change_one_character(signature, len(signature) // 2)
    else:
        payload = change_one_character(payload, len(payload) // 2)
    tampered = f"{prefix}sig={signature};{payload};"
    assert tampered != partition_1_token

    link = two_partitions.container_link
    with pytest.raises(CosmosHttpResponseError) as raised:
        container_of(token_client(emulator, {link: tampered}), link).read_item(item="item1", partition_key="1")
    assert raised.value.status_code == 401, raised.value
    assert service_message(raised.value).startswith(WRONG_TOKEN_MESSAGE), service_message(raised.value)
    deny_reason(raised.value)

    reply = hand_signed.send(
        emulator.endpoint,
        "GET",
        f"/{link}/docs/item1/",
        authorization=urllib.parse.quote(tampered, safe=hand_signed.AUTHORIZATION_SAFE_CHARACTERS),
        headers={"x-ms-documentdb-partitionkey": '["1"]'},
    )
    assert reply.status == 401, reply.body
    assert reply.json()["message"].startswith(WRONG_TOKEN_MESSAGE), reply.body

    # The untouched token still works: the refusals were about the changed character.
    untouched = container_of(token_client(emulator, {link: partition_1_token}), link)
    assert untouched.read_item(item="item1", partition_key="1")["id"] == "item1"


# ------------------------------------------------------------------------------------------------
# A new token on every read
# ------------------------------------------------------------------------------------------------


def test_every_read_of_a_permission_gives_a_new_token(emulator, token_client, two_partitions, test_user):
    """Creating a permission, reading it twice and reading the user's permission feed give four different tokens.

    The service stores no token: it mints a fresh one for every ``POST``, ``GET`` and ``PUT`` of a
    permission and for every entry of a permission feed (seed 002: "each time you read the
    permission from the permission feed of a user a new token gets generated"), even for reads in
    the same second. Each of them works on its own.
    """
    link = two_partitions.container_link
    created = grant(test_user, "p", ALL, link, ["1"])
    first_read = test_user.get_permission("p").properties["_token"]
    second_read = test_user.get_permission("p").properties["_token"]
    (from_feed,) = [permission["_token"] for permission in test_user.list_permissions()]

    tokens = [created, first_read, second_read, from_feed]
    assert len(set(tokens)) == 4, "every read of a permission must mint a new token"
    for token in tokens:
        container = container_of(token_client(emulator, {link: token}), link)
        assert container.read_item(item="item1", partition_key="1")["id"] == "item1"


# ------------------------------------------------------------------------------------------------
# Seed 002: a vendor's tenant with tokens for two containers
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def vendor_b(database):
    """Seed 002's setting: Vendor A's database with three containers, and a user for Vendor B.

    Vendor B is granted ``All`` on ``orders`` and ``Read`` on ``invoices``; ``payroll`` is Vendor
    A's own. Returns ``(containers by id, tokens by container link)``.
    """
    containers = {}
    for container_id in ("orders", "invoices", "payroll"):
        container = database.create_container(id=container_id, partition_key=PartitionKey(path="/tenant"))
        container.upsert_item({"id": f"{container_id}-1", "tenant": "vendor-b"})
        containers[container_id] = container
    user = database.create_user(body={"id": "vendor-b"})
    orders, invoices = containers["orders"].container_link, containers["invoices"].container_link
    tokens = {
        orders: grant(user, "orders-all", ALL, orders),
        invoices: grant(user, "invoices-read", READ, invoices),
    }
    return containers, tokens


def test_client_with_two_tokens_works_on_both_containers(emulator, token_client, vendor_b):
    """Seed 002: one client built from both of Vendor B's tokens, ``{orders_link: t1, invoices_link: t2}``.

    The SDK picks, for each request, the token whose link matches: Vendor B writes and queries
    orders (``All``) and reads and queries invoices (``Read``) through the same client; writing an
    invoice is still 403 (the invoices token is read-only), and Vendor A's ``payroll`` container,
    for which Vendor B holds no token, stays out of reach (403).
    """
    containers, tokens = vendor_b
    cosmos_client = token_client(emulator, tokens)
    orders = container_of(cosmos_client, containers["orders"].container_link)
    invoices = container_of(cosmos_client, containers["invoices"].container_link)

    orders.create_item({"id": "orders-2", "tenant": "vendor-b"})
    assert sorted(item["id"] for item in orders.query_items("SELECT * FROM c", partition_key="vendor-b")) == [
        "orders-1",
        "orders-2",
    ]
    assert invoices.read_item(item="invoices-1", partition_key="vendor-b")["id"] == "invoices-1"
    assert [item["id"] for item in invoices.query_items("SELECT * FROM c", partition_key="vendor-b")] == ["invoices-1"]

    with pytest.raises(CosmosHttpResponseError) as raised:
        invoices.create_item({"id": "invoices-2", "tenant": "vendor-b"})
    assert_insufficient_permissions(raised.value)

    payroll = container_of(cosmos_client, containers["payroll"].container_link)
    with pytest.raises(CosmosHttpResponseError) as raised:
        payroll.read_item(item="payroll-1", partition_key="vendor-b")
    assert_insufficient_permissions(raised.value)


def test_client_with_one_token_is_refused_on_the_other_container(emulator, token_client, vendor_b):
    """A client built from the orders token alone works on orders and is refused on invoices.

    Whether the refusal is 401 or 403 depends on the SDK, not on the rule: when no key matches
    the request's link, the SDK falls back to a token whose link *contains* a prefix of it (here
    the orders token, through ``dbs/<db>``), which is genuine but out of scope (403); with no
    such token at all it sends ``authorization: None`` (401). Either way Vendor B cannot read an
    invoice without the invoices token.
    """
    containers, tokens = vendor_b
    orders_link, invoices_link = containers["orders"].container_link, containers["invoices"].container_link
    cosmos_client = token_client(emulator, {orders_link: tokens[orders_link]})

    assert container_of(cosmos_client, orders_link).read_item(item="orders-1", partition_key="vendor-b")["id"] == (
        "orders-1"
    )
    with pytest.raises(CosmosHttpResponseError) as raised:
        container_of(cosmos_client, invoices_link).read_item(item="invoices-1", partition_key="vendor-b")
    assert raised.value.status_code in (401, 403), raised.value
    deny_reason(raised.value)


# ------------------------------------------------------------------------------------------------
# Users and permissions are managed with the master key
# ------------------------------------------------------------------------------------------------


def test_user_life_cycle_with_the_master_key(database, my_container):
    """Users are created (201), read, listed, replaced (renamed, keeping their permissions) and deleted (204).

    A user is only a name that permissions hang from (seed 001). A second user with the same id is
    409; a deleted user is 404.
    """
    created = database.create_user(body={"id": "Test User"})
    properties = created.read()
    assert properties["id"] == "Test User"
    for system_property in ("_rid", "_self", "_etag", "_ts", "_permissions"):
        assert system_property in properties, properties
    grant(created, "p", READ, my_container.container_link)

    database.create_user(body={"id": "another"})
    assert sorted(user["id"] for user in database.list_users()) == ["Test User", "another"]

    with pytest.raises(CosmosHttpResponseError) as raised:
        database.create_user(body={"id": "Test User"})
    assert raised.value.status_code == 409, raised.value

    renamed = database.replace_user("Test User", {"id": "renamed"})
    assert renamed.read()["id"] == "renamed"
    assert [permission["id"] for permission in renamed.list_permissions()] == ["p"]
    assert sorted(user["id"] for user in database.list_users()) == ["another", "renamed"]

    database.delete_user("renamed")
    with pytest.raises(CosmosHttpResponseError) as raised:
        database.get_user_client("renamed").read()
    assert raised.value.status_code == 404, raised.value
    assert [user["id"] for user in database.list_users()] == ["another"]


@pytest.mark.parametrize("key_name", READ_ONLY_KEYS)
def test_read_only_key_cannot_list_users_or_permissions(emulator, database, my_container, test_user, key_name):
    """A read-only key cannot see users or permissions (seed 001): 401 for the user list and the permission list.

    Permissions carry tokens, so reading them is as good as holding the data: the account's
    read-only keys "don't provide access to read permissions resources". Reading one permission
    is refused as well, so no token can be had with a read-only key.
    """
    grant(test_user, "p", READ, my_container.container_link)
    with CosmosClient(emulator.endpoint, credential=getattr(emulator.keys, key_name)) as read_only_client:
        read_only_database = read_only_client.get_database_client(database.id)
        read_only_user = read_only_database.get_user_client(test_user.id)
        attempts = {
            "list users": lambda: list(read_only_database.list_users()),
            "list permissions": lambda: list(read_only_user.list_permissions()),
            "read a permission": lambda: read_only_user.get_permission("p"),
        }
        for what, attempt in attempts.items():
            with pytest.raises(CosmosHttpResponseError) as raised:
                attempt()
            assert raised.value.status_code == 401, f"{what}: {raised.value}"
            deny_reason(raised.value)


def test_permission_ids_are_unique_per_user(database, my_container, test_user):
    """A user's second permission with an id it already uses is 409; another user may use that id."""
    link = my_container.container_link
    grant(test_user, "p", READ, link)
    with pytest.raises(CosmosHttpResponseError) as raised:
        grant(test_user, "p", ALL, f"{link}/docs/some-item")
    assert raised.value.status_code == 409, raised.value

    other_user = database.create_user(body={"id": "other user"})
    grant(other_user, "p", READ, link)
    assert [permission["id"] for permission in test_user.list_permissions()] == ["p"]
    assert [permission["id"] for permission in other_user.list_permissions()] == ["p"]


def test_second_permission_on_the_same_resource_is_409(database, my_container, test_user):
    """A user holds at most one permission per resource: a second one, under another id or mode, is 409.

    Another user may hold a permission on the same resource.
    """
    link = my_container.container_link
    grant(test_user, "read", READ, link)
    with pytest.raises(CosmosHttpResponseError) as raised:
        grant(test_user, "all", ALL, link)
    assert raised.value.status_code == 409, raised.value
    assert [permission["id"] for permission in test_user.list_permissions()] == ["read"]

    grant(database.create_user(body={"id": "other user"}), "all", ALL, link)


def test_permission_id_longer_than_255_characters_is_400(my_container, test_user):
    """A permission id has at most 255 characters (seed 002): 256 is a 400, 255 is accepted."""
    link = my_container.container_link
    with pytest.raises(CosmosHttpResponseError) as raised:
        grant(test_user, "p" * 256, READ, link)
    assert raised.value.status_code == 400, raised.value
    assert list(test_user.list_permissions()) == []

    grant(test_user, "p" * 255, READ, link)
    assert [len(permission["id"]) for permission in test_user.list_permissions()] == [255]
