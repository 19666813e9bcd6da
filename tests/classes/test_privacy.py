"""What a class leaves behind: the teacher's key in no log line and no learner's reply."""
import json

import pytest

from ..live import live_process

pytestmark = pytest.mark.slow


def test_the_teachers_key_is_in_no_log_line_and_no_learners_reply(tmp_path):
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log, live_process(log=log, log_level="info") as server:
        status, _, made = server.call("POST", "/api/classes", {"title": "Privacy"})
        assert status == 201
        code, key = made["code"], made["teacher_key"]
        teacher = {"Authorization": f"Bearer {key}"}
        replies = []
        for name in ("Ana", "Bo"):
            replies.append(server.call("POST", f"/api/classes/{code}/join", {"name": name})[2])
        sid = replies[0]["session"]
        for path in ("forward", "backward", "backward", "step"):
            replies.append(server.call("POST", f"/api/sessions/{sid}/{path}")[2])
        replies.append(server.call("GET", f"/api/classes/{code}/lesson")[2])
        assert server.call("POST", f"/api/classes/{code}/pause", {"paused": True}, headers=teacher)[0] == 200
        replies.append(server.call("POST", f"/api/sessions/{sid}/forward")[2])
        view = server.call("GET", f"/api/classes/{code}", headers=teacher)[2]
        assert server.call("GET", f"/api/classes/{code}", headers={"Authorization": f"Bearer {key[:-1]}x"})[0] == 403
        assert server.call("DELETE", f"/api/classes/{code}", headers=teacher)[0] == 204
    text = log_path.read_text()
    assert f"/api/classes/{code}" in text                     # the access log was written
    assert key not in text and key[:-1] not in text
    assert all(key not in json.dumps(reply) for reply in replies)
    assert sid not in json.dumps(view)                         # nobody acts on a learner's session from it
