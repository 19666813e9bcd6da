"""A teacher's class in the browser (issue 36): the teacher creates it on /teach, learners join
(one through /c/CODE and the form, one through the API), the grid follows them within 2 s,
projector mode leaves no name on the page, predictions show as dots, a pushed lesson is offered
(and opens only on the learner's click), a pause holds the learner's Forward, the results come
as CSV, a learner is removed, the class ends."""
import re
import time

import pytest
from playwright.sync_api import expect

from .helpers import run, session_id

pytestmark = pytest.mark.browser


@pytest.fixture
def teacher(page, errors):
    """/teach with a class created through its button (on the xor preset); the teacher's page."""
    page.set_default_timeout(8000)
    page.goto("/teach")
    expect(page.locator("#create-lesson option[value=xor]")).to_have_count(1)
    page.select_option("#create-lesson", "xor")
    page.fill("#create-title-input", "Period 3")
    page.click("[data-action=create-class]")
    expect(page.locator("[data-class-code]")).to_have_attribute("data-class-code", re.compile(r"^[A-Z2-9]{6}$"))
    page.on("dialog", lambda dialog: dialog.accept())           # Remove and End ask first
    return page


def code_of(teacher):
    return teacher.locator("[data-class-code]").get_attribute("data-class-code")


def learner_page(browser, app_url, errors):
    """A learner's browser of their own (a second context: their own sessionStorage)."""
    context = browser.new_context(base_url=app_url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(8000)
    page.on("pageerror", lambda e: errors.append(f"learner page error: {e}"))
    page.on("console", lambda m: errors.append(f"learner console: {m.text}") if m.type == "error" else None)
    return page


def join_by_link(page, code, name):
    """Open /c/CODE: the join form is open with the code in it; type the nickname and join."""
    page.goto(f"/c/{code}")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    form = page.locator("[data-role=join-form]")
    expect(form).to_be_visible()
    expect(page.locator("#join-code")).to_have_value(code)
    before = session_id(page)
    page.fill("#join-name", name)
    page.click("[data-action=join]")
    expect(page.locator("[data-role=class-strip]")).to_be_visible()
    expect(page.locator("body")).not_to_have_attribute("data-session", before)
    expect(page.locator("body")).to_have_attribute("data-phase", "fresh")
    return session_id(page)


def expected_refusals(errors, *statuses):
    """The errors but the browser's own line for a refusal the test asked for (a 423 while
    paused, a 409, a 404 for a code of no class)."""
    statuses = statuses or ("409", "423")
    return [e for e in errors if not any(f"status of {s}" in e for s in statuses)]


def card(teacher, text):
    return teacher.locator("[data-learner]", has_text=text)


def test_a_class_from_creation_to_its_end(teacher, browser, app_url, errors):
    code = code_of(teacher)
    expect(teacher.locator("[data-role=join-link]")).to_have_text(f"{app_url}/c/{code}")
    key = teacher.evaluate("JSON.parse(sessionStorage.getItem('manualgrad.teach')).key")
    assert len(key) >= 22 and key not in teacher.url

    ana = learner_page(browser, app_url, errors)
    sid = join_by_link(ana, code, "Quokka")
    expect(ana.locator("[data-role=class-code]")).to_have_text(code)
    expect(ana.locator("[data-role=class-name]")).to_have_text("Quokka")
    expect(ana.locator("[data-role=lesson-title]")).to_have_text("XOR: why a hidden layer")    # the class's lesson
    assert ana.url.endswith("/#s=" + ana.evaluate("location.hash.slice(3)"))                     # the /c/ address went
    bo = teacher.request.post(f"/api/classes/{code}/join", data={"name": "Zebedee"}).json()["session"]

    expect(teacher.locator("[data-learner]")).to_have_count(2)
    expect(card(teacher, "Quokka")).to_contain_text("no Forward yet")
    expect(card(teacher, "Zebedee")).to_be_visible()

    # a learner's Forward is in the grid within 2 s; a refusal too, in a teacher's words
    clicked = time.monotonic()
    ana.click("[data-action=forward]")
    expect(card(teacher, "Quokka")).to_contain_text("after Forward", timeout=2000)
    assert time.monotonic() - clicked < 2.0
    assert teacher.request.post(f"/api/sessions/{bo}/backward").status == 409
    expect(card(teacher, "Zebedee").locator("[data-role=learner-errors]")).to_contain_text("409: Backward before Forward", timeout=2000)

    # predictions: Ana's through the page's exercise, kept before Backward and sent after it
    ana.click("[data-action=predict]")
    ana.evaluate("window.manualgrad.store.select({kind: 'edge', L: 2, i: 0, j: 0})")
    ana.fill("#predict-guess", "0.01")
    ana.click("[data-action=check-prediction]")
    expect(ana.locator("[data-role=predict]")).to_have_attribute("data-state", "kept")
    run(ana, "backward", "backward")
    verdict = ana.locator("[data-role=verdict]")
    expect(verdict).to_be_visible()
    truth = float(ana.locator("#predict .numbers").get_attribute("data-truth"))
    assert truth == ana.request.get(f"/api/sessions/{sid}").json()["layers"][1]["dW"][0][0]
    teacher.request.post(f"/api/sessions/{bo}/forward")
    teacher.request.post(f"/api/sessions/{bo}/backward")
    teacher.request.post(f"/api/sessions/{bo}/predict", data={"layer": 1, "i": 0, "j": 0, "value": -0.02})
    expect(teacher.locator("[data-role=prediction-dot]")).to_have_count(2, timeout=2500)
    expect(teacher.locator("[data-role=truth-line]")).to_have_count(1)        # one network for both
    expect(teacher.locator("[data-role=dot-summary]")).to_contain_text("2 learners predicted layers[1].W[0][0]")
    expect(teacher.locator("[data-role=dot-summary]")).to_contain_text("1 wrong sign")
    # a formula Zebedee writes: its verdict (not the formula) on the card, the slip in a few words
    teacher.request.post(f"/api/sessions/{bo}/derive", data={"layer": 1, "i": 0, "j": 0, "formula": "-dL_da * a * (1 - a) * a_prev"})
    expect(card(teacher, "Zebedee").locator("[data-role=learner-formula]")).to_have_text(
        "formula for W[0][0] of layer 1: sign flipped", timeout=2500)
    expect(card(teacher, "Quokka").locator("[data-role=learner-formula]")).to_be_hidden()

    # projector mode: not one name on the page, not even in an attribute
    teacher.click("[data-action=projector]")
    expect(teacher.locator("[data-learner]")).to_have_count(2)
    expect(teacher.locator("[data-learner]").first).to_contain_text("Learner 1")
    html = teacher.content()
    assert "Quokka" not in html and "Zebedee" not in html
    teacher.click("[data-action=projector]")
    expect(card(teacher, "Quokka")).to_be_visible()

    # the results as CSV, fetched with the key and saved
    with teacher.expect_download() as download:
        teacher.click("[data-action=download-results]")
    assert download.value.suggested_filename == f"class-{code}.csv"
    rows = open(download.value.path(), encoding="utf-8").read().splitlines()
    assert rows[0].startswith("name,step,last loss") and rows[1].startswith("Quokka,0,") and rows[2].startswith("Zebedee,0,")

    # a learner removed: their session carries on outside the class
    card(teacher, "Zebedee").locator("[data-action=remove-learner]").click()
    expect(teacher.locator("[data-learner]")).to_have_count(1)
    assert teacher.request.post(f"/api/sessions/{bo}/step").status == 200

    # the end: the teacher's page offers a new class, the learner's page says it ended
    teacher.click("[data-action=end-class]")
    expect(teacher.locator("[data-action=create-class]")).to_be_visible()
    assert teacher.evaluate("sessionStorage.getItem('manualgrad.teach')") is None
    expect(ana.locator("[data-role=class-strip]")).to_be_hidden(timeout=4000)
    expect(ana.locator("[data-role=status]")).to_contain_text(f"Class {code} has ended")
    assert teacher.request.get(f"/api/classes/{code}/lesson").status == 404
    assert expected_refusals(errors, "409", "404") == []        # the 404: the lesson's poll after the end


def test_a_pushed_lesson_is_offered_and_a_pause_holds_the_learners_forward(teacher, browser, app_url, errors):
    code = code_of(teacher)
    ana = learner_page(browser, app_url, errors)
    ana.goto("/")
    expect(ana.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    ana.click("[data-action=join-class]")                      # the form, without a link
    ana.fill("#join-code", code.lower())
    ana.fill("#join-name", "Quokka")
    ana.press("#join-name", "Enter")
    expect(ana.locator("[data-role=class-strip]")).to_be_visible()
    expect(teacher.locator("[data-learner]")).to_have_count(1)
    run(ana, "forward", "forward")
    before = session_id(ana)

    # a reload keeps the teacher's class (the key in this tab's storage) and the learner's
    teacher.reload()
    expect(teacher.locator("[data-class-code]")).to_have_attribute("data-class-code", code)
    ana.reload()
    expect(ana.locator("body")).to_have_attribute("data-session", before)
    expect(ana.locator("[data-role=class-code]")).to_have_text(code)
    expect(card(teacher, "Quokka")).to_contain_text("after Forward")

    # the push: offered within 2 s, and nothing replaced until the learner's click
    teacher.select_option("#push-lesson", "circles")
    teacher.click("[data-action=push-lesson]")
    offer = ana.locator("[data-role=class-offer]")
    expect(offer).to_be_visible(timeout=2500)
    expect(offer).to_contain_text("Circles: a disc inside a ring")
    time.sleep(0.5)
    assert session_id(ana) == before and ana.evaluate("window.manualgrad.state.config.layers") == [2, 4, 1]
    ana.click("[data-action=open-class-lesson]")
    expect(ana.locator("body")).not_to_have_attribute("data-session", before)
    expect(ana.locator("[data-role=lesson-title]")).to_have_text("Circles: a disc inside a ring")
    assert ana.evaluate("window.manualgrad.state.config.layers") == [2, 8, 1]
    expect(offer).to_be_hidden()
    time.sleep(2)                                               # the next polls do not offer it again
    expect(offer).to_be_hidden()
    expect(card(teacher, "Quokka")).to_contain_text("no Forward yet")     # still in the class, on the new network

    # the pause: said on the learner's page, and a Forward refused with it
    teacher.click("[data-action=pause-class]")
    expect(teacher.locator("[data-action=pause-class]")).to_have_attribute("aria-pressed", "true")
    paused = ana.locator("[data-role=class-paused]")
    expect(paused).to_be_visible(timeout=2500)
    expect(paused).to_contain_text("Paused by the teacher")
    ana.click("[data-action=forward]")
    expect(ana.locator("[data-role=error]")).to_contain_text("Paused by the teacher")
    expect(ana.locator("[data-role=error]")).to_have_attribute("data-status", "423")
    expect(ana.locator("body")).to_have_attribute("data-phase", "fresh")
    expect(card(teacher, "Quokka").locator("[data-role=learner-errors]")).to_contain_text("423")
    teacher.click("[data-action=pause-class]")
    expect(paused).to_be_hidden(timeout=2500)
    run(ana, "forward", "forward")
    assert expected_refusals(errors) == []


def test_a_wrong_code_is_said_in_the_form(app, errors):
    app.click("[data-action=join-class]")
    app.fill("#join-code", "ABCD1")
    app.fill("#join-name", "Quokka")
    app.click("[data-action=join]")
    expect(app.locator("#join-problem")).to_contain_text("six characters")
    app.fill("#join-code", "ZZZZZZ")
    app.click("[data-action=join]")
    expect(app.locator("#join-problem")).to_contain_text("No class has the code ZZZZZZ")
    expect(app.locator("#join-code")).to_have_attribute("aria-invalid", "true")
    expect(app.locator("[data-role=class-strip]")).to_be_hidden()
    assert expected_refusals(errors, "404") == []


def test_no_serious_axe_violation_on_the_teachers_page_or_the_learners_class_strip(browser, app_url):
    from .test_accessibility import serious, violations
    contexts = [browser.new_context(bypass_csp=True, base_url=app_url, viewport={"width": 1280, "height": 800})
                for _ in range(2)]
    teacher, learner = (context.new_page() for context in contexts)
    teacher.goto("/teach")
    expect(teacher.locator("[data-action=create-class]")).to_be_visible()
    assert serious(violations(teacher)) == []
    teacher.click("[data-action=create-class]")                   # no lesson: the default network
    expect(teacher.locator("[data-class-code]")).to_have_attribute("data-class-code", re.compile(".{6}"))
    code = code_of(teacher)
    for name, value in (("Quokka", 0.01), ("Zebedee", -0.5)):
        sid = teacher.request.post(f"/api/classes/{code}/join", data={"name": name}).json()["session"]
        teacher.request.post(f"/api/sessions/{sid}/backward")
        teacher.request.post(f"/api/sessions/{sid}/forward")
        teacher.request.post(f"/api/sessions/{sid}/backward")
        teacher.request.post(f"/api/sessions/{sid}/predict", data={"layer": 1, "i": 0, "j": 0, "value": value})
    expect(teacher.locator("[data-role=prediction-dot]")).to_have_count(2)
    expect(teacher.locator("[data-role=learner-errors]").first).to_contain_text("409")
    assert serious(violations(teacher)) == [], serious(violations(teacher))
    teacher.click("[data-action=projector]")
    assert serious(violations(teacher)) == []

    # the learner's page, with the join form and then the class strip taking height from the
    # inspector (it scrolls then, and the keyboard can reach it to scroll)
    def learners_serious():
        return serious(violations(learner))

    learner.goto(f"/c/{code}")
    expect(learner.locator("[data-role=join-form]")).to_be_visible()
    assert learners_serious() == []
    learner.fill("#join-name", "Ana")
    learner.click("[data-action=join]")
    expect(learner.locator("[data-role=class-strip]")).to_be_visible()
    key = teacher.evaluate("JSON.parse(sessionStorage.getItem('manualgrad.teach')).key")
    lesson = {"title": "Two hidden layers", "config": {"layers": [2, 3, 3, 1]}}
    teacher.request.put(f"/api/classes/{code}/lesson", data={"lesson": lesson}, headers={"Authorization": f"Bearer {key}"})
    teacher.click("[data-action=pause-class]")
    expect(learner.locator("[data-role=class-offer]")).to_be_visible()
    expect(learner.locator("[data-role=class-paused]")).to_be_visible()
    assert learners_serious() == [], learners_serious()
    for context in contexts:
        context.close()
