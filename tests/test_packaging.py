"""The wheel carries the page, and the image's health probe finds the server however it started."""
import os
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from .live import live_process

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

SERVE_FROM_WHEEL = textwrap.dedent("""
    import sys
    from fastapi.testclient import TestClient
    import app.main, app.paths
    print(app.paths.STATIC)
    client = TestClient(app.main.create_app())
    for path in ("/", "/static/main.js", "/static/style.css", "/docs", "/static/docs.js",
                 "/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/swagger-ui/swagger-ui.css",
                 "/api/scenarios", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200 and response.content, path
    assert len(client.get("/api/scenarios").json()["presets"]) >= 6
    print("served")
""")


def test_a_wheel_carries_the_page_and_serves_it_from_another_folder(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "--wheel-dir", str(tmp_path / "dist"), str(ROOT)], check=True)
    [wheel] = (tmp_path / "dist").glob("manualgrad-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for inside in ("app/web/static/main.js", "app/web/templates/index.html", "app/web/templates/docs.html",
                   "app/web/static/vendor/swagger-ui/swagger-ui-bundle.js", "app/scenarios/presets/2-xor.json"):
        assert inside in names, inside
    assert not any(n.startswith(("tests/", "benchmarks/")) or n.endswith(".map") for n in names)
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", SERVE_FROM_WHEEL], cwd=elsewhere, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    static, served = out.stdout.split()
    assert Path(static) == target / "app" / "web" / "static" and served == "served"


def test_the_health_probe_finds_the_port_however_the_server_was_started(tmp_path):
    address = tmp_path / "address.json"
    env = {**os.environ, "MANUALGRAD_ADDRESS_FILE": str(address)}
    probe = [sys.executable, "-m", "app.server.probe"]
    assert subprocess.run(probe, env=env, cwd=ROOT, capture_output=True).returncode == 1   # nothing yet
    os.environ["MANUALGRAD_ADDRESS_FILE"] = str(address)
    try:
        with live_process() as server:        # started with --port, MANUALGRAD_PORT left at 8000
            assert f'"port": {server.port}' in address.read_text()
            assert subprocess.run(probe, env=env, cwd=ROOT, capture_output=True).returncode == 0
    finally:
        del os.environ["MANUALGRAD_ADDRESS_FILE"]
    time.sleep(0.2)
    assert subprocess.run(probe, env=env, cwd=ROOT, capture_output=True).returncode == 1     # stopped
