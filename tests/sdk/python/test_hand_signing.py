"""The hand-signing helper signs exactly like the service expects and like the official SDK does.

Several tests in this suite send requests signed by hand (``hand_signed.py``) to show what the
service does with a stale date or a missing header. Those tests only mean something if the helper
itself is right, so it is checked here, without an emulator, against published known-answer
vectors and against the SDK's own signing function.
"""

from __future__ import annotations

import types
import urllib.parse

import pytest
from azure.cosmos import auth

import hand_signed
from emulator_process import WELL_KNOWN_EMULATOR_KEY

#: Known answers (from the shared signing vectors, each recomputed independently of the SDK).
VECTORS = [
    pytest.param(
        WELL_KNOWN_EMULATOR_KEY,
        "GET",
        "colls",
        "dbs/Test Database/colls/Test Collection",
        "Fri, 17 Dec 1926 03:15:00 GMT",
        "cugjaA51bjCvxVi8LXg3XB+ZVKaFAZshILoJZF9nfEY=",
        id="get-container",
    ),
    pytest.param(
        WELL_KNOWN_EMULATOR_KEY,
        "POST",
        "colls",
        "dbs/Test Database",
        "Fri, 17 Dec 1926 03:15:00 GMT",
        "E92FgDG9JiNX+NfsI+edOFtgkZRDkrrJxIfl12Vsu8A=",
        id="create-container",
    ),
    pytest.param(
        "dsZQi3KtZmCv1ljt3VNWNm7sQUF1y5rJfC6kv5JiwvW0EndXdDku/dkKBp8/ufDToSxLzR4y+O/0H/t4bQtVNw==",
        "GET",
        "dbs",
        "dbs/ToDoList",
        "Thu, 27 Apr 2017 00:51:12 GMT",
        "c09PEVJrgp2uQRkr934kFbTqhByc7TVr3OHyqlu+c+c=",
        id="rest-docs-example",
    ),
]


@pytest.mark.parametrize("key, verb, resource_type, resource_link, date, expected", VECTORS)
def test_signature_matches_known_answers(key, verb, resource_type, resource_link, date, expected):
    """HMAC-SHA256 over the five-line string to sign gives the published signature for each vector."""
    text = hand_signed.string_to_sign(verb, resource_type, resource_link, date)
    assert hand_signed.master_key_signature(key, text) == expected


def test_string_to_sign_lowercases_everything_but_the_link():
    """Verb, type and date are lower-cased; the resource link keeps its case (names are case-sensitive)."""
    text = hand_signed.string_to_sign("GET", "DOCS", "dbs/MyDb/colls/Orders/docs/A1", "Mon, 23 Nov 2026 08:06:13 GMT")
    assert text == "get\ndocs\ndbs/MyDb/colls/Orders/docs/A1\nmon, 23 nov 2026 08:06:13 gmt\n\n"


#: Requests the SDK was observed to send, and what each is signed with (protocol-details.md §1.3).
PATH_RULE_CASES = [
    ("/", ("", "")),
    ("/dbs", ("dbs", "")),
    ("/dbs/my_database/", ("dbs", "dbs/my_database")),
    ("/dbs/my_database/colls/", ("colls", "dbs/my_database")),
    ("/dbs/my_database/colls/my_container/", ("colls", "dbs/my_database/colls/my_container")),
    ("/dbs/my_database/colls/my_container/docs/", ("docs", "dbs/my_database/colls/my_container")),
    ("/dbs/db/users/Test%20User/permissions/", ("permissions", "dbs/db/users/Test User")),
    ("/dbs/db4/colls/c4/docs/a%20b%2Bc%20%C3%A9/", ("docs", "dbs/db4/colls/c4/docs/a b+c é")),
]


@pytest.mark.parametrize("path, expected", [pytest.param(*case, id=case[0]) for case in PATH_RULE_CASES])
def test_resource_type_and_link_follow_the_path_rule(path, expected):
    """The rule of protocol.md §1 on the requests the SDK was observed to send (names decoded, '+' kept)."""
    assert hand_signed.resource_type_and_link(path) == expected


def test_header_matches_the_sdk_signature():
    """For the same request, the helper's header is the SDK's own header, percent-encoded as the SDK sends it."""
    date = "Mon, 23 Nov 2026 08:06:13 GMT"
    # The SDK's signing function only reads `master_key` (and `resource_tokens`) from its connection.
    connection = types.SimpleNamespace(master_key=WELL_KNOWN_EMULATOR_KEY, resource_tokens=None)
    sdk_header = auth._get_authorization_header(  # noqa: SLF001 - the SDK's own signer, on purpose
        connection, "POST", "", "dbs/my_database/colls/my_container", True, "docs", {"x-ms-date": date}
    )
    ours = hand_signed.master_key_authorization(
        WELL_KNOWN_EMULATOR_KEY, "POST", "docs", "dbs/my_database/colls/my_container", date
    )
    assert urllib.parse.unquote(ours) == sdk_header
    assert ours.startswith("type%3Dmaster%26ver%3D1.0%26sig%3D")


def test_payload_is_read_back_from_a_401_message():
    """The string to sign quoted in a 401 message (newlines shown as \\n) is turned back into text."""
    message = (
        "The input authorization token can't serve the request. Server used the following payload to sign: "
        "'get\\ndbs\\n\\nfri, 20 jan 2017 03:43:55 gmt\\n\\n'\r\nActivityId: 1"
    )
    assert hand_signed.signed_payload_in(message) == "get\ndbs\n\nfri, 20 jan 2017 03:43:55 gmt\n\n"
    assert hand_signed.signed_payload_in("no payload here") is None
