"""The account endpoint (``GET /``) and the emulator's own health and TLS, as the SDK first meets them.

Building a ``CosmosClient`` reads the database account before anything else; the SDK then sends
every request to the endpoint the account advertises, so advertising the wrong address would send
the client elsewhere (protocol.md §4). These tests pin that first contact down, plus the two things
the emulator adds: a health check and, with ``--tls``, its self-signed certificate.
"""

from __future__ import annotations

import ssl
import urllib.parse

import pytest

import admin_api
import hand_signed


def test_account_advertises_the_endpoint_the_client_used(client, emulator):
    """The account lists no locations, or only the address the client reached: no redirection elsewhere."""
    account = client.get_database_account()
    for location in account.WritableLocations + account.ReadableLocations:
        assert location["databaseAccountEndpoint"] == emulator.endpoint


def test_account_uses_session_consistency(client):
    """The account's default consistency is Session, which switches on the SDK's session handling."""
    account = client.get_database_account()
    assert account.ConsistencyPolicy["defaultConsistencyLevel"] == "Session"


def test_health_needs_no_authorization(emulator):
    """``GET /_cosmolab/health`` answers 200 to a request without any Authorization header."""
    reply = admin_api.health(emulator.endpoint)
    assert reply.status == 200, reply.body


def test_ready_line_names_the_scheme_asked_for(emulator, scheme):
    """The ready line's endpoint is on 127.0.0.1, with https exactly when the emulator was started with --tls."""
    url = urllib.parse.urlsplit(emulator.endpoint)
    assert url.scheme == scheme
    assert url.hostname == "127.0.0.1"
    assert url.port and url.path == "/"


def test_https_certificate_is_the_one_written_to_cert_file(emulator_launcher):
    """Over TLS, the server presents the certificate written to --cert-file, valid for 127.0.0.1.

    A client outside the SDK (curl, a browser, another language) can therefore trust the emulator
    by trusting that one file. It asks for the https emulator directly (plain http has no
    certificate), so it runs once rather than once per scheme.
    """
    emulator = emulator_launcher("https")
    assert emulator.cert_file is not None and emulator.cert_file.is_file(), "--cert-file was not written"
    try:
        reply = hand_signed.send(
            emulator.endpoint, "GET", "/", key=emulator.keys.primary, cafile=str(emulator.cert_file)
        )
    except ssl.SSLCertVerificationError as error:
        raise AssertionError(f"the certificate in {emulator.cert_file} does not verify the server: {error}")
    assert reply.status == 200, reply.body
