import pytest

from approutes.testing import TestClient, WebSocketDenied


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("APPROUTES_CHANNELS", "memory")  # one process: no Redis needed here
    with TestClient(".") as client:
        yield client


def sign_in(client, name):
    assert client.post("/api/login", json={"name": name}).status_code == 200


def test_a_room_needs_a_session(client):
    with pytest.raises(WebSocketDenied) as denied, client.websocket_connect("/api/rooms/lobby"):
        pass
    assert denied.value.response.status_code == 401


def test_members_hear_each_other(client):
    sign_in(client, "ada")
    with client.websocket_connect("/api/rooms/lobby") as ada:
        assert ada.receive_text() == "ada joined"
        sign_in(client, "bob")
        with client.websocket_connect("/api/rooms/lobby") as bob:
            assert bob.receive_text() == "bob joined"
            assert ada.receive_text() == "bob joined"
            bob.send_text("hello")
            assert ada.receive_text() == "bob: hello"
            assert bob.receive_text() == "bob: hello"
        assert ada.receive_text() == "bob left"


def test_an_announcement_over_http_reaches_the_room(client):
    sign_in(client, "ops")
    with client.websocket_connect("/api/rooms/lobby") as ws:
        assert ws.receive_text() == "ops joined"
        sent = client.post("/api/rooms/lobby/messages", json={"text": "restart at noon"})
        assert sent.json() == {"sent": True}
        assert ws.receive_text() == "[ops] restart at noon"
