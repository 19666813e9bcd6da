"""Scenario links, presets, and session files: round trips, and bad input refused clearly."""
import base64
import json
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.scenarios.files import digest
from app.scenarios.links import Scenario, TeacherMode, WeightRef, decode, encode
from app.sessions.config import NamedDataset, OptimizerConfig, SessionConfig

from ..conftest import fields

configs = st.builds(
    SessionConfig,
    layers=st.just([2, 3, 1]),
    activations=st.sampled_from([["tanh", "sigmoid"], ["relu", "sigmoid"], ["leaky_relu", "sigmoid"]]),
    loss=st.just("bce"),
    optimizer=st.builds(OptimizerConfig, name=st.sampled_from(["sgd", "momentum", "adam"]),
                        lr=st.floats(1e-6, 10, allow_nan=False)),
    batch_size=st.none() | st.integers(1, 5000),
    seed=st.integers(0, 2**32 - 1),
    dataset=st.builds(NamedDataset, name=st.sampled_from(["xor", "circles", "moons", "spiral"]),
                      n=st.integers(1, 5000), noise=st.floats(0, 2), seed=st.integers(0, 100)),
)
teachers = st.builds(TeacherMode, hide=st.lists(st.sampled_from(["layers", "loss", "play"]), max_size=3),
                     lock=st.lists(st.sampled_from(["dataset", "optimizer"]), max_size=2),
                     predict=st.none() | st.builds(WeightRef, layer=st.integers(0, 1), i=st.integers(0, 2),
                                                   j=st.integers(0, 0)))


@given(config=configs, teacher=teachers, title=st.none() | st.text(max_size=120))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_encode_decode_round_trip(config, teacher, title):
    scenario = Scenario(title=title, config=config, teacher=teacher)
    code = encode(scenario)
    assert code.startswith("1.")
    assert all(c.isalnum() or c in "-_." for c in code)          # safe in a URL fragment
    assert decode(code) == scenario


def test_codes_are_compact():
    scenario = Scenario(config=SessionConfig(layers=[2, 8, 8, 1], activations=["tanh", "tanh", "sigmoid"]))
    assert len(encode(scenario)) < 120
    assert len(encode(Scenario())) < 20


def test_scenario_with_weights_round_trips_over_http(client):
    params = [{"W": [[0.25, -0.5], [1.0, 0.125]], "b": [0.1, -0.1]}, {"W": [[2.0], [-3.0]], "b": [0.5]}]
    scenario = {"title": "two units", "config": {"layers": [2, 2, 1], "params": params},
                "teacher": {"hide": ["layers"], "lock": ["dataset"], "predict": {"layer": 1, "i": 0, "j": 0}}}
    code = client.post("/api/scenarios/encode", json=scenario).json()["code"]
    back = client.post("/api/scenarios/decode", json={"code": code}).json()
    assert back["config"]["params"] == params and back["teacher"]["predict"] == {"layer": 1, "i": 0, "j": 0}
    state = client.post("/api/sessions", json=back["config"]).json()
    assert [{"W": layer["W"], "b": layer["b"]} for layer in state["layers"]] == params


def test_encode_refuses_a_config_no_session_could_have(client):
    response = client.post("/api/scenarios/encode", json={"config": {"layers": [3, 4, 1]}})
    assert response.status_code == 422 and fields(response) == ["layers"]


@pytest.mark.parametrize("code,words", [
    ("abc", "starts with its version"),
    ("7.eJw", "version '7' is not known"),
    ("1.!!!not-base64", "damaged"),
    ("1." + base64.urlsafe_b64encode(b"plain text").decode(), "damaged"),
    ("1." + base64.urlsafe_b64encode(zlib.compress(b"[1, 2")).decode(), "damaged"),
    ("1." + base64.urlsafe_b64encode(zlib.compress(b"\0" * (3 * 1024 * 1024))).decode(), "more than"),
])
def test_damaged_codes_are_422(client, code, words):
    response = client.post("/api/scenarios/decode", json={"code": code})
    assert response.status_code == 422
    assert fields(response) == ["code"] and words in response.json()["detail"][0]["msg"]


def test_a_code_with_an_invalid_config_names_the_field(client):
    raw = json.dumps({"config": {"layers": [2, 99, 1]}}).encode()
    code = "1." + base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")
    response = client.post("/api/scenarios/decode", json={"code": code})
    assert response.status_code == 422 and fields(response) == ["code.config.layers[1]"]


def test_presets_are_listed_and_each_one_trains(client):
    presets = client.get("/api/scenarios").json()["presets"]
    names = [p["name"] for p in presets]
    assert names == ["single-neuron", "xor", "circles", "spiral", "softmax-3-class", "regression-sine", "overfitting",
                     "dropout", "batch-norm", "conv-bars", "conv-shapes", "conv-glyphs",
                     "attention-reverse", "attention-copy-first"]
    for preset in presets:
        assert preset["title"] and preset["description"]
        scenario = client.post("/api/scenarios/decode", json={"code": preset["code"]}).json()
        sid = client.post("/api/sessions", json=scenario["config"]).json()["id"]
        state = client.post(f"/api/sessions/{sid}/train", json={"steps": 30}).json()
        assert state["losses"][-1] < state["losses"][0], preset["name"]


def test_single_neuron_preset_has_the_classic_numbers(client):
    preset = next(p for p in client.get("/api/scenarios").json()["presets"] if p["name"] == "single-neuron")
    config = client.post("/api/scenarios/decode", json={"code": preset["code"]}).json()["config"]
    state = client.post("/api/sessions", json=config).json()
    assert state["layers"][0]["W"] == [[0.2]] and state["layers"][0]["b"] == [0.1]
    assert state["sample"]["input"] == [0.5] and state["sample"]["target"] == [1.0]
    assert state["optimizer"]["lr"] == 0.01 and state["config"]["loss"] == "mse"


def test_teacher_presets_folder(make_client, tmp_path):
    (tmp_path / "lesson.json").write_text(json.dumps({
        "name": "lesson-1", "title": "Lesson 1", "config": {"layers": [2, 2, 1]},
        "teacher": {"hide": ["layers"], "predict": {"layer": 0, "i": 0, "j": 1}}}))
    (tmp_path / "broken.json").write_text('{"name": "broken", "config": {"layers": [2, 999, 1]}}')
    client = make_client(scenarios_dir=str(tmp_path))
    names = [p["name"] for p in client.get("/api/scenarios").json()["presets"]]
    assert "lesson-1" in names and "broken" not in names and "xor" in names


def trained_session(client, steps=7, **config):
    sid = client.post("/api/sessions", json={"optimizer": {"name": "adam", "lr": 0.05}, **config}).json()["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": steps})
    return sid


def test_export_import_continues_exactly_where_it_left_off(client):
    sid = trained_session(client)
    exported = client.get(f"/api/sessions/{sid}/export")
    assert exported.headers["content-disposition"] == 'attachment; filename="manualgrad-step7.json"'
    imported = client.post("/api/sessions/import", json=exported.json())
    assert imported.status_code == 201
    copy = imported.json()
    original = client.get(f"/api/sessions/{sid}").json()
    assert copy["id"] != sid and copy["step"] == 7 and copy["layers"] == original["layers"]
    copied, kept = (client.get(f"/api/sessions/{i}/history").json() for i in (copy["id"], sid))
    assert copied.pop("past_steps") == [7]           # past states are not exported: the copy's start here
    assert copied.pop("reachable") == [[7, 7]] and kept.pop("reachable") == [[0, 7]]
    kept.pop("past_steps")
    assert copied == kept
    # adam's moments came along: the next steps are the same numbers
    a = client.post(f"/api/sessions/{sid}/train", json={"steps": 5}).json()
    b = client.post(f"/api/sessions/{copy['id']}/train", json={"steps": 5}).json()
    assert a["losses"] == b["losses"] and a["layers"] == b["layers"]
    # and reset goes back to the original starting weights
    first = client.post(f"/api/sessions/{sid}/reset").json()
    again = client.post(f"/api/sessions/{copy['id']}/reset").json()
    assert first["layers"] == again["layers"]


def test_the_largest_session_exports_and_imports_back(client):
    """64 inputs, 8 dense layers of 64, Adam, 5,000 points sent as tersely as JSON allows: its
    file is well over the 2 MB request limit, yet import takes it (its own, larger limit)."""
    zeros = [[0] * 64 for _ in range(5000)]
    config = {"layers": [64] * 8 + [64], "activations": ["tanh"] * 7 + ["linear"], "loss": "mse",
              "optimizer": {"name": "adam", "lr": 0.01}, "dataset": {"X": zeros, "Y": zeros}}
    body = json.dumps(config, separators=(",", ":"))
    assert len(body) < 2 * 1024 * 1024
    created = client.post("/api/sessions", content=body, headers={"content-type": "application/json"})
    assert created.status_code == 201
    sid = created.json()["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 2})
    exported = client.get(f"/api/sessions/{sid}/export")
    assert 2 * 1024 * 1024 < len(exported.content) < 12 * 1024 * 1024
    imported = client.post("/api/sessions/import", content=exported.content,
                           headers={"content-type": "application/json"})
    assert imported.status_code == 201, imported.text
    assert imported.json()["step"] == 2
    assert imported.json()["layers"] == client.get(f"/api/sessions/{sid}").json()["layers"]


def test_import_has_its_own_body_limit_and_says_it(make_client):
    client = make_client(max_body_bytes=1000, max_import_bytes=5000)
    file = json.dumps({"padding": "x" * 2000})          # over the request limit, under import's
    as_json = {"content-type": "application/json"}
    assert client.post("/api/sessions", content=file, headers=as_json).json()["limit"] == 1000
    assert client.post("/api/sessions/import", content=file, headers=as_json).status_code == 422   # not a file
    too_big = client.post("/api/sessions/import", content=json.dumps({"padding": "x" * 6000}), headers=as_json)
    assert too_big.status_code == 413
    assert too_big.json() == {"detail": "request body is larger than the limit of 5000 bytes",
                              "field": "body", "limit": 5000}
    assert 'data-max-file-bytes="5000"' in client.get("/").text     # the page checks files by it


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_minibatch_sessions_continue_with_the_same_batches_after_import(client, optimizer):
    sid = client.post("/api/sessions", json={"optimizer": {"name": optimizer, "lr": 0.1},
                                             "batch_size": 32}).json()["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 50})     # 6 batches an epoch: 8+ epochs
    copy = client.post("/api/sessions/import", json=client.get(f"/api/sessions/{sid}/export").json())
    assert copy.status_code == 201, copy.text
    a = client.post(f"/api/sessions/{sid}/train", json={"steps": 10}).json()
    b = client.post(f"/api/sessions/{copy.json()['id']}/train", json={"steps": 10}).json()
    assert a["losses"] == b["losses"] and a["layers"] == b["layers"]


def test_export_of_custom_points_carries_them(client):
    X, Y = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]], [[1.0], [0.0], [1.0]]
    sid = trained_session(client, steps=2, dataset={"X": X, "Y": Y})
    body = client.get(f"/api/sessions/{sid}/export").json()
    copy = client.post("/api/sessions/import", json=body).json()
    assert client.get(f"/api/sessions/{copy['id']}/data").json()["X"] == X


def test_own_points_with_test_points_export_every_target_and_import_back(client):
    """Export wrote every point as X but only the training points' targets as Y, so import
    refused the file ("X has 100 rows but Y has 80")."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(100, 2)).round(3).tolist()
    Y = [[float(a * b > 0)] for a, b in X]
    sid = trained_session(client, steps=5, dataset={"X": X, "Y": Y}, test_ratio=0.2)
    before = client.get(f"/api/sessions/{sid}?sample=4").json()
    body = client.get(f"/api/sessions/{sid}/export").json()
    assert len(body["config"]["dataset"]["Y"]) == 100 and body["config"]["dataset"]["Y"] == Y
    response = client.post("/api/sessions/import", json=body)
    assert response.status_code == 201, response.text
    copy = response.json()["id"]
    data = client.get(f"/api/sessions/{copy}/data").json()
    assert data["X"] == X and data["Y"] == Y and sum(data["test"]) == 20
    states = [client.post(f"/api/sessions/{s}/forward?sample=4").json() for s in (sid, copy)]
    assert {k: v for k, v in states[0].items() if k != "id"} == {k: v for k, v in states[1].items() if k != "id"}
    assert states[1]["step"] == before["step"] == 5 and states[1]["test_points"] == 20


def resign(body):
    body["sha256"] = digest(body)
    return body


@pytest.mark.parametrize("change,field,words", [
    (lambda b: b.update(step=99), "file", "changed after it was exported"),
    (lambda b: b.pop("sha256"), "file", "has no sha256"),
    (lambda b: b.update(format="something-else"), "file", "not a ManualGrad session file"),
    (lambda b: resign(b) if b.update(version=9) is None else None, "file", "version 9"),
    (lambda b: resign(b) if b["current_params"][0]["W"].pop() else None, "file", "do not fit"),
    (lambda b: resign(b) if b["config"].update(layers=[2, 70, 1]) is None else None, "file.config.layers[1]", "64"),
    (lambda b: resign(b) if b["config"]["params"][0]["W"][0].append(1.0) is None else None, "file.config.params", "rows of different lengths"),
    (lambda b: resign(b) if b["batches"]["order"].append(0) is None else None, "file", "minibatch position"),
    (lambda b: resign(b) if b["batches"].update(pos=-1) is None else None, "file.batches.pos", "greater than or equal to 0"),
    (lambda b: resign(b) if b["batches"]["rng"].update(state="x") is None else None, "file.batches.rng.state", "pattern"),
])
def test_bad_or_tampered_files_are_refused(client, change, field, words):
    body = client.get(f"/api/sessions/{trained_session(client, batch_size=50)}/export").json()
    change(body)
    response = client.post("/api/sessions/import", json=body)
    assert response.status_code == 422, response.text
    assert field in fields(response)
    assert any(words in entry["msg"] for entry in response.json()["detail"])


@pytest.mark.parametrize("body", [[1, 2, 3], "text", {"format": "manualgrad-session"}])
def test_not_a_file_at_all(client, body):
    response = client.post("/api/sessions/import", json=body)
    assert response.status_code == 422


def test_a_file_rewritten_by_another_tool_still_imports(client):
    """JavaScript or jq write 1.0 as 1: the digest is over the numbers, not their spelling."""
    sid = trained_session(client, steps=3, params=[{"W": [[1.0, 0.5, 0.25, 2.0], [0.0, 1.0, -1.0, 3.0]],
                                                    "b": [0.0, 0.0, 0.0, 0.0]},
                                                   {"W": [[1.0], [2.0], [0.5], [-1.0]], "b": [0.0]}])
    text = client.get(f"/api/sessions/{sid}/export").text
    rewritten = text.replace("1.0,", "1,").replace("0.0,", "0,")
    assert rewritten != text
    response = client.post("/api/sessions/import", content=rewritten, headers={"content-type": "application/json"})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("exercise", ["predict", "derive"])
@pytest.mark.parametrize("weight,words", [({"layer": 2, "i": 0, "j": 0}, "below 2"),
                                          ({"layer": 1, "i": 4, "j": 0}, "4 × 1")])
def test_encode_refuses_an_exercise_on_a_weight_the_network_lacks(client, exercise, weight, words):
    response = client.post("/api/scenarios/encode", json={"teacher": {exercise: weight}})
    assert response.status_code == 422 and fields(response) == [f"teacher.{exercise}"]
    assert words in response.json()["detail"][0]["msg"]


def test_a_derive_exercise_travels_in_a_link_and_a_class_refuses_one_the_network_lacks(client):
    teacher = {"derive": {"layer": 1, "i": 3, "j": 0}}
    code = client.post("/api/scenarios/encode", json={"teacher": teacher}).json()["code"]
    assert client.post("/api/scenarios/decode", json={"code": code}).json()["teacher"]["derive"] == teacher["derive"]
    refused = client.post("/api/classes", json={"lesson": {"teacher": {"derive": {"layer": 1, "i": 4, "j": 0}}}})
    assert refused.status_code == 422 and fields(refused) == ["lesson"]
    assert "teacher.derive names W[4][0] of layer 1" in refused.json()["detail"][0]["msg"]


def test_the_docs_list_every_shipped_preset_by_its_name_and_title():
    """docs/teachers.md's table of presets is the presets menu: no shipped one missing, none gone."""
    import re

    from app.scenarios.presets import load_presets
    doc = (Path(__file__).resolve().parents[2] / "docs" / "teachers.md").read_text()
    table = doc.split("## The presets", 1)[1].split("\n#", 1)[0]
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| ([^|]+?) \|", table, re.M))
    assert rows == {name: preset.title for name, preset in load_presets().items()}


def test_the_documented_preset_example_encodes_as_it_is(client):
    """The example preset file of docs/teachers.md is what a teacher copies: it must work as it is."""
    readme = (Path(__file__).resolve().parents[2] / "docs" / "teachers.md").read_text()
    example = json.loads(readme.split("```json\n", 1)[1].split("```", 1)[0])
    assert example["name"] == "lesson-1"
    code = client.post("/api/scenarios/encode", json=example)
    assert code.status_code == 200, code.text
    decoded = client.post("/api/scenarios/decode", json=code.json()).json()
    assert "name" not in decoded and decoded["title"] == example["title"]
    assert decoded["teacher"]["predict"] == example["teacher"]["predict"]


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False)
                    | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
                    max_leaves=30))
def test_the_digest_in_pieces_is_the_digest_of_the_whole_text(value):
    """Files exported before the digest was computed in pieces keep importing: same text."""
    from app.scenarios.files import as_floats, canonical_json
    whole = json.dumps(as_floats(value), sort_keys=True, separators=(",", ":"))
    assert "".join(canonical_json(value)) == whole


def test_an_exported_file_has_the_digest_of_its_whole_text(client):
    import hashlib
    from app.scenarios.files import as_floats
    sid = client.post("/api/sessions", json={"optimizer": {"name": "adam"}, "batch_size": 7}).json()["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 30})
    body = client.get(f"/api/sessions/{sid}/export").json()
    content = {key: value for key, value in body.items() if key != "sha256"}
    whole = json.dumps(as_floats(content), sort_keys=True, separators=(",", ":")).encode()
    assert body["sha256"] == hashlib.sha256(whole).hexdigest() == digest(body)


def test_a_decoded_link_is_no_bigger_than_what_a_code_may_unpack_to(client):
    """An 8,660-byte code came back as 6.2 MB: numbers written short in the code (0) are written
    long in the reply (0.0). A decoded reply past what a code may unpack to (2 MB), and a little,
    is a 422 naming the code."""
    zeros = [[0] * 64] * 5000
    raw = json.dumps({"config": {"layers": [64, 1, 64], "dataset": {"X": zeros, "Y": zeros}}},
                     separators=(",", ":")).encode()
    assert len(raw) < 2 * 2**20
    code = "1." + base64.urlsafe_b64encode(zlib.compress(raw, 9)).rstrip(b"=").decode()
    assert len(code) < 20_000
    response = client.post("/api/scenarios/decode", json={"code": code})
    assert response.status_code == 422 and len(response.content) < 1000, response.text[:300]
    assert fields(response) == ["code"] and "bytes once written out" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("name, steps, accuracy", [("conv-bars", 100, 1.0), ("conv-glyphs", 100, 1.0),
                                                   ("conv-shapes", 200, 0.9), ("attention-reverse", 30, 1.0),
                                                   ("attention-copy-first", 30, 1.0)])
def test_the_conv_and_attention_presets_do_what_their_descriptions_say(client, name, steps, accuracy):
    preset = next(p for p in client.get("/api/scenarios").json()["presets"] if p["name"] == name)
    config = client.post("/api/scenarios/decode", json={"code": preset["code"]}).json()["config"]
    sid = client.post("/api/sessions", json=config).json()["id"]
    state = client.post(f"/api/sessions/{sid}/train", json={"steps": steps}).json()
    assert state["test_accuracy"] >= accuracy, state["test_accuracy"]


def test_the_bars_kernels_turn_into_edge_detectors(client):
    """After 300 steps at least one kernel has a row (a horizontal edge) or a column (vertical)
    whose weights all have one sign, the opposite of a neighbouring row's or column's."""
    preset = next(p for p in client.get("/api/scenarios").json()["presets"] if p["name"] == "conv-bars")
    config = client.post("/api/scenarios/decode", json={"code": preset["code"]}).json()["config"]
    sid = client.post("/api/sessions", json=config).json()["id"]
    kernels = np.array(client.post(f"/api/sessions/{sid}/train", json={"steps": 300}).json()["layers"][0]["W"])[:, 0]

    def edge(kernel):
        lines = [np.sign(line) for line in (*kernel, *kernel.T)]
        return any(abs(a.sum()) == 3 and abs(b.sum()) == 3 and a[0] != b[0] for a, b in zip(lines[:2], lines[1:3])) \
            or any(abs(a.sum()) == 3 and abs(b.sum()) == 3 and a[0] != b[0] for a, b in zip(lines[3:5], lines[4:6]))
    assert sum(edge(k) for k in kernels) >= 2, kernels.round(2)


@pytest.mark.parametrize("name, column", [("attention-reverse", [4, 3, 2, 1, 0]), ("attention-copy-first", [0] * 5)])
def test_the_attention_presets_weights_take_their_pattern(client, name, column):
    preset = next(p for p in client.get("/api/scenarios").json()["presets"] if p["name"] == name)
    config = client.post("/api/scenarios/decode", json={"code": preset["code"]}).json()["config"]
    sid = client.post("/api/sessions", json=config).json()["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 60})
    client.post(f"/api/sessions/{sid}/forward")
    for sample in client.get(f"/api/sessions/{sid}/batch?arrays=false").json()["indices"][:5]:
        weights = client.get(f"/api/sessions/{sid}?sample={sample}").json()["sample"]["layers"][0]["weights"]
        assert np.argmax(weights, axis=1).tolist() == column
