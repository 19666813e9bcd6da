"""What export writes, import accepts, for every kind of session in every phase: the imported
session carries on exactly as the exported one does. A diverged session's export is a 409."""
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from app.main import create_app
from app.settings import Settings

from ..configurations import ACTIONS, configurations


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(creates_per_minute=0, tools_per_minute=0, max_sessions=5000))) as client:
        yield client


def without_id(state):
    """A state without its id and a train's `waited` (a measured time, not the session's)."""
    return {key: value for key, value in state.items() if key not in ("id", "waited")}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(config=configurations(), actions=ACTIONS)
def test_what_export_writes_import_accepts_and_carries_on_alike(client, config, actions):
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 201, response.text
    sid = response.json()["id"]
    for action in actions:
        status = client.post(f"/api/sessions/{sid}/{action}", json={"steps": 3} if action == "train" else None).status_code
        assert status in (200, 409), (action, status)            # 409: a phase out of order
    exported = client.get(f"/api/sessions/{sid}/export")
    if exported.status_code == 409:             # weights no longer finite: JSON cannot hold them
        assert "diverged" in exported.json()["detail"] and client.get(f"/api/sessions/{sid}").json()["diverged"]
        return
    assert exported.status_code == 200, exported.text
    imported = client.post("/api/sessions/import", json=exported.json())
    assert imported.status_code == 201, imported.text
    copy = imported.json()["id"]
    for action in ("forward", "backward", "step", "train"):       # an import opens fresh: Forward first
        body = {"steps": 3} if action == "train" else None
        mine = client.post(f"/api/sessions/{sid}/{action}", json=body).json()
        theirs = client.post(f"/api/sessions/{copy}/{action}", json=body).json()
        assert without_id(theirs) == without_id(mine), action
    assert client.get(f"/api/sessions/{copy}/data").json() == client.get(f"/api/sessions/{sid}/data").json()
    history, exported_history = (client.get(f"/api/sessions/{s}/history").json() for s in (copy, sid))
    # the past states to look back at stay with the session that made them: a file starts its own
    assert history.pop("past_steps")[0] == history.pop("reachable")[0][0] == exported.json()["step"]
    exported_history.pop("past_steps"), exported_history.pop("reachable")
    assert history == exported_history
    client.delete(f"/api/sessions/{sid}")
    client.delete(f"/api/sessions/{copy}")
