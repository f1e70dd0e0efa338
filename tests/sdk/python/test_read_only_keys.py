"""Read-only keys: everything that reads works, every write is refused with 401.

An account has two read-only keys beside its two read-write keys. A client built with one signs
requests exactly like a master-key client (``type=master``); the service tells the keys apart by
trying each. Reads (including queries, which are POSTs) are allowed; a write signed with a
read-only key is answered **like a wrong key**: 401, "The input authorization token can't serve the
request", with the payload the server signed (protocol.md §5, by design according to the service's
maintainers). Both read-only keys behave the same, so every test runs with each.
"""

from __future__ import annotations

import pytest
from azure.cosmos import CosmosClient, PartitionKey
from azure.cosmos.exceptions import CosmosHttpResponseError

import hand_signed
from service_errors import service_message

READ_ONLY_KEYS = ["primary_readonly", "secondary_readonly"]


@pytest.fixture(params=READ_ONLY_KEYS)
def read_only_client(request, emulator):
    """An SDK client on the shared emulator signing with one of the two read-only keys."""
    key = getattr(emulator.keys, request.param)
    with CosmosClient(emulator.endpoint, credential=key) as cosmos_client:
        yield cosmos_client


@pytest.fixture
def seeded(container):
    """The test's container with two items, written with the primary key."""
    container.create_item({"id": "a", "pk": "p", "n": 1})
    container.create_item({"id": "b", "pk": "q", "n": 2})
    return container


def read_only_view(read_only_client, container):
    """The same container, seen through the read-only client (``container_link`` is ``dbs/<db>/colls/<c>``)."""
    _, database_id, _, container_id = container.container_link.split("/")
    return read_only_client.get_database_client(database_id).get_container_client(container_id)


def assert_refused_like_a_wrong_key(error: CosmosHttpResponseError, verb: str, resource_type: str, link: str):
    """A 401 whose message is the wrong-key message, quoting the string the server signed for this write."""
    assert error.status_code == 401, error
    message = service_message(error)
    assert "The input authorization token can't serve the request" in message, message
    payload = hand_signed.signed_payload_in(message)
    assert payload is not None, f"no signed payload in the message: {message}"
    assert payload.split("\n")[:3] == [verb, resource_type, link], payload


def test_read_only_key_reads_metadata(read_only_client, seeded, database_id):
    """A read-only key lists and reads databases and containers."""
    assert database_id in [database["id"] for database in read_only_client.list_databases()]
    database = read_only_client.get_database_client(database_id)
    assert database.read()["id"] == database_id
    assert [container["id"] for container in database.list_containers()] == ["items"]
    assert database.get_container_client("items").read()["partitionKey"]["paths"] == ["/pk"]


def test_read_only_key_reads_items(read_only_client, seeded):
    """A read-only key reads an item and the whole feed of the container."""
    view = read_only_view(read_only_client, seeded)
    assert view.read_item("a", partition_key="p")["n"] == 1
    assert sorted(item["id"] for item in view.read_all_items()) == ["a", "b"]


def test_read_only_key_runs_queries(read_only_client, seeded):
    """Queries are POSTs, yet they are reads: allowed within a partition and across partitions."""
    view = read_only_view(read_only_client, seeded)
    assert [item["id"] for item in view.query_items("SELECT * FROM c", partition_key="p")] == ["a"]
    total = list(view.query_items("SELECT VALUE COUNT(1) FROM c", enable_cross_partition_query=True))
    assert total == [2]


def test_read_only_key_cannot_create_an_item(read_only_client, seeded):
    """Creating an item with a read-only key is a 401 like a wrong key's, and nothing is written."""
    view = read_only_view(read_only_client, seeded)
    with pytest.raises(CosmosHttpResponseError) as raised:
        view.create_item({"id": "c", "pk": "p"})
    assert_refused_like_a_wrong_key(raised.value, "post", "docs", seeded.container_link)
    assert len(list(seeded.read_all_items())) == 2


def test_read_only_key_cannot_upsert_an_item(read_only_client, seeded):
    """Upserting with a read-only key is refused with 401, and the item keeps its old body."""
    view = read_only_view(read_only_client, seeded)
    with pytest.raises(CosmosHttpResponseError) as raised:
        view.upsert_item({"id": "a", "pk": "p", "n": 100})
    assert_refused_like_a_wrong_key(raised.value, "post", "docs", seeded.container_link)
    assert seeded.read_item("a", partition_key="p")["n"] == 1


def test_read_only_key_cannot_replace_an_item(read_only_client, seeded):
    """Replacing with a read-only key is refused with 401."""
    view = read_only_view(read_only_client, seeded)
    with pytest.raises(CosmosHttpResponseError) as raised:
        view.replace_item("a", {"id": "a", "pk": "p", "n": 100})
    assert_refused_like_a_wrong_key(raised.value, "put", "docs", f"{seeded.container_link}/docs/a")
    assert seeded.read_item("a", partition_key="p")["n"] == 1


def test_read_only_key_cannot_delete_an_item(read_only_client, seeded):
    """Deleting with a read-only key is refused with 401, and the item is still there."""
    view = read_only_view(read_only_client, seeded)
    with pytest.raises(CosmosHttpResponseError) as raised:
        view.delete_item("a", partition_key="p")
    assert_refused_like_a_wrong_key(raised.value, "delete", "docs", f"{seeded.container_link}/docs/a")
    assert seeded.read_item("a", partition_key="p")["id"] == "a"


def test_read_only_key_cannot_create_or_delete_metadata(read_only_client, client, seeded, database_id):
    """Creating a database or a container, or deleting one, is a write too: all refused with 401."""
    with pytest.raises(CosmosHttpResponseError) as raised:
        read_only_client.create_database(f"{database_id}-new")
    assert_refused_like_a_wrong_key(raised.value, "post", "dbs", "")

    database = read_only_client.get_database_client(database_id)
    with pytest.raises(CosmosHttpResponseError) as raised:
        database.create_container(id="more", partition_key=PartitionKey(path="/pk"))
    assert_refused_like_a_wrong_key(raised.value, "post", "colls", f"dbs/{database_id}")

    with pytest.raises(CosmosHttpResponseError) as raised:
        read_only_client.delete_database(database_id)
    assert_refused_like_a_wrong_key(raised.value, "delete", "dbs", f"dbs/{database_id}")

    # Nothing changed: the database and its one container are still there.
    assert [container["id"] for container in client.get_database_client(database_id).list_containers()] == ["items"]
