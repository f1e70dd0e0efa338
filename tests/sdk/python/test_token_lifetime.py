"""How long a resource token lives: its lifetime, its expiry, and what does (and does not) revoke it.

Every read of a permission mints a token valid for ``x-ms-documentdb-expiry-seconds`` (the SDK's
``resource_token_expiry_seconds=``): one hour by default, at least 10 minutes and at most 5 hours
(``docs/fidelity.md``); anything else is a 400 that names the bounds. The expiry is written into
the token itself, which has consequences the labs teach:

- an **expired** token is refused with **403** "The authorization token is not valid at the current
  time…", what the service actually answers (seed 001, from 2017, says 401; protocol.md §0), and
  reading the permission again gives a new, working token;
- **deleting** the permission, or its user, does not revoke tokens already handed out: they work
  until they expire (seed 002), which is why a mid-tier service keeps lifetimes short;
- **regenerating the primary key** does revoke them (401): the emulator's documented choice, so
  that key rotation has a visible effect.

Nobody waits an hour in a test: the tests that need a token to expire run on an emulator of their
own started with ``--enable-time-travel`` (``time_travel_emulator``) and move its token clock
forward with ``admin_api.advance_clock``; ``x-ms-date`` is still checked against real time, so the
master-key client keeps working throughout.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Iterator, Optional

import pytest
from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy, PartitionKey, UserProxy
from azure.cosmos.exceptions import CosmosHttpResponseError

import admin_api
from emulator_process import Emulator
from service_errors import service_message

NOT_VALID_NOW_MESSAGE = "The authorization token is not valid at the current time"
WRONG_TOKEN_MESSAGE = "The input authorization token can't serve the request"

#: The bounds of a token's lifetime, in seconds, and its default.
MIN_LIFETIME, DEFAULT_LIFETIME, MAX_LIFETIME = 600, 3600, 18000


@dataclass
class Grant:
    """An account prepared for a token: its container (``/key``, with ``item1`` in partition "1"),
    a user, and that user's permission ``All`` on the container, made on the master key."""

    emulator: Emulator
    database: DatabaseProxy
    container: ContainerProxy
    user: UserProxy
    permission_id: str

    def token(self, lifetime: Optional[int] = None) -> str:
        """A token read from the permission now (a new one every time), for ``lifetime`` seconds if given."""
        options = {} if lifetime is None else {"resource_token_expiry_seconds": lifetime}
        return self.user.get_permission(self.permission_id, **options).properties["_token"]

    def advance_clock(self, seconds: int) -> int:
        """Moves the emulator's token clock forward (time-travel emulators only)."""
        return admin_api.advance_clock(self.emulator.endpoint, seconds, signed_with=self.emulator.keys.primary)


def prepare(emulator: Emulator, admin: CosmosClient) -> Grant:
    """Creates a database with ``items`` (``/key``), ``item1`` in partition "1", a user and its permission."""
    database = admin.create_database(f"lifetime-{uuid.uuid4().hex[:8]}")
    container = database.create_container(id="items", partition_key=PartitionKey(path="/key"))
    container.upsert_item({"id": "item1", "key": "1"})
    user = database.create_user(body={"id": "app user"})
    user.create_permission({"id": "items-all", "permissionMode": "All", "resource": container.container_link})
    return Grant(emulator, database, container, user, "items-all")


@pytest.fixture
def time_travel_grant(time_travel_emulator: Emulator) -> Iterator[Grant]:
    """``prepare`` on an emulator of this test's own whose token clock can be moved forward."""
    with CosmosClient(time_travel_emulator.endpoint, credential=time_travel_emulator.keys.primary) as admin:
        yield prepare(time_travel_emulator, admin)


def items_seen_by(token_client, grant: Grant, token: str) -> ContainerProxy:
    """The container as seen by a new SDK client holding only ``token``."""
    cosmos_client = token_client(grant.emulator, {grant.container.container_link: token})
    _, database_id, _, container_id = grant.container.container_link.split("/")
    return cosmos_client.get_database_client(database_id).get_container_client(container_id)


def read_with(token_client, grant: Grant, token: str) -> dict:
    """Reads ``item1`` through a new SDK client holding only ``token``."""
    return items_seen_by(token_client, grant, token).read_item(item="item1", partition_key="1")


def assert_expired(error: CosmosHttpResponseError) -> None:
    """A 403 with the service's "not valid at the current time" message, and a deny reason."""
    assert error.status_code == 403, error
    message = service_message(error)
    assert message.startswith(NOT_VALID_NOW_MESSAGE), message
    for detail in ("token start time", "token expiry time", "current server time"):
        assert detail in message, message
    assert error.response.headers.get("x-cosmolab-deny-reason"), "a refused request must carry a deny reason"


# ------------------------------------------------------------------------------------------------
# Expiry
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lifetime", [MIN_LIFETIME, None, MAX_LIFETIME], ids=["600s", "default-3600s", "18000s"]
)
def test_token_expires_after_its_lifetime_with_403(time_travel_grant, token_client, lifetime):
    """A token works until its lifetime has passed, then every request is 403 "not valid at the current time".

    The permission is read with ``resource_token_expiry_seconds=600`` (the minimum), without it
    (one hour) or with 18000 (the maximum). 100 s before the end the token still reads and writes;
    one second after it, the same client is refused with 403, the service's status (seed 001 says
    401). Reading the permission again gives a new token, which works.
    """
    grant = time_travel_grant
    expected_lifetime = DEFAULT_LIFETIME if lifetime is None else lifetime
    items = items_seen_by(token_client, grant, grant.token(lifetime))
    assert items.read_item(item="item1", partition_key="1")["id"] == "item1"

    grant.advance_clock(expected_lifetime - 100)
    items.upsert_item({"id": "item1", "key": "1", "still": "valid"})
    assert items.read_item(item="item1", partition_key="1")["still"] == "valid"

    assert grant.advance_clock(101) == expected_lifetime + 1
    with pytest.raises(CosmosHttpResponseError) as raised:
        items.read_item(item="item1", partition_key="1")
    assert_expired(raised.value)
    with pytest.raises(CosmosHttpResponseError) as raised:
        items.upsert_item({"id": "item1", "key": "1", "still": "expired"})
    assert_expired(raised.value)

    # A fresh read of the permission is a fresh token, valid from the emulator's (advanced) now.
    assert read_with(token_client, grant, grant.token(lifetime))["still"] == "valid"


# ------------------------------------------------------------------------------------------------
# What does not revoke a token, and what does
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("deleted", ["permission", "user"])
def test_token_outlives_its_deleted_permission_or_user_until_it_expires(time_travel_grant, token_client, deleted):
    """Deleting the permission (or its whole user) does not revoke its tokens: they work until they expire.

    Seed 002: "The token stays valid until it expires even if you delete the permission". The
    token of a 600 s permission read keeps reading and writing after the deletion; no new token can
    be had (the permission is gone: 404); 601 s after it was minted, it is refused like any
    expired token (403).
    """
    grant = time_travel_grant
    items = items_seen_by(token_client, grant, grant.token(MIN_LIFETIME))
    assert items.read_item(item="item1", partition_key="1")["id"] == "item1"

    if deleted == "permission":
        grant.user.delete_permission(grant.permission_id)
    else:
        grant.database.delete_user(grant.user.id)
    with pytest.raises(CosmosHttpResponseError) as raised:
        grant.token()
    assert raised.value.status_code == 404, raised.value

    assert items.read_item(item="item1", partition_key="1")["id"] == "item1"
    items.upsert_item({"id": "item2", "key": "1"})
    assert items.read_item(item="item2", partition_key="1")["id"] == "item2"

    grant.advance_clock(MIN_LIFETIME + 1)
    with pytest.raises(CosmosHttpResponseError) as raised:
        items.read_item(item="item1", partition_key="1")
    assert_expired(raised.value)


def test_regenerating_the_primary_key_revokes_tokens(private_emulator, token_client):
    """Regenerating the primary key makes every token minted before it a 401; a new permission read works again.

    Tokens are signed with the primary key, so a new primary key invalidates them: the credential
    itself is no longer genuine, hence 401 "The input authorization token can't serve the request"
    rather than 403. That is cosmolab's documented choice (one report saw real tokens survive
    regeneration; revoking is the safer behaviour to teach). Reading the permission with the new
    primary key gives a token that works.
    """
    emulator = private_emulator
    with CosmosClient(emulator.endpoint, credential=emulator.keys.primary) as admin:
        grant = prepare(emulator, admin)
        old_token = grant.token()
        items = items_seen_by(token_client, grant, old_token)
        assert items.read_item(item="item1", partition_key="1")["id"] == "item1"

        new_keys = admin_api.regenerate_key(emulator.endpoint, "primary", signed_with=emulator.keys.primary)

    with pytest.raises(CosmosHttpResponseError) as raised:
        items.read_item(item="item1", partition_key="1")
    error = raised.value
    assert error.status_code == 401, error
    assert service_message(error).startswith(WRONG_TOKEN_MESSAGE), service_message(error)
    assert error.response.headers.get("x-cosmolab-deny-reason"), "a refused request must carry a deny reason"

    with CosmosClient(emulator.endpoint, credential=new_keys["primaryMasterKey"]) as new_admin:
        user = new_admin.get_database_client(grant.database.id).get_user_client(grant.user.id)
        new_token = user.get_permission(grant.permission_id).properties["_token"]
    assert new_token != old_token
    assert read_with(token_client, grant, new_token)["id"] == "item1"


# ------------------------------------------------------------------------------------------------
# Bounds
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [60, 599, 18001, 86400])
def test_lifetime_out_of_bounds_is_400(database, seconds):
    """A lifetime under 10 minutes or over 5 hours is a 400 whose message names the bounds, 600 and 18000.

    Seed 002 (and newer .NET documentation) says up to 24 hours; the REST reference says 5 hours,
    and the emulator follows it (``docs/fidelity.md``), so 86400 is refused too. The refusal applies
    to creating a permission (nothing is created) and to reading one.
    """
    container = database.create_container(id="items", partition_key=PartitionKey(path="/key"))
    user = database.create_user(body={"id": "app user"})
    definition = {"id": "p", "permissionMode": "All", "resource": container.container_link}

    with pytest.raises(CosmosHttpResponseError) as raised:
        user.create_permission(definition, resource_token_expiry_seconds=seconds)
    assert raised.value.status_code == 400, raised.value
    message = service_message(raised.value)
    assert str(MIN_LIFETIME) in message and str(MAX_LIFETIME) in message, message
    assert list(user.list_permissions()) == []

    user.create_permission(definition)
    with pytest.raises(CosmosHttpResponseError) as raised:
        user.get_permission("p", resource_token_expiry_seconds=seconds)
    assert raised.value.status_code == 400, raised.value
    message = service_message(raised.value)
    assert str(MIN_LIFETIME) in message and str(MAX_LIFETIME) in message, message


def test_shared_emulators_do_not_time_travel(emulator):
    """The emulators the other tests share run without ``--enable-time-travel``: advancing their clock is a 404.

    Only a ``time_travel_emulator`` (one test's own) can be moved forward, so no test's tokens
    expire because another test travelled in time.
    """
    reply = admin_api.advance_clock_reply(emulator.endpoint, 3600, signed_with=emulator.keys.primary)
    assert reply.status == 404, reply.body
    assert "--enable-time-travel" in reply.json()["message"], reply.body
