"""Fixtures every test package shares: an app in a TestClient, a starter session, a Redis server."""
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from .redis_server import RedisServer, need_redis


@pytest.fixture
def make_client():
    """A TestClient on a fresh app with the settings given, on one event loop for its life, as a
    server runs (without `with`, each request had a loop of its own, which ended the background
    notes to a class before they landed)."""
    clients = []

    def make(**settings):
        client = TestClient(create_app(Settings(**settings))).__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture
def session(client):
    """A starter session (xor, 2-4-1, tanh/sigmoid, bce)."""
    response = client.post("/api/sessions", json={})
    assert response.status_code == 201
    return response.json()


def fields(response):
    """The field names of a 422 response."""
    return [entry["field"] for entry in response.json()["detail"]]


@pytest.fixture
def redis(tmp_path):
    """A redis-server of the test's own (appendonly, on a free port); missing: skip, or fail under CI."""
    need_redis()
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def pytest_collection_modifyitems(items):
    """The browser tests last: pytest-playwright's sync API keeps an event loop running in the
    main thread for the rest of the session, where asyncio.run() (the load tests') cannot start."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
