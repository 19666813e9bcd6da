"""Security headers on every response, generic 500s, and the body limit enforced before parsing."""
import http.client
import json
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

from ..live import live_server

ROOT = Path(__file__).resolve().parents[2]


def assert_secure(response, what):
    headers = response.headers
    csp = dict(d.strip().split(" ", 1) for d in headers["content-security-policy"].split(";"))
    assert csp["default-src"] == "'self'", what
    assert csp["script-src"] == "'self'", what          # no inline scripts, no eval, no CDN
    assert csp["style-src"] == "'self'", what           # no inline styles
    assert csp["object-src"] == csp["base-uri"] == csp["frame-ancestors"] == "'none'", what
    assert headers["x-content-type-options"] == "nosniff", what
    assert headers["referrer-policy"] == "no-referrer", what
    assert headers["x-frame-options"] == "DENY", what


@pytest.fixture(scope="module")
def app():
    app = create_app(Settings(max_body_bytes=10_000))

    @app.get("/boom", include_in_schema=False)
    def boom():
        raise RuntimeError(f"secret {ROOT} detail")

    return app


@pytest.fixture(scope="module")
def anyone(app):
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def every_kind_of_response(client):
    """(what, response) for each kind of answer the server gives."""
    sid = client.post("/api/sessions", json={}).json()["id"]

    def chunks():
        for _ in range(20):
            yield b"[0.125, 0.25]," * 100

    return [
        ("the page", client.get("/")),
        ("a script", client.get("/static/main.js")),
        ("a stylesheet", client.get("/static/style.css")),
        ("the icon", client.get("/static/favicon.svg")),
        ("a missing static file", client.get("/static/nope.js")),
        ("an unknown path", client.get("/nope")),
        ("health", client.get("/healthz")),
        ("the spec", client.get("/openapi.json")),
        ("a new session", client.post("/api/sessions", json={})),
        ("a state", client.get(f"/api/sessions/{sid}")),
        ("a deletion", client.delete(f"/api/sessions/{client.post('/api/sessions', json={}).json()['id']}")),
        ("a create not declared as JSON", client.post("/api/sessions", content=b"{}")),
        ("an unknown session", client.get("/api/sessions/nope")),
        ("a validation error", client.post("/api/sessions", json={"layers": [2, 0, 1]})),
        ("malformed JSON", client.post("/api/sessions", content=b"{", headers={"content-type": "application/json"})),
        ("a wrong phase", client.post(f"/api/sessions/{sid}/backward")),
        ("a wrong method", client.put("/api/sessions")),
        ("a body over the limit", client.post("/api/sessions", content=b"x" * 20_000)),
        ("a streamed body over the limit", client.post("/api/sessions", content=chunks())),
        ("an internal error", client.get("/boom")),
    ]


def test_security_headers_on_every_response(anyone):
    responses = every_kind_of_response(anyone)
    assert sorted({r.status_code for _, r in responses}) == [200, 201, 204, 404, 405, 409, 413, 415, 422, 500]
    for what, response in responses:
        assert_secure(response, what)


VENDORED = ROOT / "static" / "vendor" / "swagger-ui"


def test_the_docs_page_is_served_from_here_under_the_strict_policy(anyone):
    docs = anyone.get("/docs")
    assert docs.headers["content-security-policy"] == anyone.get("/").headers["content-security-policy"]
    assert "http" not in docs.text and "<script>" not in docs.text     # no CDN, no inline script
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', docs.text)
    assert sorted(assets) == ["/static/docs.js", "/static/vendor/swagger-ui/swagger-ui-bundle.js",
                              "/static/vendor/swagger-ui/swagger-ui.css"]
    for asset in assets:
        response = anyone.get(asset)
        assert response.status_code == 200 and len(response.content) > 200, asset
    assert "validatorUrl: null" in anyone.get("/static/docs.js").text   # the spec is sent nowhere


def test_swagger_ui_is_the_upstream_bundle_with_its_version_and_licence():
    """Only the bundle and its stylesheet, with the version and licence recorded; no source maps
    and none of the stock pages the pip fork served."""
    assert sorted(p.name for p in VENDORED.iterdir()) == [
        "LICENSE", "NOTICE", "VERSION.md", "swagger-ui-bundle.js", "swagger-ui-bundle.js.LICENSE.txt",
        "swagger-ui.css"]
    version = re.search(r"Swagger UI (\d+\.\d+\.\d+)", (VENDORED / "VERSION.md").read_text()).group(1)
    assert f"swagger-ui-dist@{version}" in (VENDORED / "VERSION.md").read_text()
    assert f"Swagger UI {version}" in (ROOT / "templates" / "docs.html").read_text()
    assert "Apache License" in (VENDORED / "LICENSE").read_text()
    assert "SmartBear" in (VENDORED / "NOTICE").read_text()
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert "sourceMappingURL" not in (VENDORED / name).read_text()


def test_static_files_have_the_right_types_for_nosniff(anyone):
    """With nosniff a browser refuses a script or stylesheet served as anything else."""
    assert anyone.get("/static/main.js").headers["content-type"].startswith("text/javascript")
    assert anyone.get("/static/style.css").headers["content-type"].startswith("text/css")


def test_the_page_needs_nothing_the_policy_forbids(anyone):
    """The strict policy would block inline scripts, inline styles, handlers and eval: none used."""
    page = anyone.get("/").text
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert re.search(r'\bsrc="/static/[\w./-]+"', tag), tag
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", page), "an inline script"
    assert "<style" not in page and not re.search(r"\sstyle=", page), "an inline style"
    assert not re.search(r"\son[a-z]+=", page), "an inline event handler"
    for script in (ROOT / "static").glob("*.js"):
        source = script.read_text()
        for forbidden in (r"\beval\(", r"new Function\(", r"style=", r"setAttribute\(\s*['\"]style"):
            assert not re.search(forbidden, source), (script.name, forbidden)


def test_an_internal_error_is_generic_json(anyone, caplog):
    response = anyone.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "internal error"}
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "unhandled error on GET /boom" in caplog.text      # the trace goes to the log instead


def test_client_errors_carry_no_trace_or_input(anyone):
    for what, response in every_kind_of_response(anyone):
        if response.status_code >= 400 and response.headers.get("content-type") == "application/json":
            text = response.text
            assert "Traceback" not in text and 'File "' not in text and str(ROOT) not in text, what
            assert "input" not in json.dumps(response.json().get("detail")), what


def test_a_huge_content_length_is_refused_without_reading_the_body():
    """Headers announcing a gigabyte, and no body: the 413 comes at once, and the connection is
    closed rather than kept waiting for the body."""
    with live_server() as live:
        sock = live.socket(timeout=5)
        started = time.monotonic()
        sock.sendall(b"POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n")
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = json.loads(response.read())
        assert response.status == 413 and time.monotonic() - started < 2
        assert body == {"detail": "request body is larger than the limit of 2097152 bytes",
                        "field": "body", "limit": 2097152}
        assert response.getheader("connection") == "close"
        assert response.getheader("x-content-type-options") == "nosniff"
        assert sock.recv(1) == b""            # closed by the server
        sock.close()


def test_a_streamed_body_is_cut_off_at_the_limit():
    """Chunked, with no length announced: refused once it passes the limit, before any parsing."""
    with live_server(max_body_bytes=100_000) as live:
        conn = live.connection(timeout=10)
        chunks = (b"[0.125, 0.25]," * 1000 for _ in range(20))       # 14 kB each, 280 kB in all
        conn.request("POST", "/api/sessions", body=chunks, encode_chunked=True,
                     headers={"content-type": "application/json"})
        response = conn.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["limit"] == 100_000
        conn.close()
