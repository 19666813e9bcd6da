"""POST /derive: a learner's formula for one sample's term of a dense weight's (or bias's)
gradient, checked on every sample of the batch: the reply's shape, the 409 before Forward and
Backward, the 422s naming the field (the formula's line and column), the bounds, a CNN or an
attention session refused, injection attempts a fast 422, and the verdicts in a class's view."""
import os

import pytest
import redis as redis_py

from app.engine.derive import MAX_FORMULA
from ..conftest import fields
from .test_classes import new_class, view

RIGHT = "(a - y)/n * a_prev"          # an output weight of the starter network (sigmoid, bce)


def stepped(client, config=None):
    sid = client.post("/api/sessions", json=config or {}).json()["id"]
    client.post(f"/api/sessions/{sid}/forward")
    state = client.post(f"/api/sessions/{sid}/backward").json()
    return sid, state


def derive(client, sid, formula, query="", **weight):
    body = {"layer": 1, "i": 0, "j": 0, **weight, "formula": formula}
    return client.post(f"/api/sessions/{sid}/derive{query}", json=body)


def test_the_right_formula_is_correct_on_every_sample(client):
    sid, state = stepped(client)
    reply = derive(client, sid, RIGHT, "?sample=7")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["correct"] and body["wrong"] == 0 and body["first_wrong"] is None
    assert body["slip"] is None and body["hint"] is None
    assert body["names"] == ["a_prev", "w", "b", "z", "a", "y", "n", "dL_da"]
    assert body["batch_size"] == state["batch_size"] == 200 and len(body["samples"]) == 50     # the first 50 rows
    assert all(s["yours"] == pytest.approx(s["truth"], rel=1e-9) for s in body["samples"])
    assert body["followed"]["sample"] == 7
    chain = client.get(f"/api/sessions/{sid}/chain?layer=1&i=0&j=0&sample=7").json()
    assert body["followed"]["truth"] == pytest.approx(chain["product"], rel=1e-12)     # the term /chain lists
    terms = {t["sample"]: t["product"] for t in chain["terms"]}
    assert all(terms[s["sample"]] == pytest.approx(s["truth"], rel=1e-12) for s in body["samples"])


def test_a_wrong_formula_names_the_first_sample_it_misses_and_the_slip(client):
    sid, _ = stepped(client)
    body = derive(client, sid, "(a - y) * a_prev").json()
    assert not body["correct"] and body["wrong"] == 200 and body["slip"] == "one_over_n"
    assert "1/n is missing" in body["hint"]
    first = body["samples"][0]
    assert body["first_wrong"] == first and first["yours"] == pytest.approx(200 * first["truth"])


def test_a_bias_is_named_as_weight_names_it_and_a_hidden_weight_has_x(client):
    sid, _ = stepped(client)
    bias = derive(client, sid, "(a - y)/n", param="b", j=None)
    assert bias.status_code == 200 and bias.json()["correct"] and bias.json()["j"] is None
    assert bias.json()["names"] == ["b", "z", "a", "y", "n", "dL_da"]
    hidden = derive(client, sid, "dL_da * (1 - a^2) * x", layer=0, i=1, j=3).json()       # tanh
    assert hidden["correct"] and "x" in hidden["names"] and "y" not in hidden["names"]


def test_before_forward_and_backward_it_is_409_as_chain_says(client):
    sid = client.post("/api/sessions", json={}).json()["id"]
    for phase in (None, "forward"):
        if phase:
            client.post(f"/api/sessions/{sid}/{phase}")
        reply = derive(client, sid, RIGHT)
        assert reply.status_code == 409 and "click Forward, then Backward" in reply.json()["detail"]
    client.post(f"/api/sessions/{sid}/backward")
    client.post(f"/api/sessions/{sid}/step")
    assert derive(client, sid, RIGHT).status_code == 409


@pytest.mark.parametrize("formula, words", [
    ("(a - y)/n * a_prev +", "(line 1, column"),
    ("d = a - y\nd/n * h", "h is not a name here; the names are a_prev, w, b, z, a, y, n, dL_da (line 2, column 7)"),
    ("x * dL_da", "x is the network's input"),
    ("a, z", "one formula only"),
])
def test_a_formula_outside_the_language_is_422_naming_formula_with_line_and_column(client, formula, words):
    sid, _ = stepped(client)
    reply = derive(client, sid, formula)
    assert reply.status_code == 422 and fields(reply) == ["formula"]
    assert words in reply.json()["detail"][0]["msg"]


@pytest.mark.parametrize("weight, field", [
    ({"layer": 2}, "layer"), ({"layer": 8}, "layer"), ({"i": 4}, "i"), ({"i": 64}, "i"), ({"j": 1}, "j"),
    ({"j": None}, "j"), ({"param": "b", "j": 0}, "j"), ({"param": "b", "i": 1, "j": None}, "i"),
    ({"param": "gamma"}, "param"), ({"formula": ""}, "formula"), ({"formula": "a" * (MAX_FORMULA + 1)}, "formula"),
    ({"layer": "1"}, "layer"), ({"extra": 1}, "extra"),
])
def test_a_weight_out_of_range_or_a_formula_too_long_is_422_naming_it(client, weight, field):
    sid, _ = stepped(client)
    body = {"layer": 1, "i": 0, "j": 0, "formula": RIGHT, **weight}
    reply = client.post(f"/api/sessions/{sid}/derive", json={k: v for k, v in body.items()})
    assert reply.status_code == 422 and fields(reply) == [field], reply.text


def test_a_followed_sample_past_the_data_is_422_and_one_outside_the_minibatch_has_no_values(client):
    sid, _ = stepped(client, {"batch_size": 8})
    assert fields(derive(client, sid, RIGHT, "?sample=200")) == ["sample"]
    indices = set(client.get(f"/api/sessions/{sid}/batch?arrays=false").json()["indices"])
    outside = next(n for n in range(200) if n not in indices)
    body = derive(client, sid, RIGHT, f"?sample={outside}").json()
    assert body["followed"] is None and body["batch_size"] == 8 and len(body["samples"]) == 8
    assert {s["sample"] for s in body["samples"]} == indices


@pytest.mark.parametrize("config", [
    {"dataset": {"name": "bars"}},
    {"dataset": {"name": "reverse", "n": 40}, "layers": [{"type": "attention", "d_k": 2, "d_v": 2}, {"type": "dense"}]},
])
def test_a_cnn_or_an_attention_session_is_refused_saying_derive_covers_dense_layers(client, config):
    sid, _ = stepped(client, config)
    reply = derive(client, sid, RIGHT, layer=0)
    assert reply.status_code == 422 and fields(reply) == ["layer"]
    assert "derive covers dense layers" in reply.json()["detail"][0]["msg"]


INJECTIONS = ["__import__('os').system('touch /tmp/pwned')", "a.__class__.__mro__", "[x for x in ()]",
              "exec('1')", "lambda: 1", "open('/etc/passwd')", "a if a else b", "(a := 1)", "f'{a}'",
              "'a' * 10", "9 ** 9 ** 9 ** 9", "a" + "(" * 200 + ")" * 200, "(" * 499, "a\0", "import os",
              "a[0]", "sigmoid(a, z)", "exp(a=1)", "*a", "{1: 2}"]


@pytest.mark.parametrize("formula", INJECTIONS)
def test_injection_attempts_are_a_422(client, formula):
    """Refused by the parser's whitelist before anything is evaluated (about 10 ms each)."""
    sid, _ = stepped(client)
    reply = derive(client, sid, formula)
    assert reply.status_code == 422 and fields(reply) == ["formula"], reply.text
    assert not os.path.exists("/tmp/pwned")


def test_a_batch_of_5000_is_checked_whole(client):
    sid, _ = stepped(client, {"dataset": {"name": "circles", "n": 5000}, "layers": [2, 16, 16, 1]})
    reply = derive(client, sid, "dL_da * (1 - a**2) * a_prev", layer=1, i=3, j=5)
    assert reply.status_code == 200 and reply.json()["correct"] and reply.json()["batch_size"] == 5000


def test_verdicts_reach_the_teachers_view_and_the_results(client):
    lesson = {"config": {"dataset": {"name": "xor", "n": 40}, "layers": [2, 3, 1]},
              "teacher": {"derive": {"layer": 1, "i": 0, "j": 0}}}
    code, key = new_class(client, lesson=lesson)
    sid = client.post(f"/api/classes/{code}/join", json={"name": "Bo"}).json()["session"]
    client.post(f"/api/sessions/{sid}/forward")
    client.post(f"/api/sessions/{sid}/backward")
    assert derive(client, sid, "(y - a)/n * a_prev").json()["slip"] == "sign"
    assert derive(client, sid, RIGHT).json()["correct"]
    assert derive(client, sid, "a", param="b", j=None).json()["correct"] is False
    room = view(client, code, key, lambda r: len(r["learners"][0]["derivations"]) == 2)
    assert room["learners"][0]["derivations"] == [                   # the latest two, without their formulas
        {"layer": 1, "i": 0, "j": 0, "correct": True, "slip": None},
        {"layer": 1, "param": "b", "i": 0, "correct": False, "slip": room["learners"][0]["derivations"][1]["slip"]}]
    results = client.get(f"/api/classes/{code}/results.csv", headers=key).text
    assert "1 0 0: (y - a)/n * a_prev: sign; 1 0 0: (a - y)/n * a_prev: right; 1 0 b: a:" in results


def test_verdicts_in_a_class_kept_in_redis_reach_the_teachers_view(make_client, redis):
    client = make_client(redis_url=redis.url, creates_per_minute=0)
    code, key = new_class(client, lesson={"config": {"dataset": {"name": "xor", "n": 40}, "layers": [2, 3, 1]}})
    sid = client.post(f"/api/classes/{code}/join", json={"name": "Cy"}).json()["session"]
    client.post(f"/api/sessions/{sid}/forward")
    client.post(f"/api/sessions/{sid}/backward")
    for formula in ("(a - y) * a_prev", RIGHT):
        assert derive(client, sid, formula).status_code == 200
    room = view(client, code, key, lambda r: len(r["learners"][0]["derivations"]) == 2)
    assert [(d["correct"], d["slip"]) for d in room["learners"][0]["derivations"]] == [(False, "one_over_n"),
                                                                                        (True, None)]
    assert "1 0 0: (a - y) * a_prev: one_over_n" in client.get(f"/api/classes/{code}/results.csv", headers=key).text
    assert client.delete(f"/api/classes/{code}/learners/Cy", headers=key).status_code == 204
    assert not redis_py.Redis.from_url(redis.url).keys(f"mg:c:{code}:derivations:*")
