"""One vocabulary: the engine's registries are the schema's names and the page's catalog."""
import html
import json
import re
from typing import get_args

from app.engine import ACTIVATIONS, DATASETS, LOSSES, OPTIMIZERS
from app.engine.datasets import IMAGES, SEQUENCES
from app.engine.optimizers import SETTINGS
from app.scenarios.links import CONTROLS, Control
from app.sessions.config import ActivationName, DatasetName, LossName, OptimizerConfig, OptimizerName


def page_catalog(client):
    page = client.get("/").text
    return json.loads(html.unescape(re.search(r"data-catalog='([^']*)'", page).group(1))), page


def test_the_schema_takes_its_names_from_the_registries():
    assert set(get_args(ActivationName)) == set(ACTIVATIONS)
    assert set(get_args(LossName)) == set(LOSSES)
    assert set(get_args(OptimizerName)) == set(OPTIMIZERS)
    assert set(get_args(DatasetName)) == set(DATASETS) | set(IMAGES) | set(SEQUENCES)
    assert set(get_args(Control)) == set(CONTROLS)
    assert OptimizerConfig().lr == SETTINGS["lr"].default


def test_the_page_gets_one_catalog_of_them(client):
    catalog, page = page_catalog(client)
    assert [a["name"] for a in catalog["activations"]] == list(ACTIVATIONS)
    assert {a["name"]: a["output_only"] for a in catalog["activations"]}["softmax"] is True
    formulas = {a["name"]: a["formula"] for a in catalog["activations"]}      # the forward's captions
    assert formulas["relu"] == "max(0, z)" and formulas["tanh"] == "tanh(z)" and formulas["linear"] == "z"
    assert [l["name"] for l in catalog["losses"]] == list(LOSSES)
    assert catalog["default_loss"] == {"binary": "bce", "multiclass": "cross_entropy", "regression": "mse"}
    assert catalog["output_for_loss"]["bce"] == "sigmoid"
    assert catalog["controls"]["optimizer"] == "optimiser and learning rate"
    assert catalog["settings"]["lr"]["default"] == 0.3 and catalog["history_cap"] == 4096
    assert [d["name"] for d in catalog["image_datasets"]] == list(IMAGES)
    for d in catalog["image_datasets"]:      # the page names each class (a one-unit output: two)
        assert len(d["classes"]) == max(2, d["outputs"])
    assert {d["name"]: d["shape"] for d in catalog["sequence_datasets"]} == {name: [5, 9] for name in SEQUENCES}
    kinds = {kind["name"]: kind["settings"] for kind in catalog["layer_kinds"]}
    assert kinds["conv2d"]["kernel"] == {"choices": [1, 3, 5, 7], "default": None}
    assert kinds["conv2d"]["padding"] == {"choices": [0, 1, 2, 3], "default": 0}
    assert kinds["maxpool2d"]["size"]["choices"] == [2, 3] and kinds["flatten"] == {}
    for loss in LOSSES.values():          # the option lists are the catalog's
        assert f'<option value="{loss.name}">{loss.label}</option>' in page


def test_the_state_says_f_prime_and_the_data_their_box(client, session):
    sid = session["id"]
    state = client.post(f"/api/sessions/{sid}/forward").json()
    layer = state["sample"]["layers"][0]
    assert [round(f, 12) for f in layer["f_prime"]] == [round(1 - a * a, 12) for a in layer["a"]]   # tanh
    data = client.get(f"/api/sessions/{sid}/data").json()
    (x0, x1), (y0, y1) = data["bounds"]
    assert x0 < min(r[0] for r in data["X"]) and x1 > max(r[0] for r in data["X"])
