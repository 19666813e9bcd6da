"""Nobody can push a class out: fresh sessions are kept, creates are rate-limited per address,
and what a page elsewhere can send cross-site creates nothing."""
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


def client_from(address, **settings):
    """A client whose requests come from `address` (TestClient's peer address)."""
    return TestClient(create_app(Settings(**settings)), client=(address, 50000))


def create(client, replaces=None, headers=None):
    query = f"?replaces={replaces}" if replaces else ""
    return client.post(f"/api/sessions{query}", json={}, headers=headers)


def test_a_flood_of_creates_from_one_client_leaves_the_class_in_place(make_client):
    """One client creating in a loop: first the store fills (503: the class is full), then the
    rate limit stops it (429); the learner who was there before keeps the session."""
    client = make_client(max_sessions=100)
    learner = create(client).json()["id"]
    statuses = [create(client).status_code for _ in range(1200)]
    assert client.get(f"/api/sessions/{learner}").status_code == 200
    assert statuses.count(201) == 99 and 429 in statuses and 503 in statuses
    assert set(statuses) == {201, 429, 503}
    assert len(client.app.state.store) == 100


def test_rebuilds_that_replace_the_previous_session_are_not_counted(make_client):
    """A class changing its learning rate together: each rebuild names its previous session."""
    client = make_client(creates_per_minute=10)
    sid = create(client).json()["id"]
    for _ in range(50):
        response = create(client, replaces=sid)
        assert response.status_code == 201, response.text
        assert client.get(f"/api/sessions/{sid}").status_code == 404     # the old one is gone
        sid = response.json()["id"]
    assert len(client.app.state.store) == 1
    assert [create(client).status_code for _ in range(10)] == [201] * 9 + [429]


def test_creates_naming_one_session_at_once_are_free_only_once(make_client):
    """Rounds of creates at once, each naming a session the round before made, took a server
    with a limit of 5 a minute to 27 sessions: every create naming a live session went uncounted.
    Now one of them replaces it, and the others count."""
    from concurrent.futures import ThreadPoolExecutor
    client = make_client(creates_per_minute=5, max_sessions=100)
    named = create(client).json()["id"]                    # 1 of the 5
    for _ in range(5):
        with ThreadPoolExecutor(12) as pool:
            replies = list(pool.map(lambda _: create(client, replaces=named), range(12)))
        made = [r.json()["id"] for r in replies if r.status_code == 201]
        assert {r.status_code for r in replies} <= {201, 429}
        if made:
            named = made[0]
    assert len(client.app.state.store) <= 5, len(client.app.state.store)
    assert client.get(f"/api/sessions/{named}").status_code == 200


def test_replacing_a_session_that_does_not_exist_counts(make_client):
    client = make_client(creates_per_minute=3)
    assert [create(client, replaces="nobody-has-this-id").status_code for _ in range(4)] == [201, 201, 201, 429]


def test_the_301st_create_in_a_minute_from_one_address_is_429(make_client):
    client = make_client(max_sessions=1000)
    now = [1000.0]
    client.app.state.limiter.clock = lambda: now[0]
    statuses = []
    for k in range(301):
        now[0] += 0.1                                  # all 301 within 30.1 s
        statuses.append(create(client).status_code)
    assert statuses == [201] * 300 + [429]
    refused = create(client)
    assert refused.status_code == 429 and "MANUALGRAD_CREATES_PER_MINUTE" in refused.json()["detail"]
    assert int(refused.headers["retry-after"]) == 30   # the first create leaves the window at 60.1 s
    now[0] += 30
    assert create(client).status_code == 201


def test_a_refused_create_costs_no_existing_session(make_client):
    client = make_client(creates_per_minute=2, max_sessions=2, protect_seconds=0)
    ids = [create(client).json()["id"] for _ in range(2)]
    assert create(client).status_code == 429
    assert all(client.get(f"/api/sessions/{sid}").status_code == 200 for sid in ids)


def test_the_limit_is_per_address():
    first, second = client_from("10.0.0.1", creates_per_minute=2), None
    app = first.app
    second = TestClient(app, client=("10.0.0.2", 50000))
    assert [create(first).status_code for _ in range(3)] == [201, 201, 429]
    assert [create(second).status_code for _ in range(3)] == [201, 201, 429]


def test_x_forwarded_for_from_an_untrusted_address_is_ignored():
    client = client_from("203.0.113.9", creates_per_minute=2)
    statuses = [create(client, headers={"x-forwarded-for": f"198.51.100.{k}"}).status_code for k in range(3)]
    assert statuses == [201, 201, 429]


@pytest.mark.parametrize("trusted", ["10.0.0.7", "10.0.0.0/24", "192.0.2.1, 10.0.0.7"])
def test_behind_a_trusted_proxy_each_learner_has_their_own_limit(trusted):
    proxy = client_from("10.0.0.7", creates_per_minute=2, trusted_proxies=trusted)
    for learner in ("198.51.100.1", "198.51.100.2"):
        headers = {"x-forwarded-for": learner}
        assert [create(proxy, headers=headers).status_code for _ in range(3)] == [201, 201, 429]
    # what a client writes itself left of the proxy's entry is not believed
    spoofed = {"x-forwarded-for": "1.2.3.4, 198.51.100.1"}
    assert create(proxy, headers=spoofed).status_code == 429


def test_the_limit_can_be_turned_off(make_client):
    client = make_client(creates_per_minute=0, max_sessions=2000)
    assert all(create(client).status_code == 201 for _ in range(400))


def test_the_protection_window_is_at_most_the_idle_time():
    with pytest.raises(ValueError, match="MANUALGRAD_PROTECT_SECONDS"):
        Settings(protect_seconds=100, idle_seconds=50)
    assert Settings(idle_seconds=50).protect_seconds == 50
    assert Settings().protect_seconds == 900


def test_a_bad_trusted_proxy_setting_is_refused_by_name():
    with pytest.raises(ValueError, match="MANUALGRAD_TRUSTED_PROXIES"):
        Settings(trusted_proxies="10.0.0.1, not-an-address")


def test_the_costly_stateless_tools_are_rate_limited_per_address(make_client):
    """The graph lab, link codes and imports cost compute whatever session a client has (or
    none): together, at most MANUALGRAD_TOOLS_PER_MINUTE a minute from one address."""
    client = make_client(tools_per_minute=4, creates_per_minute=0)
    code = client.post("/api/scenarios/encode", json={}).json()            # 1
    assert client.post("/api/scenarios/decode", json=code).status_code == 200        # 2
    assert client.post("/api/graph", json={"source": "x * 2", "values": {"x": 1}}).status_code == 200   # 3
    assert client.post("/api/graph", json={"source": "x * 3", "values": {"x": 1}}).status_code == 200   # 4
    for path, body in [("/api/graph", {"source": "x", "values": {"x": 1}}), ("/api/scenarios/decode", code),
                       ("/api/scenarios/encode", {}), ("/api/sessions/import", {"format": "nothing"})]:
        response = client.post(path, json=body)
        assert response.status_code == 429 and "MANUALGRAD_TOOLS_PER_MINUTE" in response.json()["detail"], path
        assert int(response.headers["retry-after"]) >= 1
    assert client.post("/api/sessions", json={}).status_code == 201       # creates have a limit of their own
    other = TestClient(client.app, client=("10.9.9.9", 50000))
    assert other.post("/api/graph", json={"source": "x", "values": {"x": 1}}).status_code == 200
