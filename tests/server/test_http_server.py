"""Against a real uvicorn server over loopback: bodies where none is needed, headers and body in
separate writes, concurrency. Every answer is a whole, valid HTTP response; no connection is reset."""
import socket
import threading
import time

import pytest

from ..live import live_server, read

# bodies a client might send to an endpoint that reads none
STRAY_BODIES = [
    (b"{}", "application/json"),
    (b"{}", None),                                   # no content-type at all
    (b"hello, not JSON", "text/plain"),
    (b"\x00\xff\xfe binary", "application/octet-stream"),
    (b'{"steps": 3}', "application/json"),
]


@pytest.fixture(scope="module")
def server():
    with live_server(train_seconds=2) as live:
        yield live


def send(conn, method, path, body=None, content_type="application/json", pause=0.0, split=False):
    """One request on a keep-alive connection. `pause`: the body follows the headers that much
    later, in its own write (and with `split`, in two halves with a pause between)."""
    conn.putrequest(method, path)
    if content_type:
        conn.putheader("Content-Type", content_type)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    if body is not None:
        if split:
            conn.send(body[:len(body) // 2])
            time.sleep(pause)
            conn.send(body[len(body) // 2:])
        else:
            time.sleep(pause)
            conn.send(body)
    return read(conn.getresponse())


def test_a_body_where_none_is_needed_is_ignored(server):
    sid = server.session()
    conn = server.connection()
    try:
        for body, content_type in STRAY_BODIES:
            for method, path in [("POST", "/forward"), ("POST", "/backward"), ("POST", "/step"),
                                 ("GET", ""), ("POST", "/reset"), ("GET", "/history")]:
                status, headers, state = send(conn, method, f"/api/sessions/{sid}{path}", body, content_type)
                assert status == 200, (path, body, state)
                assert isinstance(state, dict)
        conn.request("POST", f"/api/sessions/{sid}/forward", body=iter([b"{", b"}"]), encode_chunked=True)
        assert read(conn.getresponse())[0] == 200                         # and a chunked one
        status, _, health = send(conn, "GET", "/healthz", b"{}")      # the connection still works
        assert status == 200 and health["status"] == "ok"
    finally:
        conn.close()


@pytest.mark.parametrize("split", [False, True])
def test_headers_and_body_in_separate_writes(server, split):
    conn = server.connection()
    try:
        status, _, state = send(conn, "POST", "/api/sessions", b'{"layers": [2, 3, 1]}', pause=0.1, split=split)
        assert status == 201 and state["config"]["layers"] == [2, 3, 1]
        sid = state["id"]
        status, _, state = send(conn, "POST", f"/api/sessions/{sid}/train", b'{"steps": 4}', pause=0.1, split=split)
        assert status == 200 and state["steps_run"] == 4
        status, _, state = send(conn, "POST", f"/api/sessions/{sid}/forward", b"{}", pause=0.1, split=split)
        assert status == 200 and state["phase"] == "forward"
        status, _, problem = send(conn, "POST", "/api/sessions", b'{"layers": [2, 0, 1]}', pause=0.1, split=split)
        assert status == 422 and problem["detail"][0]["field"] == "layers[1]"
        assert send(conn, "GET", "/healthz")[0] == 200
    finally:
        conn.close()


def test_all_of_it_under_concurrent_load(server):
    """20 clients at once, each on its own keep-alive connection, mixing stray bodies, split
    writes, training and bad requests: each gets whole responses; none is reset."""
    failures, statuses, lock = [], [], threading.Lock()

    def client(k):
        conn = server.connection()
        try:
            status, _, state = send(conn, "POST", "/api/sessions", b"{}", pause=0.02 * (k % 3))
            seen = [status]
            sid = state["id"]
            for round in range(6):
                body, content_type = STRAY_BODIES[(k + round) % len(STRAY_BODIES)]
                seen.append(send(conn, "POST", f"/api/sessions/{sid}/forward", body, content_type)[0])
                seen.append(send(conn, "POST", f"/api/sessions/{sid}/backward", body, content_type,
                                 pause=0.03, split=bool(round % 2))[0])
                seen.append(send(conn, "POST", f"/api/sessions/{sid}/step")[0])
                seen.append(send(conn, "POST", f"/api/sessions/{sid}/train", b'{"steps": 5}',
                                 pause=0.03, split=True)[0])
                seen.append(send(conn, "POST", f"/api/sessions/{sid}/train", b'{"steps": 0}')[0])
                seen.append(send(conn, "GET", f"/api/sessions/{sid}/predictions?resolution=20")[0])
            with lock:
                statuses.extend(seen)
        except Exception as e:           # a reset or a malformed response: the test fails
            with lock:
                failures.append(f"client {k}: {e!r}")
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert len(statuses) == 20 * (1 + 6 * 6)
    assert set(statuses) == {200, 201, 422}


def test_many_requests_on_one_session_do_not_freeze_the_server(server):
    """60 requests at once on one session, queued behind a long train, wait their turn without
    holding worker threads: while they do, other learners are answered at once. (Waiting in
    worker threads used to fill the pool, leaving the lock's holder no thread to finish on: the
    whole server froze, for good.)"""
    busy = server.session(layers=[2, 32, 1])
    other = server.session()
    results = []

    def train(steps):
        try:
            results.append(server.call("POST", f"/api/sessions/{busy}/train", {"steps": steps}, timeout=30)[0])
        except Exception as e:
            results.append(repr(e))

    long = threading.Thread(target=train, args=(10_000,))      # stopped by the 2 s time limit
    long.start()
    time.sleep(0.3)
    threads = [threading.Thread(target=train, args=(10,)) for _ in range(60)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    assert server.call("POST", f"/api/sessions/{other}/forward", timeout=10)[0] == 200
    assert time.monotonic() - started < 3
    for thread in [long, *threads]:
        thread.join(timeout=40)
    assert results == [200] * 61


def test_a_body_over_the_limit_sent_whole_gets_the_413_not_a_reset(server):
    """A plain client sends its whole body before reading: the server reads and drops a refused
    body (up to 4 times the limit) before answering, so the 413 arrives instead of a broken pipe."""
    body = b'{"dataset": {"X": [' + b"[0.125, 0.25]," * 250_000 + b'[0,0]], "Y": [[0]]}}'   # 3.5 MB
    for _ in range(8):
        conn = server.connection()
        try:
            conn.request("POST", "/api/sessions", body=body, headers={"content-type": "application/json"})
            status, headers, problem = read(conn.getresponse())
        finally:
            conn.close()
        assert status == 413 and problem["field"] == "body" and headers["connection"] == "close"
    for chunked in (True, False):           # and a streamed one
        conn = server.connection()
        try:
            conn.request("POST", "/api/sessions", body=iter([body[i:i + 65536] for i in range(0, len(body), 65536)]),
                         encode_chunked=chunked, headers={"content-type": "application/json",
                                                          **({} if chunked else {"content-length": str(len(body))})})
            assert read(conn.getresponse())[0] == 413
        finally:
            conn.close()


def unfinished_body(port, declared, sent):
    """An import whose body stops `sent` bytes into the `declared` length; the socket."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"POST /api/sessions/import HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: " + str(declared).encode() + b"\r\n\r\n" + b" " * sent)
    return sock


def test_unfinished_bodies_hold_at_most_the_receiving_budget():
    """20 import bodies of 12 MB, each a byte short, held 222 MB until their timeout. Past the
    bodies' budget (MANUALGRAD_RECEIVING_MB) a body is answered 503 with Retry-After as soon as
    it takes the total over, and the budget comes back when a body's request ends."""
    with live_server(receiving_mb=4) as live:
        first = unfinished_body(live.port, 3_000_000, 2_500_000)
        time.sleep(0.3)
        second = unfinished_body(live.port, 3_000_000, 2_500_000)
        second.settimeout(10)
        reply = b""
        try:
            while chunk := second.recv(4096):      # the 503 closes the connection (resets it:
                reply += chunk                     # the rest of the body was never read)
        except ConnectionResetError:
            pass
        assert reply.startswith(b"HTTP/1.1 503") and b"retry-after: 5" in reply.lower(), reply[:300]
        assert b"MANUALGRAD_RECEIVING_MB" in reply
        second.close()
        status, _, _ = live.call("POST", "/api/sessions", {})          # small bodies still go
        assert status == 201
        first.close()
        time.sleep(0.3)
        third = unfinished_body(live.port, 3_000_000, 2_500_000)
        third.settimeout(1)
        with pytest.raises(TimeoutError):       # the first's bytes are back: the third waits for the rest
            third.recv(4096)
        third.close()
