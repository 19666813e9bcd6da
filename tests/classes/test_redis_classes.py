"""A class in Redis, served by two processes: what a learner does on one shows in the teacher's view
on the other, and the teacher's lesson, pause, removal and end reach both. Real app processes and
a real redis-server."""
import contextlib
import time

import pytest
import redis as redis_py

from ..live import live_process

pytestmark = pytest.mark.slow

LESSON = {"title": "XOR by hand", "config": {"dataset": {"name": "xor", "n": 40}, "layers": [2, 3, 1]},
          "teacher": {"predict": {"layer": 1, "i": 0, "j": 0}}}
SOON = 4.0        # seconds: a process trusts what it read of membership and pause for 2 s


@contextlib.contextmanager
def two_processes(redis, **settings):
    with live_process(redis_url=redis.url, **settings) as a, live_process(redis_url=redis.url, **settings) as b:
        yield a, b


def eventually(check, seconds=SOON):
    """`check()`'s value once it is truthy, polling; fails with its last value after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, value
            return value
        time.sleep(0.1)


def class_keys(redis):
    """The keys of every class and of every learner's membership left in Redis."""
    client = redis_py.Redis.from_url(redis.url)
    try:
        return client.keys("mg:c:*") + client.keys("mg:m:*")
    finally:
        client.close()


def new_class(server, **body):
    status, _, made = server.call("POST", "/api/classes", body)
    assert status == 201, made
    return made["code"], {"Authorization": f"Bearer {made['teacher_key']}"}


def learners(server, code, key):
    status, _, view = server.call("GET", f"/api/classes/{code}", headers=key)
    assert status == 200, view
    return {learner["name"]: learner for learner in view["learners"]}


def test_a_class_flows_across_two_processes(redis):
    with two_processes(redis) as (a, b):
        code, key = new_class(a, title="Backprop 1", lesson=LESSON)
        # joined on either process, the same roster; a name taken is made distinct
        ana = b.call("POST", f"/api/classes/{code}/join", {"name": "Ana"})[2]
        ana2 = a.call("POST", f"/api/classes/{code}/join", {"name": "Ana"})[2]
        assert (ana["name"], ana2["name"]) == ("Ana", "Ana (2)")
        assert ana["lesson"]["title"] == "XOR by hand"
        assert set(learners(a, code, key)) == set(learners(b, code, key)) == {"Ana", "Ana (2)"}
        # progress on b shows in the view on a; a refusal too
        sid = ana["session"]
        assert b.call("POST", f"/api/sessions/{sid}/backward")[0] == 409
        assert b.call("POST", f"/api/sessions/{sid}/forward")[0] == 200
        seen = eventually(lambda: learners(a, code, key)["Ana"]["phase"] == "forward" and learners(a, code, key)["Ana"])
        assert seen["loss"] is not None and seen["errors"][0]["status"] == 409
        # a prediction made on a is collected, judged, and seen on b
        assert a.call("POST", f"/api/sessions/{sid}/backward")[0] == 200
        _, _, judged = a.call("POST", f"/api/sessions/{sid}/predict", {"layer": 1, "i": 0, "j": 0, "value": 0.01})
        predictions = eventually(lambda: learners(b, code, key)["Ana"]["predictions"])
        assert predictions[-1]["truth"] == pytest.approx(judged["truth"], rel=1e-5)
        assert predictions[-1]["verdict"] == judged["verdict"]
        # a lesson pushed on b is what a learner's page polls on a
        new = {"title": "Circles", "config": {"dataset": {"name": "circles", "n": 60}, "layers": [2, 4, 1]}}
        status, _, pushed = b.call("PUT", f"/api/classes/{code}/lesson", {"lesson": new}, headers=key)
        assert status == 200 and pushed["lesson_version"] == 2
        offered = a.call("GET", f"/api/classes/{code}/lesson")[2]
        assert offered["lesson_version"] == 2 and offered["lesson"]["title"] == "Circles"
        # paused on a, the class's sessions wait on b; resumed, they go on
        assert a.call("POST", f"/api/classes/{code}/pause", {"paused": True}, headers=key)[0] == 200
        eventually(lambda: b.call("POST", f"/api/sessions/{sid}/step")[0] == 423)
        status, _, refused = b.call("POST", f"/api/sessions/{sid}/forward")
        assert status == 423 and "paused by the teacher" in str(refused)
        assert a.call("POST", f"/api/classes/{code}/pause", {"paused": False}, headers=key)[0] == 200
        eventually(lambda: b.call("POST", f"/api/sessions/{sid}/forward")[0] == 200)
        # removed on b: gone from the view on a, their session carries on outside the class
        assert b.call("DELETE", f"/api/classes/{code}/learners/Ana%20(2)", headers=key)[0] == 204
        assert set(learners(a, code, key)) == {"Ana"}
        assert a.call("POST", f"/api/sessions/{ana2['session']}/forward")[0] == 200
        # ended on a: every teacher's route on b is 404; the learners' sessions carry on
        assert a.call("DELETE", f"/api/classes/{code}", headers=key)[0] == 204
        for method, path in (("GET", ""), ("GET", "/lesson"), ("GET", "/results.csv"), ("POST", "/join")):
            body = {"name": "Bo"} if path == "/join" else None
            assert b.call(method, f"/api/classes/{code}{path}", body, headers=key)[0] == 404
        assert class_keys(redis) == []
        assert b.call("POST", f"/api/sessions/{sid}/forward")[0] == 200


def test_every_teachers_route_wants_the_key_on_every_process(redis):
    with two_processes(redis) as (a, b):
        code, _ = new_class(a)
        routes = [("GET", ""), ("DELETE", ""), ("PUT", "/lesson"), ("POST", "/pause"),
                  ("DELETE", "/learners/Ana"), ("GET", "/results.csv")]
        for server in (a, b):
            for method, path in routes:
                body = {"lesson": None} if path == "/lesson" else {"paused": True} if path == "/pause" else None
                assert server.call(method, f"/api/classes/{code}{path}", body)[0] == 401
                wrong = {"Authorization": "Bearer " + "x" * 22}
                assert server.call(method, f"/api/classes/{code}{path}", body, headers=wrong)[0] == 403


def test_a_class_unused_for_its_hours_is_gone_from_redis(redis):
    with two_processes(redis, class_hours=1 / 3600) as (a, b):           # one second
        code, key = new_class(a)
        sid = b.call("POST", f"/api/classes/{code}/join", {"name": "Ana"})[2]["session"]
        time.sleep(2.5)
        assert b.call("GET", f"/api/classes/{code}", headers=key)[0] == 404
        assert class_keys(redis) == []
        assert a.call("POST", f"/api/sessions/{sid}/forward")[0] == 200          # the session carries on


def test_a_class_in_use_keeps_every_learners_record_past_its_hours(redis):
    """A class kept busy outlives MANUALGRAD_CLASS_HOURS since its start: its learners' membership
    and answers are kept as long as the class, not from the moment they were written."""
    with two_processes(redis, class_hours=2 / 3600) as (a, b):            # two seconds
        code, key = new_class(a, lesson=LESSON)
        sid = b.call("POST", f"/api/classes/{code}/join", {"name": "Ana"})[2]["session"]
        for phase in ("forward", "backward"):
            assert a.call("POST", f"/api/sessions/{sid}/{phase}")[0] == 200
        a.call("POST", f"/api/sessions/{sid}/predict", {"layer": 1, "i": 0, "j": 0, "value": 0.0})
        eventually(lambda: learners(b, code, key)["Ana"]["predictions"])
        for _ in range(8):                    # four seconds, the teacher's view polled
            assert len(learners(b, code, key)["Ana"]["predictions"]) == 1
            time.sleep(0.5)
        assert a.call("POST", f"/api/sessions/{sid}/forward")[0] == 200
        eventually(lambda: learners(b, code, key)["Ana"]["phase"] == "forward")
