"""Paging: reading a feed or a query result a few items at a time, as the SDK does for large results.

The SDK asks for at most ``max_item_count`` items per request (``x-ms-max-item-count``); while more
remain, the service answers a continuation token (``x-ms-continuation``) that the SDK sends back to
get the next page. ``by_page()`` exposes those pages, and ``continuation_token`` lets an
application stop and resume later, even from another process.
"""

from __future__ import annotations

from typing import Any, Dict, List

import pytest


@pytest.fixture
def five_items(container) -> List[Dict[str, Any]]:
    """Five items in partition ``p`` of the test's container, numbered 1 to 5."""
    return [container.create_item({"id": f"item-{n}", "pk": "p", "n": n}) for n in range(1, 6)]


def pages_of(pager) -> List[List[Dict[str, Any]]]:
    """Every page of a ``by_page()`` iterator, each page as a list."""
    return [list(page) for page in pager]


def test_read_all_items_two_at_a_time(container, five_items):
    """``read_all_items(max_item_count=2)`` reads five items as pages of 2, 2 and 1, each item once."""
    pages = pages_of(container.read_all_items(max_item_count=2).by_page())
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(item["id"] for page in pages for item in page) == [f"item-{n}" for n in range(1, 6)]


def test_query_within_a_partition_two_at_a_time(container, five_items):
    """A single-partition query with ``max_item_count=2`` yields several pages that add up to all five items."""
    pager = container.query_items("SELECT * FROM c", partition_key="p", max_item_count=2).by_page()
    pages = pages_of(pager)
    assert len(pages) >= 3
    assert all(len(page) <= 2 for page in pages)
    assert sorted(item["n"] for page in pages for item in page) == [1, 2, 3, 4, 5]


def test_cross_partition_ordered_query_two_at_a_time(container):
    """Paging a cross-partition ``ORDER BY`` keeps the global order from one page to the next."""
    for n, partition in zip(range(1, 8), ["a", "b", "c", "a", "b", "c", "a"]):
        container.create_item({"id": f"item-{n}", "pk": partition, "n": n})
    pager = container.query_items(
        "SELECT * FROM c ORDER BY c.n DESC", enable_cross_partition_query=True, max_item_count=2
    ).by_page()
    pages = pages_of(pager)
    assert len(pages) >= 4
    assert all(len(page) <= 2 for page in pages)
    assert [item["n"] for page in pages for item in page] == [7, 6, 5, 4, 3, 2, 1]


def test_resume_from_a_continuation_token(container, five_items):
    """After one page, the continuation token alone resumes the query where it stopped, without repeats."""
    first_pages = container.query_items("SELECT * FROM c ORDER BY c.n", partition_key="p", max_item_count=2).by_page()
    first_page = list(next(first_pages))
    token = first_pages.continuation_token
    assert [item["n"] for item in first_page] == [1, 2]
    assert token, "a first page of a longer result must come with a continuation token"

    resumed = container.query_items(
        "SELECT * FROM c ORDER BY c.n", partition_key="p", max_item_count=2
    ).by_page(token)
    assert [item["n"] for page in resumed for item in page] == [3, 4, 5]


def test_no_continuation_after_the_last_page(container, five_items):
    """A page size larger than the result gives one page and no continuation token: the feed has ended."""
    pager = container.read_all_items(max_item_count=10).by_page()
    pages = pages_of(pager)
    assert [len(page) for page in pages] == [5]
    assert not pager.continuation_token
