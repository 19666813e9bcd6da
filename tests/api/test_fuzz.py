"""Schemathesis over the whole OpenAPI spec: no 5xx, and every response matches what the spec
documents (status code, content type, headers, body schema).

A generated `session_id` is mostly swapped for a live session, put in a chosen phase first, so
that the 200 and 409 answers are reached and checked, not only 404s. Examples are bounded (and
derandomised) so that CI stays fast; set FUZZ_EXAMPLES=500 for a deeper, random run.
"""
import os

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance
from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES
from schemathesis.core.parameters import ParameterLocation

from app.main import create_app
from app.settings import Settings

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

app = create_app(Settings(train_seconds=0.2, max_sessions=200, protect_seconds=0, creates_per_minute=0))
# a body too large for the server (a string past its maxLength, say) is rightly refused with 413
REFUSALS = [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=schemathesis.Config.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}}}))

# one of each kind of session: binary, regression on a line, multiclass, 3 inputs (no picture),
# one that diverges (NaN and inf become null), minibatches with momentum
POOL = [
    {},
    {"dataset": {"name": "sine", "n": 40}, "optimizer": {"name": "momentum", "lr": 0.05}, "batch_size": 8},
    {"dataset": {"name": "blobs", "n": 60}, "optimizer": {"name": "adam", "lr": 0.01}},
    {"dataset": {"X": [[0, 1, 2], [1, 0, 1], [2, 2, 0]], "Y": [[0.5], [1.5], [-1]]},
     "layers": [3, 5, 5, 1], "activations": ["relu", "leaky_relu", "linear"]},
    {"dataset": {"name": "sine", "n": 30}, "optimizer": {"lr": 1e6}, "layers": [1, 8, 1]},
]
PHASES = [[], ["forward"], ["forward", "backward"], ["forward", "backward", "step"]]


class Pool:
    """Live sessions of each POOL config, recreated once deleted or gone."""

    def __init__(self):
        self.client = TestClient(app)
        self.ids = {}

    def session(self, kind, phase):
        sid = self.ids.get(kind)
        if sid is None or self.client.post(f"/api/sessions/{sid}/reset").status_code != 200:
            response = self.client.post("/api/sessions", json=POOL[kind])
            assert response.status_code == 201, response.text
            sid = self.ids[kind] = response.json()["id"]
        for name in PHASES[phase]:
            self.client.post(f"/api/sessions/{sid}/{name}")
        if kind == 4 and phase:    # the diverging one: train it until its numbers are not finite
            self.client.post(f"/api/sessions/{sid}/train", json={"steps": 20})
            for name in PHASES[phase]:
                self.client.post(f"/api/sessions/{sid}/{name}")
        return sid


pool = Pool()


class Classes:
    """A live class, made again once the fuzzing ended it, and its teacher's key."""

    def __init__(self):
        self.code = self.key = None

    def live(self):
        if self.code is None or pool.client.get(f"/api/classes/{self.code}/lesson").status_code != 200:
            made = pool.client.post("/api/classes", json={"title": "fuzz"}).json()
            self.code, self.key = made["code"], made["teacher_key"]
            pool.client.post(f"/api/classes/{self.code}/join", json={"name": "Ana"})
        return self.code


classes = Classes()


@schema.parametrize()
@schema.given(live=st.sampled_from([True] * 4 + [False]), kind=st.sampled_from(range(len(POOL))),
              phase=st.sampled_from([0, 1, 2, 2, 3]), small_indices=st.booleans())
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=EXAMPLES <= 25,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_spec(case, live, kind, phase, small_indices):
    path_is_valid = not case.meta.is_negative_at(ParameterLocation.PATH)
    if "session_id" in (case.path_parameters or {}) and live and path_is_valid:   # else keep it
        if small_indices:   # gradients, and indices that fit every pool net: reach the 200s
            phase = 2
            case.query.update({k: 0 for k in ("layer", "i", "j", "sample") if k in (case.query or {})})
        case.path_parameters["session_id"] = pool.session(kind, phase)
    if "code" in (case.path_parameters or {}) and live and path_is_valid:       # a class that is there
        case.path_parameters["code"] = classes.live()
        key = classes.key if kind else classes.key[::-1]         # the teacher's key, or a wrong one
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {key}"} if phase else case.headers
    # not positive_data_acceptance: a schema-valid config the engine refuses (layers[0] not the
    # data's inputs, say) is rightly a 422, and 404/409 answer valid requests on wrong state
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


def test_spec_declares_the_error_answers():
    """Not only what schemathesis sees: every session route documents 404 and 422, phases 409."""
    paths = app.openapi()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if "{session_id}" in path:
                assert {"404", "413", "422"} <= codes, (method, path)
            assert all(operation["responses"][c].get("content") for c in codes if c not in ("204",)), (method, path)
    for path in ("/backward", "/step", "/chain", "/gradcheck"):
        method = "get" if path in ("/chain", "/gradcheck") else "post"
        assert "409" in paths[f"/api/sessions/{{session_id}}{path}"][method]["responses"]


@pytest.fixture(scope="module", autouse=True)
def close_pool():
    yield
    pool.client.close()


# what the fuzzing found, kept as plain regression tests

def test_body_that_is_not_utf8_is_a_422_naming_the_body(client):
    """Was FastAPI's bare 400 "There was an error parsing the body"."""
    response = client.post("/api/sessions", content=b'{"layers": "\xc3\x01"}',
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "body"
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_405_allow_names_every_method_of_the_path(client, session):
    """Was `Allow: GET` for /api/sessions/{id}, which also takes DELETE."""
    response = client.options(f"/api/sessions/{session['id']}")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET"
    assert client.put("/api/sessions").headers["allow"] == "POST"


def test_streamed_body_over_the_limit_gets_the_same_413_body(client):
    """Was {"detail"} only, where a Content-Length over the limit gives detail, field and limit."""
    def chunks():
        for _ in range(300):
            yield b"[0.125, 0.25]," * 1000
    response = client.post("/api/sessions", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"detail": "request body is larger than the limit of 2097152 bytes",
                                "field": "body", "limit": 2097152}
    assert response.headers["connection"] == "close"
