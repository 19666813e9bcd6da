"""Smoke test of a running ManualGrad at $BASE_URL: create a session, step it by hand, train it.

Standard library only, so it runs against the container from any machine:
    BASE_URL=http://127.0.0.1:8000 python tests/smoke_http.py
"""
import json
import os
import sys
import urllib.request

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:8000")


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read() or b"null")


def main():
    page = urllib.request.urlopen(BASE + "/", timeout=10).read().decode()
    assert "ManualGrad" in page, "the page does not load"
    status, state = call("POST", "/api/sessions", {})
    assert status == 201, status
    sid = state["id"]
    for phase in ("forward", "backward", "step"):
        status, state = call("POST", f"/api/sessions/{sid}/{phase}")
        assert status == 200, (phase, status)
    status, state = call("POST", f"/api/sessions/{sid}/train", {"steps": 300})
    assert status == 200 and state["step"] == 301, state["step"]
    losses = state["losses"]
    assert losses[-1] < losses[0], (losses[0], losses[-1])
    request = urllib.request.Request(f"{BASE}/api/sessions/{sid}", method="DELETE")
    assert urllib.request.urlopen(request, timeout=10).status == 204
    print(f"smoke ok: session {sid[:6]}…, loss {losses[0]:.4f} -> {losses[-1]:.4f} after 301 steps")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a failed check exits non-zero with the reason
        print(f"smoke failed: {e!r}", file=sys.stderr)
        sys.exit(1)
