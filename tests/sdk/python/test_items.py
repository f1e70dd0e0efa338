"""Items through the official SDK: create, read, replace, upsert, delete, and optimistic concurrency.

Every item lives in a logical partition, named by the value of its partition-key property (``/pk``
in these tests): the SDK reads that value out of the body and sends it in the
``x-ms-documentdb-partitionkey`` header, and an item is found by its id *and* that value. The
status codes the service answers (201 created, 200 replaced, 204 deleted) are checked through
azure-core's ``raw_response_hook``, which shows the HTTP response the SDK received.
"""

from __future__ import annotations

from typing import List

import pytest
from azure.core import MatchConditions
from azure.cosmos.exceptions import (
    CosmosAccessConditionFailedError,
    CosmosResourceExistsError,
    CosmosResourceNotFoundError,
)

SYSTEM_PROPERTIES = ("_rid", "_self", "_etag", "_ts")


class StatusRecorder:
    """Collects the HTTP status of every response of one SDK call (azure-core's ``raw_response_hook``)."""

    def __init__(self) -> None:
        self.statuses: List[int] = []

    def __call__(self, pipeline_response) -> None:
        self.statuses.append(pipeline_response.http_response.status_code)

    @property
    def last(self) -> int:
        assert self.statuses, "the SDK received no response"
        return self.statuses[-1]


def test_create_and_read_an_item(container):
    """A created item (201) comes back with its body and system properties, and reads back the same."""
    status = StatusRecorder()
    created = container.create_item({"id": "order-1", "pk": "alice", "total": 42}, raw_response_hook=status)
    assert status.last == 201
    assert created["id"] == "order-1" and created["total"] == 42
    for system_property in SYSTEM_PROPERTIES:
        assert system_property in created, f"created item has no {system_property}: {created}"

    read = container.read_item("order-1", partition_key="alice")
    assert read == created


def test_response_etag_header_matches_the_item(container):
    """The ``etag`` response header of a write is the ``_etag`` of the item it returns."""
    headers = {}
    created = container.create_item(
        {"id": "order-1", "pk": "alice"}, response_hook=lambda response_headers, _: headers.update(response_headers)
    )
    assert headers.get("etag") == created["_etag"]


def test_reading_a_missing_item_is_404(container):
    """Reading an id that was never written raises ``CosmosResourceNotFoundError`` (404)."""
    with pytest.raises(CosmosResourceNotFoundError) as raised:
        container.read_item("missing", partition_key="alice")
    assert raised.value.status_code == 404


def test_an_item_is_found_only_in_its_own_partition(container):
    """An item read with another partition-key value is not found: id and partition key name it together."""
    container.create_item({"id": "order-1", "pk": "alice"})
    with pytest.raises(CosmosResourceNotFoundError):
        container.read_item("order-1", partition_key="bob")


def test_the_same_id_in_two_partitions_is_two_items(container):
    """Ids are unique per logical partition: ``order-1`` may exist for alice and for bob."""
    container.create_item({"id": "order-1", "pk": "alice", "owner": "alice"})
    container.create_item({"id": "order-1", "pk": "bob", "owner": "bob"})
    assert container.read_item("order-1", partition_key="alice")["owner"] == "alice"
    assert container.read_item("order-1", partition_key="bob")["owner"] == "bob"


def test_creating_an_existing_item_is_409(container):
    """Creating an id that already exists in the same partition raises ``CosmosResourceExistsError`` (409)."""
    container.create_item({"id": "order-1", "pk": "alice"})
    with pytest.raises(CosmosResourceExistsError) as raised:
        container.create_item({"id": "order-1", "pk": "alice"})
    assert raised.value.status_code == 409


def test_replace_changes_the_body_and_the_etag(container):
    """Replacing an item (200) stores the new body and gives it a new ``_etag``."""
    created = container.create_item({"id": "order-1", "pk": "alice", "total": 42})
    status = StatusRecorder()
    replaced = container.replace_item(
        "order-1", {"id": "order-1", "pk": "alice", "total": 50}, raw_response_hook=status
    )
    assert status.last == 200
    assert replaced["total"] == 50
    assert replaced["_etag"] != created["_etag"]
    assert container.read_item("order-1", partition_key="alice")["total"] == 50


def test_replacing_a_missing_item_is_404(container):
    """Replace only replaces: an item that does not exist is a 404, not a create."""
    with pytest.raises(CosmosResourceNotFoundError):
        container.replace_item("missing", {"id": "missing", "pk": "alice"})


def test_upsert_creates_then_replaces(container):
    """Upsert answers 201 when it creates the item and 200 when it replaces it."""
    status = StatusRecorder()
    container.upsert_item({"id": "order-1", "pk": "alice", "total": 1}, raw_response_hook=status)
    assert status.last == 201
    container.upsert_item({"id": "order-1", "pk": "alice", "total": 2}, raw_response_hook=status)
    assert status.last == 200
    assert container.read_item("order-1", partition_key="alice")["total"] == 2


def test_upsert_replaces_the_whole_body(container):
    """Upsert is not a merge: properties missing from the new body are gone."""
    container.upsert_item({"id": "order-1", "pk": "alice", "total": 1, "note": "gift"})
    container.upsert_item({"id": "order-1", "pk": "alice", "total": 2})
    assert "note" not in container.read_item("order-1", partition_key="alice")


def test_delete_an_item(container):
    """Deleting answers 204; afterwards the item is not found, and deleting it again is a 404."""
    container.create_item({"id": "order-1", "pk": "alice"})
    status = StatusRecorder()
    container.delete_item("order-1", partition_key="alice", raw_response_hook=status)
    assert status.last == 204
    with pytest.raises(CosmosResourceNotFoundError):
        container.read_item("order-1", partition_key="alice")
    with pytest.raises(CosmosResourceNotFoundError):
        container.delete_item("order-1", partition_key="alice")


def test_read_and_delete_an_item_given_as_a_dict(container):
    """Passing the item itself (a dict) makes the SDK address it by its ``_self`` link, with resource ids.

    This is the common ``for item in query: container.delete_item(item, partition_key=…)`` pattern;
    the SDK then signs only the item's ``_rid``, lower-cased (protocol.md §0).
    """
    created = container.create_item({"id": "order-1", "pk": "alice", "total": 42})
    assert container.read_item(created, partition_key="alice")["total"] == 42
    container.delete_item(created, partition_key="alice")
    with pytest.raises(CosmosResourceNotFoundError):
        container.read_item("order-1", partition_key="alice")


def test_ids_with_spaces_plus_and_accents(container):
    """An id like ``a b+c é`` travels percent-encoded in the URL and is signed decoded; it round-trips."""
    item_id = "a b+c é"
    container.create_item({"id": item_id, "pk": "p é"})
    assert container.read_item(item_id, partition_key="p é")["id"] == item_id
    container.delete_item(item_id, partition_key="p é")
    with pytest.raises(CosmosResourceNotFoundError):
        container.read_item(item_id, partition_key="p é")


def test_numeric_partition_key_values(container):
    """A number is a partition-key value of its own: 5 and "5" name different logical partitions."""
    container.create_item({"id": "n", "pk": 5, "kind": "number"})
    container.create_item({"id": "n", "pk": "5", "kind": "string"})
    assert container.read_item("n", partition_key=5)["kind"] == "number"
    assert container.read_item("n", partition_key="5")["kind"] == "string"


# ------------------------------------------------------------------------------------------------
# Optimistic concurrency with ETags
# ------------------------------------------------------------------------------------------------


def test_replace_with_the_current_etag_succeeds(container):
    """``If-Match`` with the item's current ``_etag`` lets the replace through."""
    created = container.create_item({"id": "order-1", "pk": "alice", "total": 42})
    replaced = container.replace_item(
        "order-1",
        {"id": "order-1", "pk": "alice", "total": 43},
        etag=created["_etag"],
        match_condition=MatchConditions.IfNotModified,
    )
    assert replaced["total"] == 43


def test_replace_with_a_stale_etag_is_412(container):
    """Two writers read the same version; the second one's replace fails, and the first one's write stays.

    The SDK sends ``If-Match: <etag>``; the service answers 412 Precondition Failed, raised as
    ``CosmosAccessConditionFailedError``. This is how lost updates are prevented.
    """
    original = container.create_item({"id": "order-1", "pk": "alice", "total": 42})
    container.replace_item(
        "order-1",
        {"id": "order-1", "pk": "alice", "total": 43},
        etag=original["_etag"],
        match_condition=MatchConditions.IfNotModified,
    )
    with pytest.raises(CosmosAccessConditionFailedError) as raised:
        container.replace_item(
            "order-1",
            {"id": "order-1", "pk": "alice", "total": 99},
            etag=original["_etag"],
            match_condition=MatchConditions.IfNotModified,
        )
    assert raised.value.status_code == 412
    assert container.read_item("order-1", partition_key="alice")["total"] == 43


def test_delete_with_a_stale_etag_is_412(container):
    """A conditional delete with an outdated ETag is refused (412) and the item stays."""
    original = container.create_item({"id": "order-1", "pk": "alice", "total": 42})
    container.upsert_item({"id": "order-1", "pk": "alice", "total": 43})
    with pytest.raises(CosmosAccessConditionFailedError):
        container.delete_item(
            "order-1", partition_key="alice", etag=original["_etag"], match_condition=MatchConditions.IfNotModified
        )
    assert container.read_item("order-1", partition_key="alice")["total"] == 43
