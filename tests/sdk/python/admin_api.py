"""The emulator's key-management API: what the Azure portal's "Keys" blade does for a real account.

A real account's keys are listed and regenerated through Azure Resource Manager (``listKeys`` and
``regenerateKey``), not through the Cosmos endpoint. cosmolab's emulator has no Resource Manager, so
it offers the same two operations, with the same JSON shapes, under ``/_cosmolab``:

- ``GET  /_cosmolab/keys``            → ``{"primaryMasterKey", "secondaryMasterKey",
  "primaryReadonlyMasterKey", "secondaryReadonlyMasterKey"}``
- ``POST /_cosmolab/keys/regenerate`` with ``{"keyKind": "primary" | "secondary" |
  "primaryReadonly" | "secondaryReadonly"}`` → the new set of keys
- ``GET  /_cosmolab/health``          → 200, without authentication
- ``POST /_cosmolab/clock/advance`` with ``{"seconds": N}`` → ``{"offsetSeconds": total}``: moves
  the clock that resource-token lifetimes are minted and checked against forward by ``N`` seconds
  (``x-ms-date`` keeps being checked against real time). Only an emulator started with
  ``--enable-time-travel`` has it (404 otherwise); Azure has nothing like it.

The key and clock operations are signed exactly like a Cosmos request, with the resource type and link
derived from the path by the usual rule (``hand_signed.resource_type_and_link``), and with the
**current primary read-write key** (the role Resource Manager's own authentication plays for a real
account). So ``GET /_cosmolab/keys`` (two segments, one resource) is signed as type ``_cosmolab``,
link ``_cosmolab/keys``, and ``POST /_cosmolab/keys/regenerate`` (three segments, a feed) as type
``regenerate``, link ``_cosmolab/keys``; ``POST /_cosmolab/clock/advance`` as type ``advance``, link
``_cosmolab/clock``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import hand_signed

#: The names of the four keys in a ``listKeys`` answer, and the ``keyKind`` that regenerates each.
KEY_FIELDS_BY_KIND = {
    "primary": "primaryMasterKey",
    "secondary": "secondaryMasterKey",
    "primaryReadonly": "primaryReadonlyMasterKey",
    "secondaryReadonly": "secondaryReadonlyMasterKey",
}


def list_keys_reply(endpoint: str, *, signed_with: str) -> hand_signed.Reply:
    """``GET /_cosmolab/keys``, signed with ``signed_with``; the raw reply, for tests of refusals."""
    return hand_signed.send(endpoint, "GET", "/_cosmolab/keys", key=signed_with)


def regenerate_key_reply(endpoint: str, key_kind: str, *, signed_with: str) -> hand_signed.Reply:
    """``POST /_cosmolab/keys/regenerate`` for ``key_kind``, signed with ``signed_with``; the raw reply."""
    return hand_signed.send(endpoint, "POST", "/_cosmolab/keys/regenerate", key=signed_with, body={"keyKind": key_kind})


def list_keys(endpoint: str, *, signed_with: str) -> Dict[str, str]:
    """The account's four keys, as Resource Manager's ``listKeys`` returns them."""
    return _expect_keys(list_keys_reply(endpoint, signed_with=signed_with), "GET /_cosmolab/keys")


def regenerate_key(endpoint: str, key_kind: str, *, signed_with: str) -> Dict[str, str]:
    """Replaces one key with a new random one and returns all four keys afterwards."""
    reply = regenerate_key_reply(endpoint, key_kind, signed_with=signed_with)
    return _expect_keys(reply, f"POST /_cosmolab/keys/regenerate {key_kind}")


def advance_clock_reply(endpoint: str, seconds: int, *, signed_with: str) -> hand_signed.Reply:
    """``POST /_cosmolab/clock/advance`` by ``seconds``, signed with ``signed_with``; the raw reply."""
    return hand_signed.send(
        endpoint, "POST", "/_cosmolab/clock/advance", key=signed_with, body={"seconds": seconds}
    )


def advance_clock(endpoint: str, seconds: int, *, signed_with: str) -> int:
    """Moves the emulator's token clock forward by ``seconds``; returns how far ahead it now is in total.

    Needs an emulator started with ``--enable-time-travel`` (the ``time_travel_emulator`` fixture).
    """
    reply = advance_clock_reply(endpoint, seconds, signed_with=signed_with)
    reason: Optional[str] = reply.header("x-cosmolab-deny-reason")
    assert reply.status == 200, (
        f"POST /_cosmolab/clock/advance answered {reply.status} ({reason or 'no deny reason'}): {reply.body}"
    )
    return reply.json()["offsetSeconds"]


def health(endpoint: str) -> hand_signed.Reply:
    """``GET /_cosmolab/health``, sent with no ``Authorization`` header at all."""
    return hand_signed.send(endpoint, "GET", "/_cosmolab/health", authorization=None)


def _expect_keys(reply: hand_signed.Reply, what: str) -> Dict[str, str]:
    """The keys in a successful reply; anything else is an assertion error that shows the reply."""
    reason: Optional[str] = reply.header("x-cosmolab-deny-reason")
    assert reply.status == 200, f"{what} answered {reply.status} ({reason or 'no deny reason'}): {reply.body}"
    keys = reply.json()
    assert set(keys) == set(KEY_FIELDS_BY_KIND.values()), f"{what} answered unexpected fields: {keys}"
    return keys


# Entra ID and role-based access control (seed 004). On Azure these are Entra app registrations and
# Resource Manager's ``sqlRoleDefinitions`` / ``sqlRoleAssignments``; the emulator serves them under
# ``/_cosmolab/``, signed with the primary key like the key operations above.


def _expect(reply: hand_signed.Reply, statuses: tuple, what: str) -> Any:
    reason: Optional[str] = reply.header("x-cosmolab-deny-reason")
    assert reply.status in statuses, f"{what} answered {reply.status} ({reason or 'no deny reason'}): {reply.body}"
    return reply.json() if reply.body else None


def register_application(endpoint: str, display_name: str, *, signed_with: str) -> Dict[str, str]:
    """Registers an application with the identity provider: ``clientId``, ``clientSecret`` (shown
    this once), ``objectId`` (what roles are assigned to) and ``tenantId``."""
    reply = hand_signed.send(
        endpoint, "POST", "/_cosmolab/identity/applications", key=signed_with, body={"displayName": display_name}
    )
    return _expect(reply, (201,), "POST /_cosmolab/identity/applications")


def put_role_definition(endpoint: str, role_id: str, properties: Dict[str, Any], *, signed_with: str) -> Any:
    """Creates or replaces a custom role (Resource Manager's ``sqlRoleDefinitions`` shape)."""
    reply = hand_signed.send(
        endpoint, "PUT", f"/_cosmolab/sqlRoleDefinitions/{role_id}", key=signed_with, body={"properties": properties}
    )
    return _expect(reply, (200, 201), f"PUT sqlRoleDefinitions/{role_id}")


def assign_role(
    endpoint: str, assignment_id: str, role_id: str, scope: str, principal_id: str, *, signed_with: str
) -> Any:
    """Gives ``principal_id`` the role ``role_id`` at ``scope`` (``/``, ``/dbs/<db>``, ``/dbs/<db>/colls/<c>``)."""
    body = {"properties": {"roleDefinitionId": role_id, "scope": scope, "principalId": principal_id}}
    reply = hand_signed.send(
        endpoint, "PUT", f"/_cosmolab/sqlRoleAssignments/{assignment_id}", key=signed_with, body=body
    )
    return _expect(reply, (200, 201), f"PUT sqlRoleAssignments/{assignment_id}")


def delete_role_assignment(endpoint: str, assignment_id: str, *, signed_with: str) -> None:
    reply = hand_signed.send(endpoint, "DELETE", f"/_cosmolab/sqlRoleAssignments/{assignment_id}", key=signed_with)
    _expect(reply, (204,), f"DELETE sqlRoleAssignments/{assignment_id}")


def set_disable_local_auth(endpoint: str, disabled: bool, *, signed_with: str) -> None:
    """The account setting ``disableLocalAuth`` (a Resource Manager ``PATCH`` on Azure)."""
    reply = hand_signed.send(
        endpoint,
        "PATCH",
        "/_cosmolab/account",
        key=signed_with,
        body={"properties": {"disableLocalAuth": disabled}},
    )
    _expect(reply, (200,), "PATCH /_cosmolab/account")


def audit_records(endpoint: str, *, signed_with: str) -> List[Dict[str, Any]]:
    """The emulator's recent audit records, oldest first."""
    reply = hand_signed.send(endpoint, "GET", "/_cosmolab/audit", key=signed_with)
    return _expect(reply, (200,), "GET /_cosmolab/audit")
