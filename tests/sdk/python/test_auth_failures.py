"""How requests that fail authentication are answered: status, message, and the emulator's reason.

The service distinguishes two kinds of refusal (protocol-details.md §5.4):

- **401 Unauthorized**: the credential cannot be checked or does not match: a wrong key, a
  signature over the wrong text, a missing or malformed ``Authorization`` header. For a signature
  mismatch the message quotes the string the server signed, so a developer can compare it with
  their own: the most useful debugging aid in the protocol.
- **403 Forbidden**: the signature is right but not valid *now*: an ``x-ms-date`` outside the
  15 minutes a signature lives.

Every refusal also carries ``x-cosmolab-deny-reason``, one sentence on the rule that refused it
(the emulator's addition for learners). The SDK always signs correctly with the current time, so
most of these requests are signed by hand (``hand_signed.py``); the wrong-key case is also shown
the way an application meets it, through the SDK.
"""

from __future__ import annotations

import pytest
from azure.cosmos import CosmosClient
from azure.cosmos.exceptions import CosmosHttpResponseError

import hand_signed
from emulator_process import random_key
from service_errors import service_message

WRONG_KEY_MESSAGE = "The input authorization token can't serve the request"
NOT_VALID_NOW_MESSAGE = "The authorization token is not valid at the current time"
MISSING_MESSAGE = "Required Header authorization is missing"
MALFORMED_MESSAGE = "Authorization header doesn't confirm to the required format"


def assert_refused(reply: hand_signed.Reply, status: int, code: str) -> str:
    """The reply is a refusal with this status and error code, and a deny reason; returns its message."""
    assert reply.status == status, f"expected {status}, got {reply.status}: {reply.body}"
    error = reply.json()
    assert error.get("code") == code, error
    assert isinstance(error.get("message"), str) and error["message"], error
    reason = reply.header("x-cosmolab-deny-reason")
    assert reason and reason.strip(), "a refused request must carry x-cosmolab-deny-reason"
    return error["message"]


def test_sdk_client_with_a_wrong_key_gets_401(emulator):
    """A client built with a key the account does not have fails on its first request, the account read.

    The SDK retries that read a few times (about 1.5 s), then raises the 401, whose message quotes
    what the server signed for ``GET /``: an empty resource type and link.
    """
    with pytest.raises(CosmosHttpResponseError) as raised:
        with CosmosClient(emulator.endpoint, credential=random_key()) as cosmos_client:
            cosmos_client.get_database_account()
    error = raised.value
    assert error.status_code == 401
    message = service_message(error)
    assert WRONG_KEY_MESSAGE in message, message
    payload = hand_signed.signed_payload_in(message)
    assert payload is not None, f"no signed payload in the message: {message}"
    verb, resource_type, link, date, empty, end = payload.split("\n")
    assert (verb, resource_type, link, empty, end) == ("get", "", "", "", "")
    assert date.endswith(" gmt") and date == date.lower()


def test_wrong_key_401_quotes_exactly_the_payload_the_server_signed(emulator, database):
    """Signed with a wrong key, a read of a database is a 401 quoting the very string we signed."""
    date = hand_signed.http_date()
    reply = hand_signed.send(emulator.endpoint, "GET", f"/dbs/{database.id}/", key=random_key(), date=date)
    message = assert_refused(reply, 401, "Unauthorized")
    assert WRONG_KEY_MESSAGE in message
    assert hand_signed.signed_payload_in(message) == hand_signed.string_to_sign(
        "GET", "dbs", f"dbs/{database.id}", date
    )


def test_right_key_over_the_wrong_link_is_401(emulator, database):
    """Names are case-sensitive: the right key over ``dbs/Test…`` for a database ``test…`` is a 401.

    The quoted payload shows the link the server used, which is how a developer spots the mistake.
    """
    miscased = database.id.replace("test", "Test", 1)
    assert miscased != database.id
    reply = hand_signed.send(
        emulator.endpoint,
        "GET",
        f"/dbs/{database.id}/",
        key=emulator.keys.primary,
        resource_link=f"dbs/{miscased}",
    )
    message = assert_refused(reply, 401, "Unauthorized")
    payload = hand_signed.signed_payload_in(message)
    assert payload is not None, message
    assert payload.split("\n")[:3] == ["get", "dbs", f"dbs/{database.id}"], payload


def test_hand_signed_request_with_the_current_date_is_accepted(emulator):
    """The control for the tests below: the same hand-signed request, dated now, is answered 200."""
    reply = hand_signed.send(emulator.endpoint, "GET", "/dbs", key=emulator.keys.primary)
    assert reply.status == 200, reply.body
    assert "Databases" in reply.json()


def test_date_ten_minutes_old_is_still_accepted(emulator):
    """A signature lives 15 minutes from its ``x-ms-date``: one made 10 minutes ago still works."""
    reply = hand_signed.send(
        emulator.endpoint, "GET", "/dbs", key=emulator.keys.primary, date=hand_signed.http_date(-10 * 60)
    )
    assert reply.status == 200, reply.body


def test_date_twenty_minutes_old_is_403(emulator):
    """A correct signature over an ``x-ms-date`` 20 minutes old is refused with 403, not 401.

    The key is right; the token has simply expired. The service says so, and gives the token's
    start and expiry times and its own clock, so clock skew can be diagnosed.
    """
    reply = hand_signed.send(
        emulator.endpoint, "GET", "/dbs", key=emulator.keys.primary, date=hand_signed.http_date(-20 * 60)
    )
    message = assert_refused(reply, 403, "Forbidden")
    assert message.startswith(NOT_VALID_NOW_MESSAGE), message
    for detail in ("token start time", "token expiry time", "current server time"):
        assert detail in message, message


def test_missing_authorization_is_401(emulator):
    """A request with no ``Authorization`` header at all is a 401 saying the header is missing."""
    reply = hand_signed.send(emulator.endpoint, "GET", "/dbs", authorization=None)
    message = assert_refused(reply, 401, "Unauthorized")
    assert message.startswith(MISSING_MESSAGE), message


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("None", id="literal-None"),
        pytest.param("type%3Dmaster%26ver%3D1.0", id="no-signature"),
        pytest.param("Bearer abc.def.ghi", id="bearer"),
        pytest.param("type%3Dunknown%26ver%3D1.0%26sig%3Dabc", id="unknown-type"),
    ],
)
def test_malformed_authorization_is_401(emulator, authorization):
    """An ``Authorization`` not of the form ``type=…&ver=…&sig=…`` is a 401, in the service's (sic) words.

    ``None`` is what the SDK itself sends when a resource-token client holds no token for a link.
    """
    reply = hand_signed.send(emulator.endpoint, "GET", "/dbs", authorization=authorization)
    message = assert_refused(reply, 401, "Unauthorized")
    assert message.startswith(MALFORMED_MESSAGE), message
