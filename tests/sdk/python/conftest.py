"""Fixtures shared by the SDK tests: a running emulator, an SDK client on it, a fresh database.

How the pieces fit:

- ``scheme`` is ``http`` or ``https``. Every test that uses an emulator runs **once per scheme**, so
  the whole suite proves the SDK works over plain http and over TLS (``--tls``, self-signed
  certificate) alike. Test ids end in ``[http]`` or ``[https]``.
- ``emulator`` is one emulator per scheme, started once for the whole session with known keys
  (the well-known emulator key as primary, random keys for the other three). Tests share it, so each
  one works in a database of its own (``database``), named after the test plus a random suffix.
- ``private_emulator`` is an emulator of the test's own, for tests that change the account itself
  (regenerating keys would break every other test sharing the emulator).
- ``time_travel_emulator`` is an emulator of the test's own started with ``--enable-time-travel``,
  whose token clock ``admin_api.advance_clock`` moves forward (the clock never goes back, so no
  other test may share it). The shared emulators keep time travel disabled.
- ``client`` is the official SDK's ``CosmosClient`` on the shared emulator, with the primary key.
- ``token_client`` opens SDK clients that hold **resource tokens** instead of a key, the way an
  application handed tokens by a mid-tier service builds them: ``token_client(emulator, {link: token})``.

When a test fails, its report gets a section with what the emulator logged during that test.

With ``COSMOLAB_EMULATOR_IMAGE`` set, every emulator above is a container of that image (see
``emulator_process.start_emulator_container``): the same suite, against the emulator as its image
users run it.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable, Dict, Iterator, List, Mapping

import pytest
from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy, PartitionKey
from azure.cosmos.exceptions import CosmosResourceNotFoundError

from emulator_process import (
    AccountKeys,
    Emulator,
    emulator_binary_from_environment,
    emulator_image_from_environment,
    start_emulator,
    start_emulator_container,
)

#: Every emulator this session started, so failed tests can show the relevant part of their logs.
_RUNNING_EMULATORS: List[Emulator] = []

#: Where each test's setup found each emulator's log (emulator → byte offset).
_LOG_BOOKMARKS = pytest.StashKey[Dict[int, int]]()


@pytest.fixture(scope="session")
def emulator_launcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Emulator]]:
    """A function that starts an emulator for a scheme; all of them are stopped at the end of the session.

    ``launch(scheme, time_travel=True)`` starts it with ``--enable-time-travel``.
    """
    started: List[Emulator] = []

    def launch(scheme: str, *, time_travel: bool = False) -> Emulator:
        problem = None
        try:
            workdir = tmp_path_factory.mktemp(f"emulator-{scheme}")
            image = emulator_image_from_environment()
            if image is not None:
                emulator = start_emulator_container(
                    image, scheme, AccountKeys.generate(), workdir, time_travel=time_travel
                )
            else:
                binary = emulator_binary_from_environment()
                emulator = start_emulator(binary, scheme, AccountKeys.generate(), workdir, time_travel=time_travel)
        except RuntimeError as error:
            problem = str(error)
        if problem is not None:
            # The reason alone, instead of a traceback through the fixture machinery.
            pytest.fail(problem, pytrace=False)
        started.append(emulator)
        _RUNNING_EMULATORS.append(emulator)
        return emulator

    yield launch
    for emulator in started:
        emulator.stop()
        _RUNNING_EMULATORS.remove(emulator)


@pytest.fixture(scope="session", params=["http", "https"])
def scheme(request: pytest.FixtureRequest) -> str:
    """The scheme the emulator serves: every test runs over plain http and over TLS."""
    return request.param


@pytest.fixture(scope="session")
def emulator(emulator_launcher: Callable[[str], Emulator], scheme: str) -> Emulator:
    """The emulator the tests share (one per scheme), with the keys of ``AccountKeys.generate()``."""
    return emulator_launcher(scheme)


@pytest.fixture
def private_emulator(emulator_launcher: Callable[..., Emulator], scheme: str) -> Iterator[Emulator]:
    """An emulator for this test alone, for tests that change the account (its keys)."""
    emulator = emulator_launcher(scheme)
    yield emulator
    emulator.stop()


@pytest.fixture
def time_travel_emulator(emulator_launcher: Callable[..., Emulator], scheme: str) -> Iterator[Emulator]:
    """An emulator for this test alone, started with ``--enable-time-travel``.

    Its token clock can be moved forward with ``admin_api.advance_clock``, to expire resource
    tokens without waiting. The clock never goes back, so such an emulator is never shared.
    """
    emulator = emulator_launcher(scheme, time_travel=True)
    yield emulator
    emulator.stop()


@pytest.fixture(scope="session")
def client(emulator: Emulator) -> Iterator[CosmosClient]:
    """The official SDK's client on the shared emulator, signing with the primary (read-write) key."""
    with CosmosClient(emulator.endpoint, credential=emulator.keys.primary) as cosmos_client:
        yield cosmos_client


@pytest.fixture
def token_client() -> Iterator[Callable[[Emulator, Mapping[str, Any]], CosmosClient]]:
    """Opens SDK clients that authenticate with resource tokens; all are closed after the test.

    ``token_client(emulator, {"dbs/db/colls/c": token})`` is ``CosmosClient(endpoint, tokens)``: a
    dict credential is taken by the SDK as resource tokens, keyed by **full resource links**
    (protocol.md §6). Building the client already sends ``GET /`` with the first token.
    """
    opened: List[CosmosClient] = []

    def open_client(emulator: Emulator, tokens: Mapping[str, Any]) -> CosmosClient:
        cosmos_client = CosmosClient(emulator.endpoint, credential=dict(tokens))
        opened.append(cosmos_client)
        return cosmos_client

    yield open_client
    for cosmos_client in opened:
        cosmos_client.close()


@pytest.fixture
def database_id(request: pytest.FixtureRequest) -> str:
    """A database id no other test uses: the test's name and a random suffix."""
    return f"{request.node.originalname}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def database(client: CosmosClient, database_id: str) -> Iterator[DatabaseProxy]:
    """A new, empty database for this test, deleted afterwards."""
    created = client.create_database(database_id)
    yield created
    try:
        client.delete_database(database_id)
    except CosmosResourceNotFoundError:
        pass  # the test deleted it itself


@pytest.fixture
def container(database: DatabaseProxy) -> ContainerProxy:
    """A new, empty container ``items`` in this test's database, partitioned on ``/pk``."""
    return database.create_container(id="items", partition_key=PartitionKey(path="/pk"))


# ------------------------------------------------------------------------------------------------
# Emulator logs in failure reports
# ------------------------------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """Bookmarks each running emulator's log before the test, to show only this test's part of it."""
    item.stash[_LOG_BOOKMARKS] = {id(emulator): emulator.log_size() for emulator in _RUNNING_EMULATORS}
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Adds the emulators' log lines of a failed test to its report."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    bookmarks = item.stash.get(_LOG_BOOKMARKS, {})
    funcargs = getattr(item, "funcargs", {})
    emulators = [value for value in funcargs.values() if isinstance(value, Emulator)]
    for emulator in emulators:
        # An emulator started during this test's setup has no bookmark: all of its log is this test's.
        log = emulator.log_since(bookmarks.get(id(emulator), 0))
        report.sections.append((f"emulator log ({emulator.endpoint})", log or "(nothing logged)"))
