"""Entra ID with the official SDK (seed 004): a service principal signs in to the emulator's
identity provider, and its role assignments decide what ``azure-cosmos`` may do.

The SDK takes any ``TokenCredential`` (``get_token(*scopes) -> AccessToken``); azure-identity's
credentials talk to login.microsoftonline.com, so ``EmulatorClientSecretCredential`` below does the
same client-credentials request against the emulator's token endpoint. azure-core refuses to send
a bearer token over plain http, so every test here runs on an https emulator.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Dict, Iterator

import pytest
from azure.core.credentials import AccessToken
from azure.cosmos import CosmosClient, PartitionKey
from azure.cosmos.exceptions import CosmosHttpResponseError

import admin_api
from emulator_process import Emulator

READER = "00000000-0000-0000-0000-000000000001"
CONTRIBUTOR = "00000000-0000-0000-0000-000000000002"
ITEMS_READ = "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read"
READ_METADATA = "Microsoft.DocumentDB/databaseAccounts/readMetadata"


class EmulatorClientSecretCredential:
    """A service principal's client secret, exchanged at the emulator's token endpoint."""

    def __init__(self, endpoint: str, tenant: str, client_id: str, client_secret: str) -> None:
        self._token_endpoint = f"{endpoint}{tenant}/oauth2/v2.0/token"
        self._client_id = client_id
        self._client_secret = client_secret
        self.requests = 0

    def __repr__(self) -> str:  # never the secret
        return f"EmulatorClientSecretCredential(client_id={self._client_id!r})"

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        self.requests += 1
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
                "scope": " ".join(scopes),
            }
        ).encode("ascii")
        # The emulator's certificate is self-signed; the SDK itself does not verify it on 127.0.0.1.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(self._token_endpoint, data=form, timeout=10, context=context) as reply:
            answer = json.load(reply)
        return AccessToken(answer["access_token"], int(time.time()) + int(answer["expires_in"]))


@pytest.fixture
def entra_emulator(emulator_launcher: Callable[..., Emulator]) -> Iterator[Emulator]:
    """An https emulator of the test's own, with database ``shop`` and containers ``orders`` and
    ``payroll`` (partitioned on ``/pk``), one order in ``orders``."""
    emulator = emulator_launcher("https")
    with CosmosClient(emulator.endpoint, credential=emulator.keys.primary) as owner:
        shop = owner.create_database("shop")
        for name in ("orders", "payroll"):
            shop.create_container(name, partition_key=PartitionKey(path="/pk"))
        shop.get_container_client("orders").create_item({"id": "o1", "pk": "a", "total": 10})
    yield emulator
    emulator.stop()


def principal(emulator: Emulator) -> Dict[str, str]:
    """A freshly registered application."""
    return admin_api.register_application(
        emulator.endpoint, f"app-{uuid.uuid4().hex[:8]}", signed_with=emulator.keys.primary
    )


def entra_client(emulator: Emulator, app: Dict[str, str]) -> CosmosClient:
    credential = EmulatorClientSecretCredential(
        emulator.endpoint, app["tenantId"], app["clientId"], app["clientSecret"]
    )
    return CosmosClient(emulator.endpoint, credential=credential)


def status_of(call: Callable[[], Any]) -> int:
    try:
        call()
    except CosmosHttpResponseError as error:
        return error.status_code
    return 200


def test_reader_reads_and_queries_but_does_not_write(entra_emulator: Emulator) -> None:
    app = principal(entra_emulator)
    admin_api.assign_role(
        entra_emulator.endpoint, "r", READER, "/dbs/shop/colls/orders", app["objectId"],
        signed_with=entra_emulator.keys.primary,
    )  # fmt: skip
    with entra_client(entra_emulator, app) as client:
        orders = client.get_database_client("shop").get_container_client("orders")
        assert orders.read_item("o1", partition_key="a")["total"] == 10
        found = list(orders.query_items("SELECT * FROM c", partition_key="a"))
        assert [item["id"] for item in found] == ["o1"]
        with pytest.raises(CosmosHttpResponseError) as refused:
            orders.create_item({"id": "o2", "pk": "a"})
        assert refused.value.status_code == 403
        assert app["objectId"] in refused.value.message
        assert "items/create" in refused.value.message


def test_contributor_writes(entra_emulator: Emulator) -> None:
    app = principal(entra_emulator)
    admin_api.assign_role(
        entra_emulator.endpoint, "c", CONTRIBUTOR, "/dbs/shop", app["objectId"],
        signed_with=entra_emulator.keys.primary,
    )  # fmt: skip
    with entra_client(entra_emulator, app) as client:
        orders = client.get_database_client("shop").get_container_client("orders")
        orders.upsert_item({"id": "o2", "pk": "a", "total": 5})
        assert orders.read_item("o2", partition_key="a")["total"] == 5
        orders.delete_item("o2", partition_key="a")


def test_a_custom_role_with_only_items_read_cannot_query(entra_emulator: Emulator) -> None:
    """Point reads but no queries. The SDK reads the container's properties before any item
    operation, so a usable role always includes ``readMetadata`` as well."""
    app = principal(entra_emulator)
    admin_api.put_role_definition(
        entra_emulator.endpoint,
        "point-reader",
        {
            "roleName": "Point reader",
            "type": "CustomRole",
            "assignableScopes": ["/"],
            "permissions": [{"dataActions": [READ_METADATA, ITEMS_READ]}],
        },
        signed_with=entra_emulator.keys.primary,
    )
    admin_api.assign_role(
        entra_emulator.endpoint, "p", "point-reader", "/dbs/shop/colls/orders", app["objectId"],
        signed_with=entra_emulator.keys.primary,
    )  # fmt: skip
    with entra_client(entra_emulator, app) as client:
        orders = client.get_database_client("shop").get_container_client("orders")
        assert orders.read_item("o1", partition_key="a")["id"] == "o1"
        with pytest.raises(CosmosHttpResponseError) as refused:
            list(orders.query_items("SELECT * FROM c", partition_key="a"))
        assert refused.value.status_code == 403
        assert "executeQuery" in refused.value.message


def test_a_container_scope_does_not_reach_its_neighbour(entra_emulator: Emulator) -> None:
    app = principal(entra_emulator)
    admin_api.assign_role(
        entra_emulator.endpoint, "r", READER, "/dbs/shop/colls/orders", app["objectId"],
        signed_with=entra_emulator.keys.primary,
    )  # fmt: skip
    with entra_client(entra_emulator, app) as client:
        payroll = client.get_database_client("shop").get_container_client("payroll")
        assert status_of(lambda: payroll.read_item("x", partition_key="a")) == 403
        assert status_of(lambda: list(client.list_databases())) == 403


def test_a_deleted_assignment_refuses_at_once(entra_emulator: Emulator) -> None:
    app = principal(entra_emulator)
    admin_api.assign_role(
        entra_emulator.endpoint, "r", READER, "/", app["objectId"], signed_with=entra_emulator.keys.primary
    )
    with entra_client(entra_emulator, app) as client:
        orders = client.get_database_client("shop").get_container_client("orders")
        assert status_of(lambda: orders.read_item("o1", partition_key="a")) == 200
        admin_api.delete_role_assignment(entra_emulator.endpoint, "r", signed_with=entra_emulator.keys.primary)
        assert status_of(lambda: orders.read_item("o1", partition_key="a")) == 403


def test_disable_local_auth_refuses_the_master_key_but_not_entra(entra_emulator: Emulator) -> None:
    app = principal(entra_emulator)
    admin_api.assign_role(
        entra_emulator.endpoint, "r", READER, "/", app["objectId"], signed_with=entra_emulator.keys.primary
    )
    admin_api.set_disable_local_auth(entra_emulator.endpoint, True, signed_with=entra_emulator.keys.primary)
    with pytest.raises(CosmosHttpResponseError) as refused:
        with CosmosClient(entra_emulator.endpoint, credential=entra_emulator.keys.primary) as keyed:
            list(keyed.list_databases())
    assert refused.value.status_code == 401
    assert "Local Authorization is disabled" in refused.value.message
    with entra_client(entra_emulator, app) as client:
        assert [db["id"] for db in client.list_databases()] == ["shop"]


def test_the_audit_log_names_the_principal_and_the_assignment(entra_emulator: Emulator) -> None:
    app = principal(entra_emulator)
    admin_api.assign_role(
        entra_emulator.endpoint, "reader-on-orders", READER, "/dbs/shop/colls/orders", app["objectId"],
        signed_with=entra_emulator.keys.primary,
    )  # fmt: skip
    with entra_client(entra_emulator, app) as client:
        orders = client.get_database_client("shop").get_container_client("orders")
        orders.read_item("o1", partition_key="a")
        assert status_of(lambda: orders.create_item({"id": "o9", "pk": "a"})) == 403
    records = [
        record
        for record in admin_api.audit_records(entra_emulator.endpoint, signed_with=entra_emulator.keys.primary)
        if record.get("aadPrincipalId") == app["objectId"]
    ]
    allowed = [r for r in records if r["operation"] == "Read" and r["resourceType"] == "docs"]
    assert allowed and allowed[-1]["aadAppliedRoleAssignmentId"] == "reader-on-orders"
    denied = [r for r in records if r["statusCode"] == 403]
    assert denied and denied[-1]["operation"] == "Create" and "denyReason" in denied[-1]
    assert app["clientSecret"] not in json.dumps(records)
