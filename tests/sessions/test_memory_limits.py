"""What sessions hold is counted and bounded: per session, and all of them together."""
import gc
import threading
import time

import numpy as np

from app.engine import held_bytes, peak_bytes
from app.sessions.config import SessionConfig
from app.sessions.session import build_trainer
from app.settings import Settings

DEEP = {"layers": [2] + [64] * 7 + [1], "dataset": {"name": "xor", "n": 2000}}   # ~29 MB after backward
MB = 2**20


def create(client, config=None):
    return client.post("/api/sessions", json=config or {})


def phases(client, sid, *names):
    for name in names:
        response = client.post(f"/api/sessions/{sid}/{name}")
        assert response.status_code == 200, response.text
    return response.json()


def test_a_network_over_the_per_session_limit_is_refused_naming_the_sizes(make_client):
    client = make_client(max_session_mb=20)
    response = create(client, DEEP)
    assert response.status_code == 422
    [entry] = response.json()["detail"]
    assert entry["field"] == "layers"
    assert "2-64-64-64-64-64-64-64-1" in entry["msg"] and "2000 points" in entry["msg"]
    assert "20 MB per session" in entry["msg"] and "MANUALGRAD_MAX_SESSION_MB" in entry["msg"]
    assert create(client, {**DEEP, "dataset": {"name": "xor", "n": 500}}).status_code == 201


def test_every_configuration_the_readme_allows_fits_the_default_per_session_limit():
    """The largest: 8 layers of 64 units, 64 inputs and outputs, 5,000 points of its own, Adam
    (as a session file can bring it, past the 2 MB body of a create)."""
    largest = SessionConfig(layers=[64] * 9, optimizer={"name": "adam"}, loss="mse",
                            activations=["tanh"] * 7 + ["linear"],
                            dataset={"X": [[0.5] * 64] * 5000, "Y": [[0.25] * 64] * 5000})
    trainer, _ = build_trainer(largest)
    peak = peak_bytes(trainer)
    assert 80 * MB < peak < Settings().max_session_mb * MB / 2   # room for batch norm and dropout
    trainer.forward()
    trainer.backward()
    assert held_bytes(trainer) <= peak


def test_what_a_session_holds_is_counted_as_it_grows(client):
    store = client.app.state.store
    sid = create(client, DEEP).json()["id"]
    fresh = store.held
    phases(client, sid, "forward", "backward")
    grown = store.held
    assert grown - fresh > 25 * MB                    # Z, A, dA, dZ of 2,000 rows x 449 units
    assert grown <= store.get(sid).peak_bytes + 1 * MB
    assert client.delete(f"/api/sessions/{sid}").status_code == 204
    assert store.held == 0


def test_past_the_memory_budget_idle_sessions_make_room_first(make_client):
    client = make_client(session_memory_mb=100, protect_seconds=0)
    store = client.app.state.store
    ids = []
    for _ in range(6):                                # 6 x ~30 MB at their peak: only 3 fit
        response = create(client, DEEP)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
        phases(client, ids[-1], "forward", "backward")
        assert store.held <= 100 * MB
    assert store.evicted >= 3
    assert client.get(f"/api/sessions/{ids[0]}").status_code == 404
    assert client.get(f"/api/sessions/{ids[-1]}").status_code == 200


def test_sessions_in_use_give_up_their_caches_and_get_them_back_exactly(make_client):
    """When only recently used sessions remain, their cached values go (nobody loses a
    session) and come back bit for bit when next needed: the state, the chain rule and the
    next step are what they would have been."""
    client = make_client(session_memory_mb=60)     # room for two of them at their peak
    store = client.app.state.store
    first = create(client, {**DEEP, "batch_size": 1500}).json()["id"]
    phases(client, first, "forward", "backward")
    before = client.get(f"/api/sessions/{first}?sample=3").json()
    chain_before = client.get(f"/api/sessions/{first}/chain?layer=2&i=5&j=7&sample=3").json()
    batch_before = client.get(f"/api/sessions/{first}/batch?offset=10&limit=5").json()
    others = [create(client, DEEP).json()["id"] for _ in range(2)]
    for sid in others:
        phases(client, sid, "forward", "backward")
    assert store.dropped_caches >= 1 and store.held <= 60 * MB
    assert store.get(first).trainer.network.layers[0].Z is None, "the first session kept its cache"
    assert client.get(f"/api/sessions/{first}?sample=3").json() == before
    assert client.get(f"/api/sessions/{first}/chain?layer=2&i=5&j=7&sample=3").json() == chain_before
    assert client.get(f"/api/sessions/{first}/batch?offset=10&limit=5").json() == batch_before
    assert all(client.get(f"/api/sessions/{sid}").status_code == 200 for sid in others)

    twin = make_client()                              # the same session where memory is plenty
    twin_id = create(twin, {**DEEP, "batch_size": 1500}).json()["id"]
    phases(twin, twin_id, "forward", "backward")
    after_step = phases(client, first, "step", "forward", "backward")
    twin_after = phases(twin, twin_id, "step", "forward", "backward")
    assert {**after_step, "id": None} == {**twin_after, "id": None}


def test_a_store_full_of_sessions_in_use_answers_503_with_retry_after(make_client):
    client = make_client(max_sessions=3, protect_seconds=900)
    ids = [create(client).json()["id"] for _ in range(3)]
    response = create(client)
    assert response.status_code == 503
    assert "the class is full" in response.json()["detail"] and "teacher" in response.json()["detail"]
    assert 800 < int(response.headers["retry-after"]) <= 900
    assert all(client.get(f"/api/sessions/{sid}").status_code == 200 for sid in ids)


def test_memory_full_of_sessions_at_work_answers_503(make_client):
    """A session that is training keeps its cache (its work needs it): with no other room, a
    new learner is refused with 503 and Retry-After, and the trainer is not disturbed."""
    client = make_client(session_memory_mb=40, train_seconds=30)
    busy = create(client, DEEP).json()["id"]
    thread = threading.Thread(target=lambda: client.post(f"/api/sessions/{busy}/train", json={"steps": 60}))
    thread.start()
    time.sleep(0.3)
    response = create(client, DEEP)
    thread.join()
    assert response.status_code == 503 and "MANUALGRAD_SESSION_MEMORY_MB" in response.json()["detail"]
    assert int(response.headers["retry-after"]) >= 1
    assert client.get(f"/api/sessions/{busy}").json()["step"] == 60
    assert create(client, DEEP).status_code == 201     # once it is idle, its cache makes room


def test_the_budget_holds_under_the_largest_networks(make_client):
    """Eight of the largest nets on 2,000 points, each through forward and backward, in 150 MB:
    the count never passes the budget, and the arrays of dropped caches are really freed."""
    client = make_client(session_memory_mb=150)
    store = client.app.state.store
    for _ in range(8):
        sid = create(client, DEEP).json()["id"]
        phases(client, sid, "forward", "backward")
        assert store.held <= 150 * MB
    gc.collect()
    alive = sum(a.nbytes for s in list(store._sessions.values())
                for layer in s.trainer.network.layers for a in (layer.Z, layer.A, layer.dZ, layer.dA)
                if isinstance(a, np.ndarray))
    assert alive <= 150 * MB


def test_past_states_are_trimmed_before_any_session_is_evicted(make_client):
    """Sessions that trained keep up to 4 MB of past states each; short of memory, the store
    takes those back first (each keeps the start, its anchors and its newest: every step is
    still reached, by longer replays) and evicts nobody."""
    wide = {"layers": [2, 64, 64, 1], "dataset": {"name": "xor", "n": 100}, "optimizer": {"name": "adam"}}
    client = make_client(session_memory_mb=14, protect_seconds=0)
    store = client.app.state.store
    ids = []
    for _ in range(4):
        response = create(client, wide)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
        assert client.post(f"/api/sessions/{ids[-1]}/train", json={"steps": 120}).status_code == 200
        assert store.held <= 14 * MB
    assert store.evicted == 0
    kept = [len(store._sessions[sid].trainer.past.states) for sid in ids]
    assert min(kept[:-1]) == 2 and kept[-1] > 2          # the older ones gave theirs up
    for sid in ids:
        assert client.get(f"/api/sessions/{sid}/history").json()["reachable"] == [[0, 120]]
    for sid in ids:
        assert client.get(f"/api/sessions/{sid}").status_code == 200


def test_a_replace_with_no_room_for_the_new_network_keeps_the_old_one(make_client):
    """A learner on a full server who builds a bigger network is told there is no room, and
    keeps the network they had (it was dropped before the room was looked for)."""
    client = make_client(session_memory_mb=40)
    mine = create(client, {}).json()["id"]
    busy = create(client, DEEP).json()["id"]                    # another learner's, in use
    phases(client, busy, "forward", "backward")
    bigger = {**DEEP, "dataset": {"name": "xor", "n": 5000}, "batch_size": 5000}
    response = client.post(f"/api/sessions?replaces={mine}", json=bigger)
    assert response.status_code == 503 and "memory for sessions is full" in response.json()["detail"]
    assert client.post(f"/api/sessions/{mine}/forward").status_code == 200
    assert client.app.state.store.held == sum(s.held_bytes for s in client.app.state.store._sessions.values())
