"""A CSV of one's own points, loaded in the page."""
import pytest
from playwright.sync_api import expect

from .helpers import api_state

pytestmark = pytest.mark.browser


def load(page, name, text):
    page.set_input_files("#csv-file", files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}])


def test_a_csv_becomes_the_own_points_dataset(app, errors):
    rows = "x1,x2,label\n" + "\n".join(f"{x / 10},{(x * 7 % 10) / 10},{x % 3}" for x in range(30))
    load(app, "mine.csv", rows)
    expect(app.locator("[data-role=status]")).to_contain_text("“mine.csv”, 30 points (3 classes)")
    state = api_state(app)
    assert state["points"] == 30 and state["config"]["layers"][-1] == 3
    assert state["config"]["loss"] == "cross_entropy"
    data = app.request.get(f"/api/sessions/{state['id']}/data").json()
    assert data["X"][4] == [0.4, 0.8] and data["Y"][4] == [0, 1, 0]
    expect(app.locator("#data-caption")).to_contain_text("class 3 (green)")        # label 2: the class of ŷ₃
    assert errors == []


def test_a_csv_with_a_bad_line_names_the_line(app, errors):
    before = api_state(app)
    load(app, "bad.csv", "x1,x2,label\n0,0,0\n1,1,1\n2,two,0\n")
    expect(app.locator("#error")).to_be_visible()
    expect(app.locator("#error-text")).to_contain_text("line 4: “two” is not a number")
    assert api_state(app)["id"] == before["id"]            # nothing was built from it
    load(app, "reg.csv", "0,1\n1,3\n2,5\n")
    expect(app.locator("[data-role=status]")).to_contain_text("3 points (a regression of y on x)")
    assert api_state(app)["config"]["loss"] == "mse"
    assert errors == []
