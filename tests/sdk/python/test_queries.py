"""SQL queries through the official SDK, within one partition and across partitions.

A query with ``partition_key=`` runs in that logical partition only. Without one, and with
``enable_cross_partition_query=True``, it runs over the whole container: the SDK sends it once, and
because the emulator answers it completely (ordering, TOP, aggregates included) the SDK does no
work of its own (protocol.md §3). Each test queries the same six fruits, partitioned by colour.
"""

from __future__ import annotations

import pytest
from azure.cosmos import PartitionKey

FRUIT = [
    {"id": "1", "color": "red", "name": "apple", "stock": 3},
    {"id": "2", "color": "red", "name": "cherry", "stock": 7},
    {"id": "3", "color": "green", "name": "lime", "stock": 1},
    {"id": "4", "color": "green", "name": "kiwi", "stock": 5},
    {"id": "5", "color": "yellow", "name": "banana", "stock": 2},
    {"id": "6", "color": "yellow", "name": "lemon", "stock": 6},
]


@pytest.fixture
def fruit(database):
    """A container ``fruit`` partitioned on ``/color``, holding the six fruits above."""
    container = database.create_container(id="fruit", partition_key=PartitionKey(path="/color"))
    for item in FRUIT:
        container.create_item(dict(item))
    return container


def cross_partition(container, query, parameters=None):
    """Runs ``query`` over every partition and returns all results as a list."""
    return list(container.query_items(query, parameters=parameters, enable_cross_partition_query=True))


def names(results):
    """The ``name`` of each result, in order."""
    return [result["name"] for result in results]


def test_select_star_within_one_partition(fruit):
    """``SELECT *`` with a partition key returns that partition's items only, whole, with system properties."""
    results = list(fruit.query_items("SELECT * FROM c", partition_key="red"))
    assert sorted(names(results)) == ["apple", "cherry"]
    assert all("_rid" in result and "_etag" in result for result in results)


def test_select_star_across_partitions(fruit):
    """``SELECT *`` across partitions returns every item of every partition."""
    results = cross_partition(fruit, "SELECT * FROM c")
    assert sorted(result["id"] for result in results) == ["1", "2", "3", "4", "5", "6"]


def test_where_with_a_parameter(fruit):
    """A ``@min`` parameter is bound by the server: only fruits with more than 4 in stock."""
    results = cross_partition(fruit, "SELECT * FROM c WHERE c.stock > @min", [{"name": "@min", "value": 4}])
    assert sorted(names(results)) == ["cherry", "kiwi", "lemon"]


def test_where_with_several_conditions_and_parameters(fruit):
    """Two parameters and ``AND``: green fruits with at least 2 in stock."""
    results = cross_partition(
        fruit,
        "SELECT * FROM c WHERE c.color = @color AND c.stock >= @min",
        [{"name": "@color", "value": "green"}, {"name": "@min", "value": 2}],
    )
    assert names(results) == ["kiwi"]


def test_partition_key_restricts_even_without_where(fruit):
    """The partition key passed to the SDK scopes the query, even when the SQL does not mention it."""
    results = list(fruit.query_items("SELECT * FROM c WHERE c.stock > 0", partition_key="yellow"))
    assert sorted(names(results)) == ["banana", "lemon"]


def test_order_by_ascending_and_descending(fruit):
    """``ORDER BY`` sorts across partitions, in both directions."""
    ascending = cross_partition(fruit, "SELECT * FROM c ORDER BY c.stock")
    assert names(ascending) == ["lime", "banana", "apple", "kiwi", "lemon", "cherry"]
    descending = cross_partition(fruit, "SELECT * FROM c ORDER BY c.stock DESC")
    assert names(descending) == ["cherry", "lemon", "kiwi", "apple", "banana", "lime"]


def test_order_by_a_string(fruit):
    """``ORDER BY`` on a string property sorts alphabetically."""
    results = cross_partition(fruit, "SELECT * FROM c ORDER BY c.name")
    assert names(results) == ["apple", "banana", "cherry", "kiwi", "lemon", "lime"]


def test_top(fruit):
    """``TOP 2`` with ``ORDER BY … DESC``: the two best-stocked fruits, over all partitions."""
    results = cross_partition(fruit, "SELECT TOP 2 * FROM c ORDER BY c.stock DESC")
    assert names(results) == ["cherry", "lemon"]


def test_offset_limit(fruit):
    """``OFFSET 1 LIMIT 2`` skips the first result of the ordered list and keeps the next two."""
    results = cross_partition(fruit, "SELECT * FROM c ORDER BY c.stock OFFSET 1 LIMIT 2")
    assert names(results) == ["banana", "apple"]


def test_count_across_partitions(fruit):
    """``SELECT VALUE COUNT(1)`` counts every item of the container: one number, not a document."""
    assert cross_partition(fruit, "SELECT VALUE COUNT(1) FROM c") == [6]


def test_count_within_one_partition(fruit):
    """The same count with a partition key counts that partition only."""
    assert list(fruit.query_items("SELECT VALUE COUNT(1) FROM c", partition_key="red")) == [2]


def test_count_with_a_filter(fruit):
    """A count honours the WHERE clause."""
    query = "SELECT VALUE COUNT(1) FROM c WHERE c.stock >= @min"
    results = cross_partition(fruit, query, [{"name": "@min", "value": 5}])
    assert results == [3]


def test_projection_returns_only_the_selected_properties(fruit):
    """``SELECT c.name, c.stock`` returns objects with just those two properties, no system properties."""
    results = list(fruit.query_items("SELECT c.name, c.stock FROM c", partition_key="red"))
    assert sorted(results, key=lambda result: result["name"]) == [
        {"name": "apple", "stock": 3},
        {"name": "cherry", "stock": 7},
    ]


def test_projection_with_an_alias(fruit):
    """``AS`` renames a projected property."""
    results = list(fruit.query_items("SELECT c.name AS fruit FROM c WHERE c.id = '3'", partition_key="green"))
    assert results == [{"fruit": "lime"}]


def test_select_value_returns_bare_values(fruit):
    """``SELECT VALUE c.name`` returns the strings themselves, not objects wrapping them."""
    results = cross_partition(fruit, "SELECT VALUE c.name FROM c ORDER BY c.name")
    assert results == ["apple", "banana", "cherry", "kiwi", "lemon", "lime"]


def test_query_without_matches_returns_nothing(fruit):
    """A query nothing matches returns an empty result, not an error."""
    assert cross_partition(fruit, "SELECT * FROM c WHERE c.color = 'purple'") == []
