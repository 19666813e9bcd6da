"""Past states over HTTP: /weights and /predictions of any earlier update, /rewind, /history's
past_steps and reachable; a rewound session trains on exactly as the original did."""
import pytest

CONFIG = {"layers": [2, 5, 1], "batch_size": 16, "optimizer": {"name": "adam", "lr": 0.05},
          "dataset": {"name": "circles", "n": 120}, "seed": 3}


def create(client, config=CONFIG):
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def train(client, sid, steps):
    response = client.post(f"/api/sessions/{sid}/train", json={"steps": steps})
    assert response.status_code == 200 and response.json()["steps_run"] == steps
    return response.json()


def test_rewind_then_train_is_the_original_bit_for_bit(client):
    original, twin = create(client), create(client)
    train(client, original, 150)
    at_130 = train(client, twin, 130)
    rewound = client.post(f"/api/sessions/{original}/rewind", json={"step": 130}).json()
    assert rewound["step"] == 130 and rewound["phase"] == "fresh"
    assert [l["W"] for l in rewound["layers"]] == [l["W"] for l in at_130["layers"]]
    assert rewound["optimizer"]["state"] == at_130["optimizer"]["state"]
    a, b = train(client, original, 40), train(client, twin, 40)
    assert a["losses"] == b["losses"] and [l["W"] for l in a["layers"]] == [l["W"] for l in b["layers"]]
    history = client.get(f"/api/sessions/{original}/history").json()
    assert history["steps"] == list(range(1, 171)) and history["reachable"] == [[0, 170]]


def test_weights_and_predictions_of_any_step_are_that_step_itself(client):
    """After 10,000 steps the kept states were [0, 9601..10000] and a look at 5,000 showed 0:
    now every step is replayed from the nearest kept state before it, bit for bit."""
    sid = create(client)
    for _ in range(10):
        train(client, sid, 1000)
    history = client.get(f"/api/sessions/{sid}/history").json()
    assert history["reachable"] == [[0, 10_000]] and history["past_steps"][0] == 0
    assert len(history["past_steps"]) <= 66
    for asked in (5_000, 123):
        twin = create(client)
        then = train(client, twin, asked)
        weights = client.get(f"/api/sessions/{sid}/weights?step={asked}").json()
        assert weights["step"] == asked and [l["W"] for l in weights["layers"]] == [l["W"] for l in then["layers"]]
        past = client.get(f"/api/sessions/{sid}/predictions?step={asked}&resolution=8&units=false").json()
        now_of_twin = client.get(f"/api/sessions/{twin}/predictions?resolution=8&units=false").json()
        assert past["step"] == asked and past["outputs"] == now_of_twin["outputs"]
    assert client.get(f"/api/sessions/{sid}").json()["step"] == 10_000       # nothing changed
    rewound = client.post(f"/api/sessions/{sid}/rewind", json={"step": 5_000}).json()
    assert rewound["step"] == 5_000


def test_a_step_to_come_or_out_of_reach_is_a_409_saying_so(client):
    sid = create(client, {**CONFIG, "layers": [2, 64, 64, 1]})
    train(client, sid, 20)
    for path in ("/weights?step=21", "/predictions?step=30"):
        response = client.get(f"/api/sessions/{sid}{path}")
        assert response.status_code == 409 and "has made 20 updates" in response.json()["detail"], path
    response = client.post(f"/api/sessions/{sid}/rewind", json={"step": 25})
    assert response.status_code == 409 and client.get(f"/api/sessions/{sid}").json()["step"] == 20
    trainer = client.app.state.store._sessions[sid].trainer
    trainer.past.budget = 2 * trainer.past.states[0].nbytes     # a server short of room for them
    for k in range(6):
        train(client, sid, 2)
        edit = {"layer": 0, "param": "W", "i": 0, "j": 0, "value": 0.1 * k}
        assert client.post(f"/api/sessions/{sid}/weight", json=edit).status_code == 200    # an anchor each time
    reachable = client.get(f"/api/sessions/{sid}/history").json()["reachable"]
    missing = reachable[0][1] + 1
    response = client.get(f"/api/sessions/{sid}/weights?step={missing}")
    assert response.status_code == 409 and f"step {missing} cannot be reached" in response.json()["detail"]


@pytest.mark.parametrize("path,body", [("/weights?step=-1", None), ("/weights?step=x", None),
                                       ("/predictions?step=-3", None), ("/weights", None)])
def test_bad_steps_are_a_small_422(client, path, body):
    sid = create(client)
    response = client.get(f"/api/sessions/{sid}{path}")
    assert response.status_code == 422 and len(response.content) < 2000
    assert response.json()["detail"][0]["field"] == "step"


def test_bad_rewinds_are_a_small_422(client):
    sid = create(client)
    for body in ({"step": -1}, {"step": 10**13}, {"step": "3"}, {}):
        response = client.post(f"/api/sessions/{sid}/rewind", json=body)
        assert response.status_code == 422 and response.json()["detail"][0]["field"] == "step", body


def test_past_states_count_in_a_sessions_memory(client):
    from app.engine import held_bytes
    sid = create(client, {**CONFIG, "layers": [2, 64, 64, 1]})
    train(client, sid, 120)
    trainer = client.app.state.store._sessions[sid].trainer
    per_update = (2 * 64 + 64 + 64 * 64 + 64 + 64 + 1) * 8 * 3       # W and b, Adam's m and v
    # 120 of them would be 12 MB: the budget (4 MB) keeps fewer, spread over the run
    kept = trainer.past.steps()
    assert per_update * (len(kept) - 1) <= trainer.past.bytes <= trainer.past.budget
    assert kept[0] == 0 and kept[-1] > 120 - trainer.past.stride and trainer.past.stride > 1
    assert held_bytes(trainer) >= trainer.past.bytes + sum(W.nbytes for W in (l.W for l in trainer.network.layers))
