"""Sending Cosmos DB requests signed by hand, without the SDK.

The official SDK always signs correctly and always uses the current time, so it cannot show what
the service does with a request that is *almost* right: a date twenty minutes old, a missing or
malformed ``Authorization`` header, a signature over the wrong resource link. This module builds
such requests from first principles, exactly as ``docs/protocol.md`` §1 describes the master-key
signature, so a test can change one ingredient at a time:

1. **Resource type and link** come from the request path (percent-decoded, slashes trimmed, split
   on ``/``): no segment is the account (type and link empty); an odd number of segments is a feed
   (type = the last segment, link = the ones before it); an even number is one resource (type =
   the second-to-last segment, link = the whole path).
2. **The string to sign** is five lines, each ending in ``\\n``: the verb, the resource type (both
   lower-cased), the resource link (case kept), the ``x-ms-date`` header (lower-cased) and an
   empty line (the ``Date`` header, which SDKs do not send).
3. **The signature** is the base64 HMAC-SHA256 of that string, keyed with the base64-decoded
   account key, sent as ``type=master&ver=1.0&sig=<signature>``, percent-encoded.

The transport is the standard library's ``http.client``, so every header on the wire is visible
here. Over https, certificates are not verified unless a ``cafile`` is given: that is what the
official Python SDK does for ``127.0.0.1`` (protocol.md §0), and a dedicated test checks the
emulator's certificate on its own.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import http.client
import json
import ssl
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Tuple

#: The REST API version the official Python SDK 4.x sends on every request.
API_VERSION = "2020-07-15"

#: Characters the SDK leaves unescaped when it percent-encodes the Authorization header
#: (``urllib.parse.quote`` with this ``safe`` set, in ``azure/cosmos/_base.py``).
AUTHORIZATION_SAFE_CHARACTERS = "-_.!~*'()"


def resource_type_and_link(path: str) -> Tuple[str, str]:
    """The resource type and resource link a request path is signed with (rule 1 above).

    >>> resource_type_and_link("/dbs/my%20db/colls/")
    ('colls', 'dbs/my db')
    >>> resource_type_and_link("/dbs/my%20db/colls/orders/docs/1/")
    ('docs', 'dbs/my db/colls/orders/docs/1')
    """
    # Names are signed as the application wrote them: decode %20 and friends first. `unquote`
    # (not `unquote_plus`) keeps a literal '+' a plus sign, as the service does.
    trimmed = urllib.parse.unquote(urllib.parse.urlsplit(path).path).strip("/")
    if not trimmed:
        return "", ""
    segments = trimmed.split("/")
    if len(segments) % 2 == 1:
        # A feed: `POST /dbs/db/colls/` creates, lists or queries the containers *of* `dbs/db`.
        return segments[-1], "/".join(segments[:-1])
    # One resource: `GET /dbs/db/colls/c/` names the container itself.
    return segments[-2], "/".join(segments)


def string_to_sign(verb: str, resource_type: str, resource_link: str, date: str) -> str:
    """The exact text the HMAC is computed over (rule 2 above)."""
    return f"{verb.lower()}\n{resource_type.lower()}\n{resource_link}\n{date.lower()}\n\n"


def master_key_signature(key: str, text: str) -> str:
    """base64(HMAC-SHA256(base64decode(key), text)): the ``sig`` part of the header (rule 3)."""
    digest = hmac.new(base64.b64decode(key), text.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def master_key_authorization(key: str, verb: str, resource_type: str, resource_link: str, date: str) -> str:
    """The ``Authorization`` header value for a master (or read-only) key, percent-encoded like the SDK's."""
    signature = master_key_signature(key, string_to_sign(verb, resource_type, resource_link, date))
    return urllib.parse.quote(f"type=master&ver=1.0&sig={signature}", safe=AUTHORIZATION_SAFE_CHARACTERS)


def http_date(seconds_from_now: float = 0) -> str:
    """An ``x-ms-date`` value (RFC 1123, GMT), optionally shifted into the past or the future."""
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


def unescape_payload(shown: str) -> str:
    """Turns a payload as the service shows it in an error message (``\\n`` as two characters) back into text."""
    return shown.replace("\\n", "\n")


def signed_payload_in(message: str) -> Optional[str]:
    """The string to sign quoted in a 401's ``Server used the following payload to sign: '…'``, or None."""
    marker = "Server used the following payload to sign: '"
    start = message.find(marker)
    if start < 0:
        return None
    start += len(marker)
    end = message.find("'", start)
    return unescape_payload(message[start:end]) if end >= 0 else None


@dataclass
class Reply:
    """What came back: the status, the headers (looked up case-insensitively) and the body."""

    status: int
    headers: Mapping[str, str]
    body: str

    def json(self) -> Any:
        """The body parsed as JSON (every Cosmos answer, errors included, is a JSON object)."""
        return json.loads(self.body)

    def header(self, name: str) -> Optional[str]:
        """One header, whatever the case of its name."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)


#: Marks "compute the Authorization header from `key`" as opposed to an explicit value or none.
SIGN_WITH_KEY = object()


def send(
    endpoint: str,
    verb: str,
    path: str,
    *,
    key: Optional[str] = None,
    date: Optional[str] = None,
    authorization: Any = SIGN_WITH_KEY,
    resource_type: Optional[str] = None,
    resource_link: Optional[str] = None,
    body: Any = None,
    headers: Optional[Mapping[str, str]] = None,
    cafile: Optional[str] = None,
    timeout: float = 10.0,
) -> Reply:
    """Sends one request to ``endpoint`` + ``path``, signed by hand, and returns the reply.

    - ``key``: the account key to sign with (needed unless ``authorization`` is given).
    - ``date``: the ``x-ms-date`` to send and sign; now by default (see :func:`http_date`).
    - ``authorization``: an explicit header value instead of a signature, or ``None`` to send no
      ``Authorization`` header at all.
    - ``resource_type`` / ``resource_link``: sign with these instead of the ones derived from the
      path (to show what a wrong link does, or for paths outside the Cosmos rules).
    - ``body``: a dict/list is sent as JSON; a string as is.
    - ``cafile``: over https, verify the server's certificate against this file.
    """
    date = date if date is not None else http_date()
    derived_type, derived_link = resource_type_and_link(path)
    resource_type = derived_type if resource_type is None else resource_type
    resource_link = derived_link if resource_link is None else resource_link

    request_headers = {
        "x-ms-date": date,
        "x-ms-version": API_VERSION,
        "Accept": "application/json",
    }
    if authorization is SIGN_WITH_KEY:
        if key is None:
            raise ValueError("send() needs a key to sign with, or an explicit authorization")
        request_headers["authorization"] = master_key_authorization(key, verb, resource_type, resource_link, date)
    elif authorization is not None:
        request_headers["authorization"] = authorization

    payload: Optional[bytes] = None
    if body is not None:
        payload = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
        request_headers["Content-Type"] = "application/json"
    request_headers.update(headers or {})

    url = urllib.parse.urlsplit(endpoint)
    if url.scheme == "https":
        if cafile is not None:
            context = ssl.create_default_context(cafile=cafile)
        else:
            # Like the SDK for 127.0.0.1: encrypted, but the self-signed certificate is not checked.
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            url.hostname, url.port, timeout=timeout, context=context
        )
    else:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.request(verb.upper(), path, body=payload, headers=request_headers)
        response = connection.getresponse()
        return Reply(
            status=response.status,
            headers=dict(response.getheaders()),
            body=response.read().decode("utf-8", errors="replace"),
        )
    finally:
        connection.close()
