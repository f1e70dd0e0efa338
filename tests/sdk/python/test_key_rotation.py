"""Key rotation without downtime, the story of seed 001 ("Securing access to DocumentDB data").

An account has two read-write keys so that one can be replaced while the other keeps every
application running: move the applications to the secondary key, regenerate the primary, move
them to the new primary, and (later) regenerate the secondary the same way. Regenerating a key
makes the old one worthless at once.

Keys are listed and regenerated through the emulator's stand-in for Azure Resource Manager
(``admin_api.py``). Regenerating changes the account, so each test here has an emulator of its own
(``private_emulator``) rather than the shared one.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from typing import List

import pytest
from azure.cosmos import CosmosClient, PartitionKey
from azure.cosmos.exceptions import CosmosHttpResponseError

import admin_api
import hand_signed
from emulator_process import random_key

#: The keys as ``listKeys`` names them, and as ``AccountKeys`` (the fixture's record) names them.
KEY_NAMES = [
    ("primary", "primaryMasterKey", "primary"),
    ("secondary", "secondaryMasterKey", "secondary"),
    ("primaryReadonly", "primaryReadonlyMasterKey", "primary_readonly"),
    ("secondaryReadonly", "secondaryReadonlyMasterKey", "secondary_readonly"),
]


def keys_as_listed(emulator) -> dict:
    """The emulator's starting keys, in the shape ``listKeys`` answers."""
    return {field: getattr(emulator.keys, attribute) for _, field, attribute in KEY_NAMES}


class SteadyTraffic(threading.Thread):
    """An application that writes and reads back one item in a loop, recording every failure."""

    def __init__(self, container) -> None:
        super().__init__(name="steady-traffic", daemon=True)
        self.container = container
        self.completed = 0
        self.failures: List[str] = []
        self._stop_requested = threading.Event()

    def run(self) -> None:
        sequence = 0
        while not self._stop_requested.is_set():
            sequence += 1
            try:
                self.container.upsert_item({"id": "heartbeat", "pk": "app", "sequence": sequence})
                read = self.container.read_item("heartbeat", partition_key="app")
                if read["sequence"] != sequence:
                    self.failures.append(f"read back sequence {read['sequence']}, wrote {sequence}")
                self.completed += 1
            except Exception as error:  # every failure counts, whatever its type
                self.failures.append(f"{type(error).__name__}: {error}")

    def wait_until_completed(self, count: int, timeout: float = 20.0) -> None:
        """Waits until ``count`` write-and-read rounds have completed (or fails the test)."""
        deadline = time.monotonic() + timeout
        while self.completed < count and not self.failures:
            assert time.monotonic() < deadline, f"only {self.completed} of {count} rounds in {timeout} s"
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop_requested.set()
        self.join(timeout=20)


def test_listing_keys_shows_the_account_keys(private_emulator):
    """``listKeys`` signed with the primary key returns the four keys the emulator was started with."""
    assert admin_api.list_keys(private_emulator.endpoint, signed_with=private_emulator.keys.primary) == (
        keys_as_listed(private_emulator)
    )


def test_secondary_key_client_keeps_working_while_the_primary_is_regenerated(private_emulator):
    """Seed 001's rotation, step by step, with an application running on the secondary key throughout.

    1. An administrator, on the primary key, creates the data; the application runs on the secondary.
    2. The primary key is regenerated while the application keeps writing and reading.
    3. Not one of the application's requests fails, before, during or after the regeneration.
    4. The old primary key is now refused (401), for data and for the admin API alike.
    5. A client built with the new primary key works, and sees the application's writes.
    """
    emulator = private_emulator
    old_primary = emulator.keys.primary
    database_id = f"rotation-{uuid.uuid4().hex[:8]}"

    with CosmosClient(emulator.endpoint, credential=old_primary) as admin_client:
        database = admin_client.create_database(database_id)
        database.create_container(id="orders", partition_key=PartitionKey(path="/pk"))

        with CosmosClient(emulator.endpoint, credential=emulator.keys.secondary) as app_client:
            app_container = app_client.get_database_client(database_id).get_container_client("orders")
            traffic = SteadyTraffic(app_container)
            traffic.start()
            try:
                traffic.wait_until_completed(5)
                new_keys = admin_api.regenerate_key(emulator.endpoint, "primary", signed_with=old_primary)
                regenerated_at = traffic.completed
                traffic.wait_until_completed(regenerated_at + 5)
            finally:
                traffic.stop()
        assert traffic.failures == [], "the secondary-key application saw failures during the rotation"
        assert traffic.completed >= regenerated_at + 5

        # Only the primary key changed.
        new_primary = new_keys["primaryMasterKey"]
        assert new_primary != old_primary
        expected = dict(keys_as_listed(emulator), primaryMasterKey=new_primary)
        assert new_keys == expected

        # The client still holding the old primary key is now refused, like any wrong key.
        with pytest.raises(CosmosHttpResponseError) as raised:
            database.read()
        assert raised.value.status_code == 401

    with CosmosClient(emulator.endpoint, credential=new_primary) as new_client:
        heartbeat = new_client.get_database_client(database_id).get_container_client("orders").read_item(
            "heartbeat", partition_key="app"
        )
        assert heartbeat["sequence"] >= regenerated_at + 5

    # The admin API follows the primary key too.
    assert admin_api.list_keys(emulator.endpoint, signed_with=new_primary) == new_keys
    assert admin_api.list_keys_reply(emulator.endpoint, signed_with=old_primary).status == 401


@pytest.mark.parametrize("key_kind, field, attribute", KEY_NAMES, ids=[kind for kind, _, _ in KEY_NAMES])
def test_regenerating_a_key_replaces_that_key_only(private_emulator, key_kind, field, attribute):
    """Regenerating one key gives it a new random value, refuses the old one, and leaves the other three working."""
    emulator = private_emulator
    before = keys_as_listed(emulator)
    after = admin_api.regenerate_key(emulator.endpoint, key_kind, signed_with=emulator.keys.primary)

    new_key = after[field]
    assert new_key != before[field]
    assert len(base64.b64decode(new_key, validate=True)) == 64, "a new key is 64 random bytes, like the service's"
    assert {name: value for name, value in after.items() if name != field} == {
        name: value for name, value in before.items() if name != field
    }

    old = hand_signed.send(emulator.endpoint, "GET", "/dbs", key=before[field])
    assert old.status == 401, f"the old {key_kind} key still works: {old.status} {old.body}"
    for name, key in after.items():
        reply = hand_signed.send(emulator.endpoint, "GET", "/dbs", key=key)
        assert reply.status == 200, f"{name} should work after regenerating {key_kind}: {reply.status} {reply.body}"


def test_admin_api_needs_the_primary_key(private_emulator):
    """Only the current primary key may list or regenerate keys; nothing changes after a refusal.

    A wrong key is a 401 like any bad signature. For the account's other keys, the emulator's
    contract says only that the primary key is required; 401 and 403 are both accepted here.
    """
    emulator = private_emulator
    wrong = admin_api.regenerate_key_reply(emulator.endpoint, "secondary", signed_with=random_key())
    assert wrong.status == 401, wrong.body
    assert wrong.header("x-cosmolab-deny-reason")

    for other in (emulator.keys.secondary, emulator.keys.primary_readonly, emulator.keys.secondary_readonly):
        listed = admin_api.list_keys_reply(emulator.endpoint, signed_with=other)
        assert listed.status in (401, 403), listed.body
        regenerated = admin_api.regenerate_key_reply(emulator.endpoint, "primary", signed_with=other)
        assert regenerated.status in (401, 403), regenerated.body
        assert regenerated.header("x-cosmolab-deny-reason")

    unsigned = hand_signed.send(emulator.endpoint, "GET", "/_cosmolab/keys", authorization=None)
    assert unsigned.status == 401, unsigned.body

    assert admin_api.list_keys(emulator.endpoint, signed_with=emulator.keys.primary) == keys_as_listed(emulator)


def test_regenerating_an_unknown_key_kind_is_400(private_emulator):
    """A ``keyKind`` other than the four of Resource Manager's API is a 400, and no key changes."""
    emulator = private_emulator
    reply = admin_api.regenerate_key_reply(emulator.endpoint, "tertiary", signed_with=emulator.keys.primary)
    assert reply.status == 400, reply.body
    assert admin_api.list_keys(emulator.endpoint, signed_with=emulator.keys.primary) == keys_as_listed(emulator)
