"""The app on a real socket and a free loopback port, for the tests (and benchmarks) that need one:
`live_server` in a daemon thread of this process, `live_process` as `manualgrad` runs it."""
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import uvicorn

from app.main import create_app
from app.settings import Settings


class Live:
    def __init__(self, app, port):
        self.app, self.port = app, port
        self.url = f"http://127.0.0.1:{port}"

    def connection(self, timeout=30):
        """An HTTP/1.1 keep-alive connection to the server."""
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def socket(self, timeout=10):
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def call(self, method, path, body=None, timeout=30, headers=None):
        """(status, headers, parsed JSON or text) on a fresh connection."""
        conn = self.connection(timeout)
        try:
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, body=data, headers={"content-type": "application/json", **(headers or {})})
            return read(conn.getresponse())
        finally:
            conn.close()

    def session(self, **config):
        status, _, state = self.call("POST", "/api/sessions", config)
        assert status == 201, state
        return state["id"]


def read(response):
    """(status, headers, body) of a whole response: JSON parsed when it says it is JSON."""
    body = response.read()
    headers = {k.lower(): v for k, v in response.getheaders()}
    assert len(body) == int(headers.get("content-length", len(body)))
    if headers.get("content-type", "").startswith("application/json"):
        body = json.loads(body)
    return response.status, headers, body


@contextlib.contextmanager
def live_server(**settings):
    """Serve a fresh app on 127.0.0.1 and a free port for the `with` block; yields a Live (`.url`).
    `settings` are Settings fields; those not given come from MANUALGRAD_* or their defaults."""
    app = create_app(Settings(**settings))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    # proxy_headers=False as app.cli has it: the app alone decides whose X-Forwarded-For to believe
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", proxy_headers=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield Live(app, sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class Process(Live):
    """A server in a process of its own: its GIL is not this process's, as in production."""

    def __init__(self, process, port):
        super().__init__(None, port)
        self.process = process


@contextlib.contextmanager
def live_process(log=None, cli_args=(), **settings):
    """The server as `manualgrad` runs it, on a free port with MANUALGRAD_* settings, for the block
    (its log written to the open file `log`, if given)."""
    settings = {"creates_per_minute": 0, **settings}    # every test client comes from 127.0.0.1
    env = {**os.environ, **{f"MANUALGRAD_{k.upper()}": str(v) for k, v in settings.items()}}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env.setdefault("MANUALGRAD_LOG_LEVEL", "warning")
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "--host", "127.0.0.1", "--port", str(port),
                                *cli_args],
                               cwd=Path(__file__).resolve().parents[1], env=env,
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT if log else None,
                               start_new_session=True)     # its own group: its workers go with it
    server = Process(process, port)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if server.call("GET", "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)      # uvicorn's workers too, not only it
            process.wait()
