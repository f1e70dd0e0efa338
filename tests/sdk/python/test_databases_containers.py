"""Databases and containers through the official SDK: create, read, list, query, delete, and errors.

Databases and containers are the "metadata" of an account: a master key may create and delete
them, a read-only key may only read them (``test_read_only_keys.py``). Each test here works on
databases named after itself, so tests sharing one emulator never see each other's resources.
"""

from __future__ import annotations

import base64
import uuid

import pytest
from azure.cosmos import PartitionKey
from azure.cosmos.exceptions import CosmosResourceExistsError, CosmosResourceNotFoundError


def unique(prefix: str) -> str:
    """An id no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def rid_bytes(rid: str) -> bytes:
    """The bytes of a ``_rid``: base64 with ``-`` standing for ``/`` (protocol.md §9)."""
    return base64.b64decode(rid.replace("-", "/"))


# ------------------------------------------------------------------------------------------------
# Databases
# ------------------------------------------------------------------------------------------------


def test_create_read_list_and_delete_a_database(client, database_id):
    """A database is created (with its system properties), read back, listed, then deleted for good."""
    created = client.create_database(database_id)
    properties = created.read()
    assert properties["id"] == database_id
    for system_property in ("_rid", "_self", "_etag", "_ts"):
        assert system_property in properties, f"database has no {system_property}: {properties}"

    listed = [database["id"] for database in client.list_databases()]
    assert database_id in listed

    client.delete_database(database_id)
    with pytest.raises(CosmosResourceNotFoundError):
        client.get_database_client(database_id).read()
    assert database_id not in [database["id"] for database in client.list_databases()]


def test_reading_a_missing_database_is_404(client):
    """Reading a database that was never created raises ``CosmosResourceNotFoundError`` (404)."""
    with pytest.raises(CosmosResourceNotFoundError) as raised:
        client.get_database_client(unique("never-created")).read()
    assert raised.value.status_code == 404


def test_deleting_a_missing_database_is_404(client):
    """Deleting a database that does not exist is a 404 too, not a silent success."""
    with pytest.raises(CosmosResourceNotFoundError) as raised:
        client.delete_database(unique("never-created"))
    assert raised.value.status_code == 404


def test_creating_a_database_twice_is_409(client, database):
    """A second database with the same id is refused with ``CosmosResourceExistsError`` (409)."""
    with pytest.raises(CosmosResourceExistsError) as raised:
        client.create_database(database.id)
    assert raised.value.status_code == 409


def test_create_database_if_not_exists_returns_the_existing_one(client, database):
    """``create_database_if_not_exists`` reads an existing database (same ``_rid``) instead of failing."""
    original = database.read()
    again = client.create_database_if_not_exists(database.id).read()
    assert again["_rid"] == original["_rid"]


def test_query_databases_with_a_parameter(client, database):
    """``query_databases`` with ``@id`` finds exactly the database named by the parameter."""
    found = list(
        client.query_databases(
            query="SELECT * FROM root r WHERE r.id = @id",
            parameters=[{"name": "@id", "value": database.id}],
        )
    )
    assert [properties["id"] for properties in found] == [database.id]


# ------------------------------------------------------------------------------------------------
# Containers
# ------------------------------------------------------------------------------------------------


def test_create_read_list_and_delete_a_container(database):
    """A container keeps the partition key it was created with; it is listed, then deleted for good."""
    created = database.create_container(id="orders", partition_key=PartitionKey(path="/customerId"))
    properties = created.read()
    assert properties["id"] == "orders"
    assert properties["partitionKey"]["paths"] == ["/customerId"]
    assert properties["partitionKey"]["kind"] == "Hash"
    for system_property in ("_rid", "_self", "_etag", "_ts"):
        assert system_property in properties, f"container has no {system_property}: {properties}"

    assert [container["id"] for container in database.list_containers()] == ["orders"]

    database.delete_container("orders")
    with pytest.raises(CosmosResourceNotFoundError):
        database.get_container_client("orders").read()
    assert list(database.list_containers()) == []


def test_reading_a_missing_container_is_404(database):
    """Reading a container that does not exist in an existing database is a 404."""
    with pytest.raises(CosmosResourceNotFoundError) as raised:
        database.get_container_client("missing").read()
    assert raised.value.status_code == 404


def test_container_in_a_missing_database_is_404(client):
    """Creating a container in a database that does not exist is a 404 (the parent is missing)."""
    missing = client.get_database_client(unique("never-created"))
    with pytest.raises(CosmosResourceNotFoundError) as raised:
        missing.create_container(id="orders", partition_key=PartitionKey(path="/pk"))
    assert raised.value.status_code == 404


def test_creating_a_container_twice_is_409(database):
    """A second container with the same id in the same database is refused with 409."""
    database.create_container(id="orders", partition_key=PartitionKey(path="/pk"))
    with pytest.raises(CosmosResourceExistsError) as raised:
        database.create_container(id="orders", partition_key=PartitionKey(path="/pk"))
    assert raised.value.status_code == 409


def test_create_container_if_not_exists_returns_the_existing_one(database):
    """``create_container_if_not_exists`` returns the existing container, same ``_rid``, same partition key."""
    first = database.create_container_if_not_exists(id="orders", partition_key=PartitionKey(path="/pk")).read()
    again = database.create_container_if_not_exists(id="orders", partition_key=PartitionKey(path="/pk")).read()
    assert again["_rid"] == first["_rid"]


def test_same_container_id_in_two_databases_are_independent(client, database):
    """Container ids are unique per database: ``orders`` in two databases are two containers."""
    other_id = unique("other")
    other = client.create_database(other_id)
    try:
        first = database.create_container(id="orders", partition_key=PartitionKey(path="/pk"))
        second = other.create_container(id="orders", partition_key=PartitionKey(path="/pk"))
        first.create_item({"id": "only-in-first", "pk": "a"})
        assert list(second.read_all_items()) == []
        assert first.read()["_rid"] != second.read()["_rid"]
    finally:
        client.delete_database(other_id)


def test_deleting_a_database_deletes_its_containers(client, database_id):
    """Deleting a database removes its containers too; a new database with the same id starts empty."""
    database = client.create_database(database_id)
    database.create_container(id="orders", partition_key=PartitionKey(path="/pk"))
    client.delete_database(database_id)
    recreated = client.create_database(database_id)
    try:
        assert list(recreated.list_containers()) == []
    finally:
        client.delete_database(database_id)


def test_resource_ids_are_hierarchical(database):
    """Like the service's, a container's ``_rid`` is its database's 4 bytes plus 4 of its own (protocol.md §9)."""
    database_rid = database.read()["_rid"]
    container_rid = database.create_container(id="orders", partition_key=PartitionKey(path="/pk")).read()["_rid"]
    assert len(rid_bytes(database_rid)) == 4
    assert len(rid_bytes(container_rid)) == 8
    assert rid_bytes(container_rid)[:4] == rid_bytes(database_rid)
