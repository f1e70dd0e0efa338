"""What the service said: the message inside an error the official SDK raised.

The SDK raises ``CosmosHttpResponseError`` (or a subclass) for every status of 400 and above. Its
``http_error_message`` is the raw response body, the JSON object ``{"code": "...", "message": "..."}``
every Cosmos error carries; its ``message`` is azure-core's decoration of it. Tests compare the
service's own words, so they read the ``message`` field of the body.
"""

from __future__ import annotations

import json

from azure.cosmos.exceptions import CosmosHttpResponseError


def service_message(error: CosmosHttpResponseError) -> str:
    """The ``message`` of the error body, or the raw body when it is not the usual JSON object."""
    body = error.http_error_message
    try:
        parsed = json.loads(body)
    except (TypeError, ValueError):
        return str(body)
    if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
        return parsed["message"]
    return str(body)
