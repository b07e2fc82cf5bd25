"""Calls the running example project through its generated Python client (openapi-python-client).

Run by tests/e2e/test_clients.py with the Python of a virtualenv where the generated
`basic_client` is installed: `python python_calls.py BASE_URL`. Every answer is checked for
its generated type; an undocumented status raises (`raise_on_unexpected_status`).
"""

import sys

from basic_client import Client
from basic_client.api.clock import get_api_clock
from basic_client.api.files import get_api_files_path
from basic_client.api.hello import get_api_hello
from basic_client.api.login import delete_api_login, post_api_login
from basic_client.api.me import get_api_me
from basic_client.api.search import get_api_search
from basic_client.api.users import (
    delete_api_users_id,
    get_api_users,
    get_api_users_id,
    post_api_users,
    put_api_users_id,
)
from basic_client.models import (
    FilePath,
    Greeting,
    InvalidInput,
    LoginIn,
    LoginOut,
    Me,
    SearchResults,
    User,
    UserIn,
)


def check(value: object, kind: type) -> object:
    assert isinstance(value, kind), f"expected {kind.__name__}, got {value!r}"
    return value


def main(base_url: str) -> None:
    client = Client(base_url=base_url, raise_on_unexpected_status=True)

    greeting = check(get_api_hello.sync(client=client), Greeting)
    assert greeting.message == "Hello World"

    users = get_api_users.sync(client=client)
    assert isinstance(users, list)
    assert [check(user, User).name for user in users][:2] == ["Ada Lovelace", "Linus Torvalds"]

    created = check(
        post_api_users.sync(client=client, body=UserIn(name="Grace", email="grace@example.com")),
        User,
    )
    assert created.name == "Grace"
    assert check(get_api_users_id.sync(created.id, client=client), User) == created
    renamed = put_api_users_id.sync(
        created.id, client=client, body=UserIn(name="Grace H.", email="grace@example.com")
    )
    assert check(renamed, User).name == "Grace H."
    assert delete_api_users_id.sync_detailed(created.id, client=client).status_code == 204
    missing = get_api_users_id.sync_detailed(created.id, client=client)
    assert missing.status_code == 404

    invalid = post_api_users.sync(client=client, body=UserIn(name="", email="nope"))
    issues = check(invalid, InvalidInput).issues
    assert {issue.path[0] for issue in issues} == {"name", "email"}

    found = check(get_api_search.sync(client=client, q="ada", limit=5), SearchResults)
    assert [user.email for user in found.results] == ["ada@example.com"]

    signed_in = check(
        post_api_login.sync(client=client, body=LoginIn(email="ada@example.com")), LoginOut
    )
    assert signed_in.user.id == 1
    me = check(get_api_me.sync(client=client), Me)
    assert (me.id, me.name) == ("1", "Ada Lovelace")
    assert delete_api_login.sync_detailed(client=client).status_code == 204

    files = check(get_api_files_path.sync("readme.md", client=client), FilePath)
    assert (files.path, files.full_path) == (["readme.md"], "readme.md")

    # NOTE: /api/clock answers text/event-stream, which the document (from a handler without a
    # return annotation) cannot say: read its bytes rather than the generated JSON parsing.
    clock = get_api_clock._get_kwargs(count=1)
    ticks = client.get_httpx_client().request(**clock)
    assert ticks.status_code == 200
    assert ticks.text.startswith("event: tick\n")

    print("every call answered as typed")


if __name__ == "__main__":
    main(sys.argv[1])
