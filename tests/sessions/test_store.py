"""The session store: bounded in number, least recently used evicted first, idle sessions dropped."""
import time


def test_store_evicts_the_least_recently_used(make_client):
    client = make_client(max_sessions=3, protect_seconds=0)
    ids = [client.post("/api/sessions", json={}).json()["id"] for _ in range(3)]
    client.get(f"/api/sessions/{ids[0]}")                 # ids[1] is now the least recently used
    new = client.post("/api/sessions", json={})
    assert new.status_code == 201
    assert client.get(f"/api/sessions/{ids[1]}").status_code == 404
    assert all(client.get(f"/api/sessions/{i}").status_code == 200 for i in (ids[0], ids[2]))
    assert client.get("/healthz").json()["sessions"] == 3


def test_idle_sessions_expire(make_client):
    client = make_client(idle_seconds=0.2)
    sid = client.post("/api/sessions", json={}).json()["id"]
    assert client.get(f"/api/sessions/{sid}").status_code == 200
    time.sleep(0.3)
    assert client.get(f"/api/sessions/{sid}").status_code == 404
