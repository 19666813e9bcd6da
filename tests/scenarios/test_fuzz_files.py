"""Hypothesis on session files and link codes, generated and mutated from real ones: never a
5xx, every refusal small and quick."""
import base64
import copy
import json
import os
import time
import zlib

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.main import create_app
from app.scenarios.files import digest
from app.settings import Settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
client = TestClient(create_app(Settings(creates_per_minute=0, max_sessions=5000, protect_seconds=0)))
JSON = {"content-type": "application/json"}


def real_file(config):
    sid = client.post("/api/sessions", json=config).json()["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 7})
    body = client.get(f"/api/sessions/{sid}/export").json()
    client.delete(f"/api/sessions/{sid}")
    return body


FILES = [real_file({"optimizer": {"name": "adam"}, "batch_size": 16}),
         real_file({"optimizer": {"name": "momentum"}, "dataset": {"name": "sine", "n": 30}}),
         real_file({"dataset": {"X": [[0, 1], [1, 0], [0.5, 0.5]], "Y": [[1], [0], [1]]}})]
CODES = [client.post("/api/scenarios/encode", json={"title": "t", "config": {"layers": [2, 8, 1]},
                                                    "teacher": {"hide": ["loss"]}}).json()["code"]]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=25)


def paths(value, prefix=()):
    """Every place in a JSON value: key and index paths."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for n, item in enumerate(value[:3]):
            yield from paths(item, prefix + (n,))


def replaced(value, path, new):
    if not path:
        return new
    value = copy.copy(value)
    value[path[0]] = replaced(value[path[0]], path[1:], new)
    return value


def refused_well(response, seconds):
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        assert len(response.content) <= 16 * 1024
    assert seconds < 3, seconds


def post(path, body):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    started = time.monotonic()
    response = client.post(path, content=data, headers=JSON)
    refused_well(response, time.monotonic() - started)
    return response


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(file=st.sampled_from(range(len(FILES))), data=st.data(), new=json_values, resign=st.booleans())
def test_a_mutated_session_file_is_never_a_5xx(file, data, new, resign):
    body = FILES[file]
    path = data.draw(st.sampled_from(list(paths(body))))
    body = replaced(body, path, new)
    if resign and isinstance(body, dict):
        try:
            body["sha256"] = digest(body)
        except (OverflowError, RecursionError, TypeError, AttributeError, ValueError):
            pass
    response = post("/api/sessions/import", body)
    if response.status_code == 201:     # what it accepted, it can work with
        sid = response.json()["id"]
        for phase in ("forward", "backward", "step"):
            assert client.post(f"/api/sessions/{sid}/{phase}").status_code == 200
        assert client.post(f"/api/sessions/{sid}/train", json={"steps": 3}).status_code == 200
        client.delete(f"/api/sessions/{sid}")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=json_values)
def test_a_generated_body_is_never_a_5xx(body):
    post("/api/sessions/import", body)
    response = post("/api/sessions", body if isinstance(body, dict) else {"layers": body})
    if response.status_code == 201:
        client.delete(f"/api/sessions/{response.json()['id']}")


def pack(raw):
    return "1." + base64.urlsafe_b64encode(zlib.compress(raw, 9)).rstrip(b"=").decode()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(code=st.one_of(
    st.text(max_size=60).map(lambda t: "1." + t),
    st.binary(max_size=200).map(lambda b: "1." + base64.urlsafe_b64encode(b).decode()),
    json_values.map(lambda v: pack(json.dumps(v).encode())),
    st.dictionaries(st.sampled_from(["title", "config", "teacher", "description"]), json_values,
                    max_size=4).map(lambda v: pack(json.dumps(v).encode())),
    st.tuples(st.sampled_from(CODES), st.integers(0, 200), st.characters()).map(
        lambda t: t[0][:t[1] % len(t[0])] + t[2] + t[0][t[1] % len(t[0]) + 1:]),
    st.tuples(st.sampled_from(CODES), st.integers(1, 200)).map(lambda t: t[0][:t[1] % len(t[0])]),
))
def test_a_link_code_is_never_a_5xx(code):
    response = post("/api/scenarios/decode", {"code": code})
    if response.status_code == 200:      # a code that decodes opens a session, or says why not
        post("/api/sessions", response.json()["config"])
