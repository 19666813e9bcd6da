"""Past states over HTTP: /weights and /predictions of an earlier update, /rewind, /history's
past_steps; a rewound session trains on exactly as the original did."""
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
    assert history["steps"] == list(range(1, 171)) and history["past_steps"][-1] == 170


def test_weights_and_predictions_of_the_nearest_kept_step(client):
    sid, twin = create(client), create(client)
    train(client, sid, 400)
    kept = client.get(f"/api/sessions/{sid}/history").json()["past_steps"]
    assert kept[0] == 0 and kept[-100:] == list(range(301, 401)) and len(kept) <= 202
    asked = 123
    nearest = min(kept, key=lambda s: (abs(s - asked), s))
    weights = client.get(f"/api/sessions/{sid}/weights?step={asked}").json()
    assert weights["step"] == nearest
    then = train(client, twin, nearest)
    assert [l["W"] for l in weights["layers"]] == [l["W"] for l in then["layers"]]
    past = client.get(f"/api/sessions/{sid}/predictions?step={asked}&resolution=8&units=false").json()
    now_of_twin = client.get(f"/api/sessions/{twin}/predictions?resolution=8&units=false").json()
    assert past["step"] == nearest and past["outputs"] == now_of_twin["outputs"]
    assert client.get(f"/api/sessions/{sid}").json()["step"] == 400          # nothing changed


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
    # 100 of them would be 10 MB: the budget (4 MB) keeps fewer, the newest and the start first
    assert trainer.past.budget - per_update < trainer.past.bytes <= trainer.past.budget
    assert trainer.past.steps()[0] == 0 and trainer.past.steps()[-1] == 120
    assert held_bytes(trainer) >= trainer.past.bytes + sum(W.nbytes for W in (l.W for l in trainer.network.layers))
