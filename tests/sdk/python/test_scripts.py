"""Server-side scripts with the official SDK: stored procedures, triggers, user-defined functions (issue 12).

A container keeps JavaScript next to its data, and the SDK reaches it through ``container.scripts``:

- a **stored procedure** is run by a client (``execute_stored_procedure``, ``POST …/sprocs/<id>``)
  inside one logical partition (the ``partition_key`` argument), with ``params`` as its arguments.
  Its answer is what it set with ``getContext().getResponse().setBody(…)``. Everything it writes is
  one transaction: if it throws, the service answers **400** "Encountered exception while executing
  function…" and nothing it wrote remains;
- a **trigger** runs before (``Pre``) or after (``Post``) a document write, but only one that
  names it (``create_item(…, pre_trigger_include="stamp")``);
- a **user-defined function** is called from a query: ``SELECT VALUE udf.tax(c.price) FROM c``.

Running a stored procedure is a write, whatever the script does (seeds 001 and 003): it needs the
master key, or a resource token with ``All`` on the container or on the procedure itself
(``dbs/<db>/colls/<c>/sprocs/<id>``). A ``Read`` token is refused with **403**, even one on the
procedure, which may still read the procedure's definition; a read-only key with **401**, like any
write.
"""

from __future__ import annotations

import urllib.parse
from typing import Any, Dict, List

import pytest
from azure.cosmos import ContainerProxy, CosmosClient
from azure.cosmos import documents
from azure.cosmos.exceptions import CosmosHttpResponseError, CosmosResourceNotFoundError

from service_errors import service_message

#: Answers ``"Hello, <name>"`` and logs whom it greeted.
HELLO = """function hello(name) {
    console.log("greeting", name);
    getContext().getResponse().setBody("Hello, " + name);
}"""

#: Creates every item of its argument in the request's partition, and answers their ids.
CREATE_ALL = """function createAll(items) {
    var container = getContext().getCollection();
    var ids = [];
    items.forEach(function (item) {
        var accepted = container.createDocument(container.getSelfLink(), item, function (error, created) {
            if (error) throw error;
            ids.push(created.id);
            getContext().getResponse().setBody(ids);
        });
        if (!accepted) throw new Error("the service did not accept the write");
    });
}"""

#: Creates its argument, then throws: the whole run must be undone.
CREATE_THEN_THROW = """function createThenThrow(item) {
    var container = getContext().getCollection();
    container.createDocument(container.getSelfLink(), item, function (error) {
        if (error) throw error;
        throw new Error("changed my mind");
    });
}"""

#: A pre-trigger that stamps the document being written with ``"stamped": true``.
STAMP = """function stamp() {
    var request = getContext().getRequest();
    var item = request.getBody();
    item.stamped = true;
    request.setBody(item);
}"""

EXECUTE_FAILED_MESSAGE = "Encountered exception while executing function"
INSUFFICIENT_MESSAGE = "Insufficient permissions provided in the authorization header for the corresponding request"


def container_of(cosmos_client: CosmosClient, container_link: str) -> ContainerProxy:
    """The container ``dbs/<db>/colls/<c>`` seen through ``cosmos_client`` (no request is sent)."""
    _, database_id, _, container_id = container_link.split("/")
    return cosmos_client.get_database_client(database_id).get_container_client(container_id)


def grant_token(database, user_id: str, mode: str, resource: str) -> str:
    """Creates user ``user_id`` and a permission ``mode`` on ``resource`` for it (master key); its token."""
    user = database.create_user(body={"id": user_id})
    permission = user.create_permission({"id": f"{user_id}-permission", "permissionMode": mode, "resource": resource})
    return permission.properties["_token"]


@pytest.fixture
def hello(container) -> Dict[str, Any]:
    """The stored procedure ``hello`` in the test's container (master key); its definition."""
    return container.scripts.create_stored_procedure(body={"id": "hello", "body": HELLO})


def test_create_and_execute_a_stored_procedure_with_the_master_key(container):
    """The master key creates a stored procedure, reads and lists it, and runs it with arguments.

    The created procedure comes back with its id, its source and the system properties; running it
    in partition ``"a"`` with the parameter ``"Alice"`` answers ``"Hello, Alice"``. With script
    logging enabled, its ``console.log`` line comes back, percent-encoded, in
    ``x-ms-documentdb-script-log-results``. A procedure that sets no body answers nothing, without
    an error.
    """
    created = container.scripts.create_stored_procedure(body={"id": "hello", "body": HELLO})
    assert created["id"] == "hello"
    assert created["body"] == HELLO
    for system_property in ("_rid", "_self", "_etag", "_ts"):
        assert system_property in created, system_property

    assert container.scripts.get_stored_procedure("hello")["body"] == HELLO
    assert [sproc["id"] for sproc in container.scripts.list_stored_procedures()] == ["hello"]

    assert container.scripts.execute_stored_procedure(sproc="hello", params=["Alice"], partition_key="a") == "Hello, Alice"

    headers: List[Dict[str, str]] = []
    answer = container.scripts.execute_stored_procedure(
        sproc="hello",
        params=["Zoë"],
        partition_key="a",
        enable_script_logging=True,
        raw_response_hook=lambda response: headers.append(dict(response.http_response.headers)),
    )
    assert answer == "Hello, Zoë"
    log = headers[-1].get("x-ms-documentdb-script-log-results")
    assert log is not None, headers[-1]
    assert urllib.parse.unquote(log) == "greeting Zoë"

    container.scripts.create_stored_procedure(body={"id": "quiet", "body": "function quiet() {}"})
    assert container.scripts.execute_stored_procedure(sproc="quiet", params=[], partition_key="a") is None


def test_a_stored_procedure_writes_in_its_partition(container):
    """A procedure that creates documents writes them in the partition the request names.

    Run in partition ``"a"``, ``createAll`` creates two documents of that partition and answers
    their ids; the master key then reads both there.
    """
    container.scripts.create_stored_procedure(body={"id": "createAll", "body": CREATE_ALL})
    items = [{"id": "one", "pk": "a", "n": 1}, {"id": "two", "pk": "a", "n": 2}]

    answer = container.scripts.execute_stored_procedure(sproc="createAll", params=[items], partition_key="a")

    assert answer == ["one", "two"]
    assert container.read_item(item="one", partition_key="a")["n"] == 1
    assert container.read_item(item="two", partition_key="a")["n"] == 2


def test_a_throwing_stored_procedure_is_rolled_back(container):
    """A procedure that creates a document and then throws: 400, and the document does not exist.

    The service runs a procedure as one transaction, so its write is undone with the throw. The
    error's message is the service's, "Encountered exception while executing function", followed by
    what the script threw.
    """
    container.scripts.create_stored_procedure(body={"id": "createThenThrow", "body": CREATE_THEN_THROW})

    with pytest.raises(CosmosHttpResponseError) as raised:
        container.scripts.execute_stored_procedure(
            sproc="createThenThrow", params=[{"id": "ghost", "pk": "a"}], partition_key="a"
        )

    assert raised.value.status_code == 400, raised.value
    message = service_message(raised.value)
    assert EXECUTE_FAILED_MESSAGE in message, message
    assert "changed my mind" in message, message
    with pytest.raises(CosmosResourceNotFoundError):
        container.read_item(item="ghost", partition_key="a")
    assert list(container.read_all_items()) == []


def test_a_token_with_all_on_the_procedure_runs_it(emulator, token_client, database, container, hello):
    """A resource token with ``All`` on ``dbs/<db>/colls/<c>/sprocs/hello`` runs that procedure and reads it.

    The token client holds that one token, keyed by the procedure's full link, and nothing else;
    running ``hello`` answers as with the master key.
    """
    link = f"{container.container_link}/sprocs/hello"
    token = grant_token(database, "runner", "All", link)
    runner = container_of(token_client(emulator, {link: token}), container.container_link)

    assert runner.scripts.execute_stored_procedure(sproc="hello", params=["token"], partition_key="a") == "Hello, token"
    assert runner.scripts.get_stored_procedure("hello")["body"] == HELLO


def test_a_read_token_on_the_procedure_cannot_run_it(emulator, token_client, database, container, hello):
    """A resource token with ``Read`` on the procedure reads its definition, but running it is refused with 403.

    Running a procedure is a write whatever the script does, so ``Read`` is not enough: the service
    answers 403 "Insufficient permissions…", and the emulator names the rule in
    ``x-cosmolab-deny-reason``.
    """
    link = f"{container.container_link}/sprocs/hello"
    token = grant_token(database, "reader", "Read", link)
    reader = container_of(token_client(emulator, {link: token}), container.container_link)

    assert reader.scripts.get_stored_procedure("hello")["body"] == HELLO
    with pytest.raises(CosmosHttpResponseError) as raised:
        reader.scripts.execute_stored_procedure(sproc="hello", params=["token"], partition_key="a")

    assert raised.value.status_code == 403, raised.value
    assert service_message(raised.value).startswith(INSUFFICIENT_MESSAGE), service_message(raised.value)
    assert raised.value.response.headers.get("x-cosmolab-deny-reason"), "the emulator says why"


def test_a_read_only_key_cannot_run_a_procedure(emulator, container, hello):
    """A read-only key reads stored procedures, but running one is a write: 401, as for every write."""
    with CosmosClient(emulator.endpoint, credential=emulator.keys.primary_readonly) as reader_client:
        reader = container_of(reader_client, container.container_link)
        assert reader.scripts.get_stored_procedure("hello")["id"] == "hello"
        with pytest.raises(CosmosHttpResponseError) as raised:
            reader.scripts.execute_stored_procedure(sproc="hello", params=["x"], partition_key="a")
    assert raised.value.status_code == 401, raised.value


def test_a_pre_trigger_stamps_the_items_that_name_it(container):
    """A ``Pre``/``Create`` trigger changes the body of the creates that name it, and of no other write.

    The trigger is created with the SDK's own constants (``documents.TriggerType.Pre`` is ``"pre"``),
    then ``create_item(…, pre_trigger_include="stamp")`` stores the item with ``"stamped": true``; a
    create that does not name it is stored as sent. Naming a trigger that does not exist is 400.
    """
    created = container.scripts.create_trigger(
        body={
            "id": "stamp",
            "body": STAMP,
            "triggerType": documents.TriggerType.Pre,
            "triggerOperation": documents.TriggerOperation.Create,
        }
    )
    assert created["id"] == "stamp"
    assert [trigger["id"] for trigger in container.scripts.list_triggers()] == ["stamp"]

    stamped = container.create_item({"id": "one", "pk": "a"}, pre_trigger_include="stamp")
    assert stamped["stamped"] is True
    assert container.read_item(item="one", partition_key="a")["stamped"] is True

    plain = container.create_item({"id": "two", "pk": "a"})
    assert "stamped" not in plain

    with pytest.raises(CosmosHttpResponseError) as raised:
        container.create_item({"id": "three", "pk": "a"}, pre_trigger_include="missing")
    assert raised.value.status_code == 400, raised.value


def test_a_user_defined_function_in_a_query(container):
    """A user-defined function created through the SDK is called from a query as ``udf.<id>(…)``.

    ``tax`` returns a tenth of its argument: the query's values are the function's results, in one
    partition and across partitions, and it can filter too.
    """
    container.scripts.create_user_defined_function(body={"id": "tax", "body": "function tax(price) { return price / 10; }"})
    assert [udf["id"] for udf in container.scripts.list_user_defined_functions()] == ["tax"]
    for item_id, pk, price in [("one", "a", 10), ("two", "a", 20), ("three", "b", 30)]:
        container.create_item({"id": item_id, "pk": pk, "price": price})

    in_a = list(container.query_items("SELECT VALUE udf.tax(c.price) FROM c", partition_key="a"))
    assert sorted(in_a) == [1, 2]

    everywhere = list(
        container.query_items(
            "SELECT c.id, udf.tax(c.price) AS tax FROM c WHERE udf.tax(c.price) > 2",
            enable_cross_partition_query=True,
        )
    )
    assert everywhere == [{"id": "three", "tax": 3}]
