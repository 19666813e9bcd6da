"""A teacher's class in memory: create, join by code, progress and refusals in the teacher's view,
predictions collected, a lesson pushed, a pause, results as CSV, a learner removed, the end, and
expiry; the teacher's key on every teacher route; the limits."""
import csv
import io
import time

import pytest

from app.classes.model import ALPHABET, error_entry
from ..conftest import fields

LESSON = {"title": "XOR by hand", "config": {"dataset": {"name": "xor", "n": 40}, "layers": [2, 3, 1]},
          "teacher": {"predict": {"layer": 1, "i": 0, "j": 0}}}


def new_class(client, **body):
    response = client.post("/api/classes", json=body)
    assert response.status_code == 201, response.text
    made = response.json()
    return made["code"], {"Authorization": f"Bearer {made['teacher_key']}"}


def view(client, code, key, wait_for=None):
    """The teacher's view (after the background notes of the last requests have landed)."""
    for _ in range(50):
        room = client.get(f"/api/classes/{code}", headers=key).json()
        if wait_for is None or wait_for(room):
            return room
        time.sleep(0.02)
    return room


def test_a_class_has_a_short_code_without_look_alikes_and_a_128_bit_key(client):
    made = client.post("/api/classes", json={"title": "Period 3"}).json()
    assert len(made["code"]) == 6 and set(made["code"]) <= set(ALPHABET) and not set(made["code"]) & set("01OIL")
    assert len(made["teacher_key"]) >= 22 and made["expires_at"] > time.time() + 3.9 * 3600


def test_learners_join_on_the_lesson_and_the_teacher_sees_their_progress_and_refusals(client):
    code, key = new_class(client, title="Period 3", lesson=LESSON)
    ana = client.post(f"/api/classes/{code.lower()}/join", json={"name": "  Ana  "}).json()
    twin = client.post(f"/api/classes/{code}/join", json={"name": "Ana"}).json()
    assert ana["name"] == "Ana" and twin["name"] == "Ana (2)" and ana["lesson"]["title"] == "XOR by hand"
    state = client.get(f"/api/sessions/{ana['session']}").json()
    assert state["config"]["layers"] == [2, 3, 1]                      # the lesson's network
    assert client.post(f"/api/sessions/{ana['session']}/backward").status_code == 409
    client.post(f"/api/sessions/{ana['session']}/train", json={"steps": 7})
    room = view(client, code, key, lambda r: r["learners"][0]["step"] == 7 and r["learners"][0]["errors"])
    first = room["learners"][0]
    assert first["name"] == "Ana" and first["phase"] == "updated" and first["loss"] > 0 and 0 <= first["accuracy"] <= 1
    assert first["errors"][0]["status"] == 409 and "forward" in first["errors"][0]["detail"]
    assert first["last_seen"] < 5 and room["learners"][1]["step"] == 0
    assert ana["session"] not in str(room) and twin["session"] not in str(room)       # no session ids


def test_predictions_are_judged_and_collected(client):
    code, key = new_class(client, lesson=LESSON)
    sid = client.post(f"/api/classes/{code}/join", json={"name": "Bo"}).json()["session"]
    guess = {"layer": 1, "i": 0, "j": 0, "value": 0.5}
    assert client.post(f"/api/sessions/{sid}/predict", json=guess).status_code == 409     # before Backward
    client.post(f"/api/sessions/{sid}/forward")
    truth = client.post(f"/api/sessions/{sid}/backward").json()["layers"][1]["dW"][0][0]
    judged = client.post(f"/api/sessions/{sid}/predict", json={**guess, "value": truth * 1.05}).json()
    assert judged["truth"] == truth and judged["verdict"] == "within 10 %"
    assert client.post(f"/api/sessions/{sid}/predict", json={**guess, "value": -truth}).json()["verdict"] == "wrong sign"
    room = view(client, code, key, lambda r: len(r["learners"][0]["predictions"]) == 2)
    assert [p["verdict"] for p in room["learners"][0]["predictions"]] == ["within 10 %", "wrong sign"]


def test_a_pushed_lesson_is_offered_and_a_pause_holds_the_phases(client):
    code, key = new_class(client)
    sid = client.post(f"/api/classes/{code}/join", json={"name": "Cy"}).json()["session"]
    assert client.get(f"/api/classes/{code}/lesson").json()["lesson_version"] == 1
    pushed = client.put(f"/api/classes/{code}/lesson", headers=key, json={"lesson": LESSON}).json()
    lesson = client.get(f"/api/classes/{code}/lesson").json()                     # no key needed
    assert lesson["lesson_version"] == pushed["lesson_version"] == 2 and lesson["lesson"]["title"] == "XOR by hand"
    decoded = client.post("/api/scenarios/decode", json={"code": lesson["lesson"]["code"]}).json()
    assert decoded["config"]["layers"] == [2, 3, 1]
    assert client.post(f"/api/classes/{code}/pause", headers=key, json={"paused": True}).json() == {"paused": True}
    for path, body in (("forward", None), ("backward", None), ("step", None), ("train", {"steps": 2})):
        response = client.post(f"/api/sessions/{sid}/{path}", json=body)
        assert response.status_code == 423 and "paused by the teacher" in response.text
    assert client.get(f"/api/sessions/{sid}").status_code == 200            # looking is fine
    client.post(f"/api/classes/{code}/pause", headers=key, json={"paused": False})
    assert client.post(f"/api/sessions/{sid}/forward").status_code == 200


def test_results_as_csv_removal_and_the_end(client):
    code, key = new_class(client)
    ids = [client.post(f"/api/classes/{code}/join", json={"name": name}).json()["session"] for name in ("=cmd", "Di")]
    client.post(f"/api/sessions/{ids[1]}/train", json={"steps": 3})
    view(client, code, key, lambda r: r["learners"][1]["step"] == 3)
    response = client.get(f"/api/classes/{code}/results.csv", headers=key)
    rows = list(csv.reader(io.StringIO(response.text)))
    assert response.headers["content-type"].startswith("text/csv") and rows[0][:3] == ["name", "step", "last loss"]
    assert rows[1][0] == "'=cmd" and rows[2][:2] == ["Di", "3"]               # no formula a spreadsheet runs
    assert client.delete(f"/api/classes/{code}/learners/Di", headers=key).status_code == 204
    assert [l["name"] for l in view(client, code, key)["learners"]] == ["=cmd"]
    assert client.post(f"/api/sessions/{ids[1]}/forward").status_code == 200          # carries on outside
    assert client.delete(f"/api/classes/{code}", headers=key).status_code == 204
    assert client.get(f"/api/classes/{code}", headers=key).status_code == 404
    assert client.post(f"/api/classes/{code}/join", json={"name": "Ed"}).status_code == 404
    assert client.post(f"/api/sessions/{ids[0]}/forward").status_code == 200


TEACHER_ROUTES = [("GET", ""), ("DELETE", ""), ("PUT", "/lesson"), ("POST", "/pause"), ("DELETE", "/learners/Ana"),
                  ("GET", "/results.csv")]


@pytest.mark.parametrize("method, path", TEACHER_ROUTES)
def test_every_teacher_route_needs_the_key(client, method, path):
    code, key = new_class(client)
    client.post(f"/api/classes/{code}/join", json={"name": "Ana"})
    body = {"paused": True} if path == "/pause" else {"lesson": None} if path == "/lesson" else None
    assert client.request(method, f"/api/classes/{code}{path}", json=body).status_code == 401
    other = {"Authorization": "Bearer " + "x" * 22}
    assert client.request(method, f"/api/classes/{code}{path}", json=body, headers=other).status_code == 403
    assert client.request(method, f"/api/classes/ABCDEF{path}", json=body, headers=key).status_code == 404
    assert client.request(method, f"/api/classes/{code}{path}", json=body, headers=key).status_code < 300


@pytest.mark.parametrize("code", ["ABCDE", "ABCDEFG", "abc!ef", "OOOOOO", "%00", "x" * 16])
def test_any_code_that_names_no_class_is_a_404(client, code):
    assert client.get(f"/api/classes/{code}/lesson").status_code == 404
    assert client.post(f"/api/classes/{code}/join", json={"name": "Ana"}).status_code == 404


@pytest.mark.parametrize("name", ["", "   ", "x" * 25, "bell\x07", "a\u200bb"])
def test_a_name_must_be_1_to_24_printable_characters(client, name):
    code, _ = new_class(client)
    response = client.post(f"/api/classes/{code}/join", json={"name": name})
    assert response.status_code == 422 and fields(response) == ["name"]


def test_a_class_is_full_at_its_size_and_a_lesson_no_session_could_have_is_refused(make_client):
    client = make_client(class_size=2, creates_per_minute=0)
    code, key = new_class(client)
    for name in ("A", "B"):
        assert client.post(f"/api/classes/{code}/join", json={"name": name}).status_code == 201
    assert client.post(f"/api/classes/{code}/join", json={"name": "C"}).status_code == 409
    bad = client.post("/api/classes", json={"lesson": {"config": {"layers": [3, 1], "dataset": {"name": "xor"}}}})
    assert bad.status_code == 422 and fields(bad) == ["lesson"]
    assert fields(client.put(f"/api/classes/{code}/lesson", headers=key, json={"lesson": "1.damaged"})) == ["lesson"]


def test_a_class_unused_past_its_hours_is_gone(make_client):
    client = make_client(class_hours=0.0003)          # about a second
    code, key = new_class(client)
    sid = client.post(f"/api/classes/{code}/join", json={"name": "Ana"}).json()["session"]
    time.sleep(1.3)
    assert client.get(f"/api/classes/{code}", headers=key).status_code == 404
    assert client.post(f"/api/sessions/{sid}/forward").status_code == 200          # the session carries on


def test_joins_count_against_the_create_limit(make_client):
    client = make_client(creates_per_minute=3)
    code, _ = new_class(client)
    statuses = [client.post(f"/api/classes/{code}/join", json={"name": f"L{n}"}).status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429]


def test_the_teachers_view_of_200_learners_stays_under_256_kb(make_client):
    client = make_client(creates_per_minute=0)
    code, key = new_class(client, lesson=LESSON)
    sessions = [client.post(f"/api/classes/{code}/join", json={"name": "n" * 20 + str(k)}).json()["session"]
                for k in range(200)]
    for sid in sessions[:3]:
        client.post(f"/api/sessions/{sid}/backward")
    app_classes = client.app.state.classes
    for sid in sessions:                              # every learner at the most their record keeps
        for n in range(30):
            app_classes.learner(sid).errors.append(error_entry(409, "x" * 300))
            app_classes.learner(sid).predictions.append({"layer": 1, "i": 0, "j": 0, "sample": 4999, "value": -1.2345678901234e-10,
                                                          "truth": -1.2345678901234e-10, "verdict": "right sign, off by 12× (too large)"})
            app_classes.learner(sid).derivations.append({"layer": 7, "param": "W", "i": 63, "j": 63, "formula": "x" * 60,
                                                          "correct": False, "slip": "sign+softmax_diagonal"})
    response = client.get(f"/api/classes/{code}", headers=key)
    assert response.status_code == 200 and len(response.json()["learners"]) == 200
    assert len(response.content) < 256 * 1024, len(response.content)


@pytest.mark.parametrize("where", ["memory", "redis"])
def test_a_learner_who_rebuilds_keeps_their_place_in_the_class(make_client, request, where):
    """The page replaces its session on every rebuild (a setting changed, a pushed lesson opened,
    an import): the learner stays in the class, with the new session's progress, and the pause
    holds it too."""
    settings = {"redis_url": request.getfixturevalue("redis").url} if where == "redis" else {}
    client = make_client(**settings)
    code, key = new_class(client)
    sid = client.post(f"/api/classes/{code}/join", json={"name": "Ana"}).json()["session"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 4})
    view(client, code, key, lambda r: r["learners"][0]["step"] == 4)
    other = client.post("/api/sessions", json={}).json()["id"]             # not in the class
    new = client.post(f"/api/sessions?replaces={sid}", json={"layers": [2, 3, 1]}).json()["id"]
    room = view(client, code, key)
    assert [(l["name"], l["step"], l["phase"]) for l in room["learners"]] == [("Ana", 0, "fresh")]
    client.post(f"/api/classes/{code}/pause", headers=key, json={"paused": True})
    assert client.post(f"/api/sessions/{new}/forward").status_code == 423
    assert client.post(f"/api/sessions/{other}/forward").status_code == 200
    client.post(f"/api/classes/{code}/pause", headers=key, json={"paused": False})
    client.post(f"/api/sessions/{new}/train", json={"steps": 2})
    assert view(client, code, key, lambda r: r["learners"][0]["step"] == 2)["learners"][0]["step"] == 2
    again = client.post(f"/api/sessions?replaces={other}", json={}).json()["id"]        # a stranger's rebuild
    assert len(view(client, code, key)["learners"]) == 1
    assert client.post(f"/api/sessions/{again}/forward").status_code == 200


def test_a_learner_whose_name_holds_a_slash_can_be_removed(client):
    """A nickname is any printable characters: "a/b" travels as a%2Fb and still names the learner."""
    code, key = new_class(client)
    sid = client.post(f"/api/classes/{code}/join", json={"name": "Ana/B"}).json()["session"]
    assert client.delete(f"/api/classes/{code}/learners/Ana%2FB", headers=key).status_code == 204
    assert client.get(f"/api/classes/{code}", headers=key).json()["learners"] == []
    assert client.post(f"/api/sessions/{sid}/forward").status_code == 200       # their session carries on
