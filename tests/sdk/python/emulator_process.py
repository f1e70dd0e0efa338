"""Starting and stopping ``cosmolab-emulator`` for the tests, as a real process on a real port.

The suite proves that Microsoft's unmodified Python SDK works against our emulator, so it runs the
emulator exactly as a trainee would: the built binary (``COSMOLAB_EMULATOR_BIN``), bound to
``127.0.0.1`` on port 0 (any free port, so parallel runs never collide), with every key given on the
command line so the tests know them all.

The emulator announces that it accepts requests with one line on standard output,
``cosmolab-emulator ready at <endpoint>``; its logs go to standard error. We read standard output on
a background thread (so the pipe never fills up and blocks the emulator) and send standard error to
a file, whose tail goes into the error when the emulator does not start, and into the report of a
failed test (see ``conftest.py``).

With ``COSMOLAB_EMULATOR_IMAGE`` set (``cargo xtask ci`` sets it to ``cosmolab-emulator:dev`` for its
second pass), each emulator is a **container** of that image instead (:func:`start_emulator_container`):
``docker run`` with port 8081 published on a free port of 127.0.0.1, the keys passed by name through
the environment (never on a command line), ready when its health endpoint answers, its log followed
into the same file.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import re
import secrets
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

#: The key every Cosmos DB emulator ships with (Microsoft's, published in its documentation). The
#: suite uses it as the primary key, the way a developer's first program does.
WELL_KNOWN_EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="

#: How long the emulator may take to print its ready line: generous, since CI machines are slow.
READY_TIMEOUT_SECONDS = 30.0

#: How long it may take to stop after SIGTERM before it is killed.
STOP_TIMEOUT_SECONDS = 10.0

READY_LINE = re.compile(r"cosmolab-emulator ready at (\S+)")

#: Terminal colour codes (`ESC [ … m`), removed from the log before it is shown in a report.
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def random_key() -> str:
    """A new account key: 64 random bytes in base64, the shape of a real account's keys."""
    return base64.b64encode(secrets.token_bytes(64)).decode("ascii")


@dataclass(frozen=True)
class AccountKeys:
    """The four keys of an account: two read-write (master) keys and two read-only keys."""

    primary: str
    secondary: str
    primary_readonly: str
    secondary_readonly: str

    @staticmethod
    def generate() -> "AccountKeys":
        """The well-known key as primary, and fresh random keys for the other three."""
        return AccountKeys(WELL_KNOWN_EMULATOR_KEY, random_key(), random_key(), random_key())


class Emulator:
    """One running emulator: where it listens, the keys it started with, and its log."""

    def __init__(
        self,
        process: subprocess.Popen,
        endpoint: str,
        keys: AccountKeys,
        log_path: Path,
        cert_file: Optional[Path],
        time_travel: bool = False,
        container_id: Optional[str] = None,
    ) -> None:
        self.process = process
        #: The endpoint from the ready line, e.g. ``http://127.0.0.1:40123/``.
        self.endpoint = endpoint
        #: The keys given on the command line (the admin API may have changed them since).
        self.keys = keys
        #: Where the emulator's standard error (its log) is written.
        self.log_path = log_path
        #: With ``--tls``, the file the self-signed certificate was written to.
        self.cert_file = cert_file
        #: Whether it was started with ``--enable-time-travel`` (``admin_api.advance_clock`` works).
        self.time_travel = time_travel
        #: The container it runs in, when started from an image (``process`` then follows its log).
        self.container_id = container_id

    @property
    def scheme(self) -> str:
        """``http`` or ``https``."""
        return self.endpoint.split("://", 1)[0]

    def log_size(self) -> int:
        """How many bytes of log there are so far (a bookmark for :meth:`log_since`)."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset: int, max_lines: int = 60) -> str:
        """The last ``max_lines`` lines the emulator logged after the bookmark ``offset``."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(offset)
                text = log.read().decode("utf-8", errors="replace")
        except OSError as error:
            return f"(could not read {self.log_path}: {error})"
        lines = ANSI_ESCAPE.sub("", text).splitlines()
        skipped = len(lines) - max_lines
        shown = "\n".join(lines[-max_lines:])
        return f"(… {skipped} earlier lines in {self.log_path})\n{shown}" if skipped > 0 else shown

    def stop(self) -> None:
        """Asks the emulator to stop (SIGTERM, as `docker stop` would), and kills it if it does not."""
        if self.container_id is not None:
            # `docker stop` sends SIGTERM, then SIGKILL; `--rm` removes the container; the log
            # follower (``process``) ends with it.
            subprocess.run(
                ["docker", "stop", "--time", str(int(STOP_TIMEOUT_SECONDS)), self.container_id],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
            self.container_id = None
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
            return
        if self.process.poll() is not None:
            return
        if sys.platform == "win32":
            self.process.terminate()
        else:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_emulator(
    binary: str, scheme: str, keys: AccountKeys, workdir: Path, *, time_travel: bool = False
) -> Emulator:
    """Starts the emulator and returns once it has printed its ready line.

    With ``time_travel``, the emulator is started with ``--enable-time-travel``, which enables
    ``POST /_cosmolab/clock/advance``: the clock resource-token lifetimes are minted and checked
    against can then be moved forward (``admin_api.advance_clock``), so a test can see a token
    expire without waiting for it.

    Raises ``RuntimeError`` with the emulator's log if it exits or stays silent instead.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "emulator.stderr.log"
    command: List[str] = [
        binary,
        "--bind", "127.0.0.1",
        "--port", "0",
        "--primary-key", keys.primary,
        "--secondary-key", keys.secondary,
        "--primary-readonly-key", keys.primary_readonly,
        "--secondary-readonly-key", keys.secondary_readonly,
    ]  # fmt: skip
    cert_file: Optional[Path] = None
    if scheme == "https":
        cert_file = workdir / "emulator-cert.pem"
        command += ["--tls", "--cert-file", str(cert_file)]
    if time_travel:
        command.append("--enable-time-travel")

    with log_path.open("wb") as log:
        # The child keeps its own copy of the log file's descriptor; ours can close at once.
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            encoding="utf-8",
            errors="replace",
        )

    endpoints: "queue.Queue[str]" = queue.Queue()
    threading.Thread(target=_watch_stdout, args=(process, endpoints), daemon=True).start()

    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        try:
            endpoint = endpoints.get(timeout=0.1)
            return Emulator(process, endpoint, keys, log_path, cert_file, time_travel)
        except queue.Empty:
            pass
        if process.poll() is not None:
            problem = f"exited with code {process.returncode} before printing its ready line"
            break
        if time.monotonic() > deadline:
            problem = f"printed no ready line within {READY_TIMEOUT_SECONDS:.0f} s"
            process.kill()
            process.wait()
            break

    log = log_path.read_text(encoding="utf-8", errors="replace")
    shown_command = " ".join(command[:3]) + " … (keys elided)"
    raise RuntimeError(
        f"cosmolab-emulator {problem} (expected a line 'cosmolab-emulator ready at <endpoint>' on stdout).\n"
        f"command: {shown_command}\n"
        f"its stderr ({log_path}):\n{log[-4000:] or '(empty)'}"
    )


def start_emulator_container(
    image: str, scheme: str, keys: AccountKeys, workdir: Path, *, time_travel: bool = False
) -> Emulator:
    """Starts the emulator as a container of ``image`` and returns once it serves.

    The same emulator as :func:`start_emulator`, reached the way a user of the image reaches it:
    through a published port. With ``https``, its self-signed certificate is downloaded from
    ``/_explorer/emulator.pem`` into ``workdir``, where :attr:`Emulator.cert_file` names it.

    Raises ``RuntimeError`` with the container's log if it exits or does not serve in time.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "emulator.stderr.log"
    environment = dict(
        os.environ,
        COSMOLAB_PRIMARY_KEY=keys.primary,
        COSMOLAB_SECONDARY_KEY=keys.secondary,
        COSMOLAB_PRIMARY_READONLY_KEY=keys.primary_readonly,
        COSMOLAB_SECONDARY_READONLY_KEY=keys.secondary_readonly,
        COSMOLAB_TLS="true" if scheme == "https" else "false",
        COSMOLAB_ENABLE_TIME_TRAVEL="true" if time_travel else "false",
    )
    passed = [
        "COSMOLAB_PRIMARY_KEY",
        "COSMOLAB_SECONDARY_KEY",
        "COSMOLAB_PRIMARY_READONLY_KEY",
        "COSMOLAB_SECONDARY_READONLY_KEY",
        "COSMOLAB_TLS",
        "COSMOLAB_ENABLE_TIME_TRAVEL",
    ]
    command = ["docker", "run", "--detach", "--rm", "--publish", "127.0.0.1::8081"]
    for name in passed:
        # `-e NAME` without a value: docker copies it from its own environment.
        command += ["--env", name]
    command.append(image)
    run = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        hint = "build it with `cargo xtask image`" if "No such image" in run.stderr or "pull access" in run.stderr else "is Docker running?"
        raise RuntimeError(f"`docker run {image}` failed ({hint}):\n{run.stderr.strip()}")
    container_id = run.stdout.strip()

    with log_path.open("wb") as log:
        follower = subprocess.Popen(
            ["docker", "logs", "--follow", container_id],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )

    def fail(problem: str) -> RuntimeError:
        subprocess.run(["docker", "rm", "--force", container_id], capture_output=True, check=False)
        follower.kill()
        log = log_path.read_text(encoding="utf-8", errors="replace")
        return RuntimeError(
            f"the emulator container of {image} {problem}.\n"
            f"its log ({log_path}):\n{log[-4000:] or '(empty)'}"
        )

    port = subprocess.run(
        ["docker", "port", container_id, "8081/tcp"], capture_output=True, text=True, check=False
    ).stdout.split()
    if not port:
        raise fail("published no port for 8081")
    endpoint = f"{scheme}://{port[0]}/"

    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not _healthy(endpoint):
        state = subprocess.run(
            ["docker", "inspect", "--format", "{{.State.Running}}", container_id],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if state != "true":
            raise fail("exited before serving")
        if time.monotonic() > deadline:
            raise fail(f"did not serve within {READY_TIMEOUT_SECONDS:.0f} s")
        time.sleep(0.05)

    cert_file: Optional[Path] = None
    if scheme == "https":
        cert_file = workdir / "emulator-cert.pem"
        cert_file.write_bytes(_fetch(endpoint + "_explorer/emulator.pem"))
    return Emulator(follower, endpoint, keys, log_path, cert_file, time_travel, container_id)


def _unverified_context() -> ssl.SSLContext:
    """For the readiness probe only: the certificate is what we are about to download."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=2, context=_unverified_context()) as reply:
        return reply.read()


def _healthy(endpoint: str) -> bool:
    """Whether ``GET /_cosmolab/health`` answers ``{"status": "ok"}``."""
    try:
        return json.loads(_fetch(endpoint + "_cosmolab/health")).get("status") == "ok"
    except (OSError, ValueError, urllib.error.URLError):
        return False


def emulator_image_from_environment() -> Optional[str]:
    """The image named by ``COSMOLAB_EMULATOR_IMAGE``: when set, emulators are containers of it."""
    return os.environ.get("COSMOLAB_EMULATOR_IMAGE") or None


def _watch_stdout(process: subprocess.Popen, endpoints: "queue.Queue[str]") -> None:
    """Reports the endpoint of the ready line, then keeps reading so the emulator never blocks on stdout."""
    assert process.stdout is not None
    for line in process.stdout:
        match = READY_LINE.search(line)
        if match:
            endpoints.put(match.group(1))


def emulator_binary_from_environment() -> str:
    """The emulator binary named by ``COSMOLAB_EMULATOR_BIN``; a clear error if it is unset or wrong."""
    value = os.environ.get("COSMOLAB_EMULATOR_BIN")
    how = (
        "Build it with `cargo build -p cosmolab-emulator --bin cosmolab-emulator` and set "
        "COSMOLAB_EMULATOR_BIN=<target-dir>/debug/cosmolab-emulator, or run `cargo xtask ci`, which does both."
    )
    if not value:
        raise RuntimeError(f"COSMOLAB_EMULATOR_BIN is not set: the SDK tests need the emulator binary. {how}")
    binary = Path(value).resolve()
    if not binary.is_file():
        raise RuntimeError(f"COSMOLAB_EMULATOR_BIN={value} does not name a file. {how}")
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"COSMOLAB_EMULATOR_BIN={value} is not executable. {how}")
    return str(binary)
