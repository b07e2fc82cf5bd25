"""AWS Lambda: API Gateway and function URL events through the real Mangum, and back."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import pytest
from mangum.exceptions import LifespanFailure
from tests.conftest import make_project

from approutes.adapters.aws_lambda import LambdaHandler, make_handler

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

HELLO = """
    from approutes import NextResponse

    async def GET(request):
        params = request.next_url.search_params
        return NextResponse.json({
            "name": params.get("name"),
            "tags": params.get_all("tag"),
            "path_and_query": request.url.split("/", 3)[3],
            "scheme": request.next_url.protocol,
            "ip": request.ip,
        })
"""
ECHO = """
    from approutes import NextResponse

    async def POST(request):
        return NextResponse.json({
            "received": await request.json(),
            "content_type": request.headers.get("content-type"),
        })
"""
FILES = """
    async def GET(request, context):
        return {"path": context.params["path"]}
"""
SESSION = """
    from approutes import NextResponse

    async def GET(request):
        return {"theme": request.cookies.get("theme").value, "count": len(request.cookies)}

    async def POST():
        response = NextResponse.json({"signed_in": True})
        response.cookies.set("session", "abc", http_only=True, path="/")
        response.cookies.set("theme", "dark", path="/")
        return response
"""
LOGO = """
    from approutes import Response

    PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF])

    def GET():
        return Response(PNG, headers={"content-type": "image/png"})
"""
INSTRUMENTATION = """
    from pathlib import Path

    MARKS = Path(__file__).parent / "marks"

    def register():
        MARKS.mkdir(exist_ok=True)
        with (MARKS / "register").open("a") as file:
            file.write("x")

    def shutdown():
        (MARKS / "shutdown").touch()
"""
PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF])

API_DOMAIN = "r3pmxmplak.execute-api.us-east-2.amazonaws.com"
URL_DOMAIN = "a7yq3mplx2ly4xz5c2v4bt7hpe0yjdud.lambda-url.us-east-2.on.aws"
SOURCE_IP = "203.0.113.7"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path / "site",
        {
            "app/api/hello/route.py": HELLO,
            "app/api/echo/route.py": ECHO,
            "app/api/files/[...path]/route.py": FILES,
            "app/api/session/route.py": SESSION,
            "app/api/logo/route.py": LOGO,
            "instrumentation.py": INSTRUMENTATION,
        },
    )


@pytest.fixture
def lambda_handler(project: Path) -> Iterator[LambdaHandler]:
    handler = make_handler(project)
    yield handler
    handler.close()


# --- events, shaped as AWS documents them ---------------------------------------------------


def http_api_event(
    method: str,
    path: str,
    *,
    query: str = "",
    body: bytes | None = None,
    base64_body: bool = False,
    headers: dict[str, str] | None = None,
    cookies: list[str] | None = None,
    domain: str = API_DOMAIN,
    account: str = "123456789012",
) -> dict[str, Any]:
    """An HTTP API (payload format 2.0) event; a function URL event has the same shape."""
    api_id = domain.split(".", 1)[0]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {
            "accept": "*/*",
            "content-length": str(len(body or b"")),
            "host": domain,
            "user-agent": "curl/8.5.0",
            "x-amzn-trace-id": "Root=1-5e272390-8c398be037738dc042009320",
            "x-forwarded-for": SOURCE_IP,
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
            **(headers or {}),
        },
        "requestContext": {
            "accountId": account,
            "apiId": api_id,
            "domainName": domain,
            "domainPrefix": api_id,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": SOURCE_IP,
                "userAgent": "curl/8.5.0",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default",
            "stage": "$default",
            "time": "10/Mar/2025:16:20:30 +0000",
            "timeEpoch": 1741623630000,
        },
        "isBase64Encoded": base64_body,
    }
    if query:
        parsed = parse_qs(query, keep_blank_values=True)
        event["queryStringParameters"] = {k: ",".join(v) for k, v in parsed.items()}
    if cookies:
        event["cookies"] = cookies
    if body is not None:
        event["body"] = base64.b64encode(body).decode() if base64_body else body.decode()
    return event


def function_url_event(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """A Lambda function URL event: payload 2.0, anonymous caller, a lambda-url domain."""
    return http_api_event(method, path, domain=URL_DOMAIN, account="anonymous", **kwargs)


def rest_api_event(
    method: str,
    path: str,
    *,
    query: dict[str, list[str]] | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API proxy integration (payload format 1.0) event on the stage "prod"."""
    all_headers = {
        "Accept": "*/*",
        "Host": API_DOMAIN,
        "User-Agent": "curl/8.5.0",
        "X-Forwarded-For": SOURCE_IP,
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        **(headers or {}),
    }
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} if query else None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "r3pmxmplak",
            "domainName": API_DOMAIN,
            "domainPrefix": "r3pmxmplak",
            "extendedRequestId": "LgLpnFZdjoEFrTg=",
            "httpMethod": method,
            "identity": {"sourceIp": SOURCE_IP, "userAgent": "curl/8.5.0"},
            "path": "/prod" + path,
            "protocol": "HTTP/1.1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTime": "10/Mar/2025:16:20:30 +0000",
            "requestTimeEpoch": 1741623630000,
            "resourceId": "2ae4xk",
            "resourcePath": "/{proxy+}",
            "stage": "prod",
        },
        "body": body.decode() if body is not None else None,
        "isBase64Encoded": False,
    }


def json_body(response: dict[str, Any]) -> Any:
    raw = response["body"]
    return json.loads(base64.b64decode(raw) if response["isBase64Encoded"] else raw)


# --- HTTP API (payload 2.0) -----------------------------------------------------------------


def test_http_api_get_reaches_the_route_with_its_query(lambda_handler: LambdaHandler) -> None:
    event = http_api_event("GET", "/api/hello", query="name=Ada+Lovelace&tag=a&tag=b")

    response = lambda_handler(event, None)

    assert response["statusCode"] == 200
    assert response["headers"]["content-type"] == "application/json"
    assert json_body(response) == {
        "name": "Ada Lovelace",
        "tags": ["a", "b"],
        "path_and_query": "api/hello?name=Ada+Lovelace&tag=a&tag=b",
        "scheme": "https:",
        "ip": SOURCE_IP,
    }


@pytest.mark.parametrize("encoded", [False, True], ids=["plain-body", "base64-body"])
def test_http_api_post_json_body_reaches_the_route(
    lambda_handler: LambdaHandler, encoded: bool
) -> None:
    payload = json.dumps({"name": "Grace", "langs": ["COBOL", "FLOW-MATIC"]}).encode()
    event = http_api_event(
        "POST",
        "/api/echo",
        body=payload,
        base64_body=encoded,
        headers={"content-type": "application/json"},
    )

    response = lambda_handler(event, None)

    assert response["statusCode"] == 200
    assert json_body(response) == {
        "received": {"name": "Grace", "langs": ["COBOL", "FLOW-MATIC"]},
        "content_type": "application/json",
    }


def test_http_api_catch_all_route_gets_every_segment(lambda_handler: LambdaHandler) -> None:
    response = lambda_handler(http_api_event("GET", "/api/files/docs/2025/report.pdf"), None)

    assert response["statusCode"] == 200
    assert json_body(response) == {"path": ["docs", "2025", "report.pdf"]}


def test_http_api_unknown_path_is_a_json_404(lambda_handler: LambdaHandler) -> None:
    response = lambda_handler(http_api_event("GET", "/api/nowhere"), None)

    assert response["statusCode"] == 404
    assert json_body(response) == {"error": "Not Found"}


def test_http_api_wrong_method_is_405_with_allow(lambda_handler: LambdaHandler) -> None:
    response = lambda_handler(http_api_event("DELETE", "/api/hello"), None)

    assert response["statusCode"] == 405
    assert response["headers"]["allow"] == "GET, HEAD, OPTIONS"


def test_http_api_response_cookies_go_to_the_cookies_list(
    lambda_handler: LambdaHandler,
) -> None:
    response = lambda_handler(http_api_event("POST", "/api/session"), None)

    assert response["statusCode"] == 200
    assert response["cookies"] == ["session=abc; Path=/; HttpOnly", "theme=dark; Path=/"]
    assert "set-cookie" not in response["headers"]


def test_http_api_request_cookies_reach_the_route(lambda_handler: LambdaHandler) -> None:
    event = http_api_event("GET", "/api/session", cookies=["theme=light", "session=abc"])

    response = lambda_handler(event, None)

    assert json_body(response) == {"theme": "light", "count": 2}


def test_binary_response_is_base64_encoded(lambda_handler: LambdaHandler) -> None:
    response = lambda_handler(http_api_event("GET", "/api/logo"), None)

    assert response["statusCode"] == 200
    assert response["headers"]["content-type"] == "image/png"
    assert response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == PNG


# --- REST API (payload 1.0) -----------------------------------------------------------------


def test_rest_api_get_reaches_the_route_with_repeated_query_values(
    lambda_handler: LambdaHandler,
) -> None:
    event = rest_api_event("GET", "/api/hello", query={"name": ["Ada"], "tag": ["a", "b"]})

    response = lambda_handler(event, None)

    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is False
    assert json_body(response) == {
        "name": "Ada",
        "tags": ["a", "b"],
        "path_and_query": "api/hello?name=Ada&tag=a&tag=b",
        "scheme": "https:",
        "ip": SOURCE_IP,
    }


def test_rest_api_post_body_and_catch_all(lambda_handler: LambdaHandler) -> None:
    event = rest_api_event(
        "POST", "/api/echo", body=b'{"n": 1}', headers={"Content-Type": "application/json"}
    )
    assert json_body(lambda_handler(event, None))["received"] == {"n": 1}

    response = lambda_handler(rest_api_event("GET", "/api/files/a/b"), None)
    assert json_body(response) == {"path": ["a", "b"]}


def test_rest_api_response_cookies_become_multi_value_headers(
    lambda_handler: LambdaHandler,
) -> None:
    response = lambda_handler(rest_api_event("POST", "/api/session"), None)

    assert response["multiValueHeaders"]["set-cookie"] == [
        "session=abc; Path=/; HttpOnly",
        "theme=dark; Path=/",
    ]


def test_rest_api_unknown_path_is_a_json_404(lambda_handler: LambdaHandler) -> None:
    response = lambda_handler(rest_api_event("GET", "/api/nowhere"), None)

    assert response["statusCode"] == 404
    assert json_body(response) == {"error": "Not Found"}


# --- function URL ---------------------------------------------------------------------------


def test_function_url_get_and_base64_post(lambda_handler: LambdaHandler) -> None:
    response = lambda_handler(function_url_event("GET", "/api/hello", query="name=Lin"), None)
    assert response["statusCode"] == 200
    assert json_body(response)["name"] == "Lin"
    assert json_body(response)["path_and_query"] == "api/hello?name=Lin"

    # Function URLs base64-encode bodies whose content type is not text.
    event = function_url_event(
        "POST",
        "/api/echo",
        body=b'{"from": "url"}',
        base64_body=True,
        headers={"content-type": "application/json"},
    )
    assert json_body(lambda_handler(event, None))["received"] == {"from": "url"}


# --- lifespan -------------------------------------------------------------------------------


def test_register_runs_once_per_environment_and_shutdown_at_close(project: Path) -> None:
    handler = make_handler(project)
    marks = project / "marks"
    assert not marks.exists(), "nothing runs before the first invocation"

    for _ in range(3):
        assert handler(http_api_event("GET", "/api/hello"), None)["statusCode"] == 200
    assert (marks / "register").read_text() == "x"
    assert not (marks / "shutdown").exists()

    handler.close()
    assert (marks / "shutdown").exists()
    handler.close()  # a second close does nothing


def test_failing_register_fails_the_invocation(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "app/api/x/route.py": "def GET():\n    return {}\n",
            "instrumentation.py": "def register():\n    raise RuntimeError('no database')\n",
        },
    )
    handler = make_handler(project)

    with pytest.raises(LifespanFailure, match="no database"):
        handler(http_api_event("GET", "/api/x"), None)
    assert not handler.started


def test_missing_mangum_names_the_extra(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mangum", None)

    with pytest.raises(ModuleNotFoundError) as raised:
        make_handler(project)

    assert str(raised.value) == (
        "approutes.adapters.aws_lambda needs mangum, which is not installed: "
        "pip install 'approutes[aws]'"
    )
    assert raised.value.name == "mangum"


# --- the module-level entry point, as Lambda's runtime calls it -------------------------------

ENTRY_POINT = """
import json, os, signal, sys, time
from approutes.adapters.aws_lambda import handler

event = json.loads(sys.argv[1])
for _ in range(2):
    print(json.dumps(handler(event, None)), flush=True)
if os.environ.get("SEND_SIGTERM"):
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(10)
    sys.exit(3)
"""


def run_entry_point(
    env: dict[str, str], cwd: Path, event: dict[str, Any]
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("APPROUTES_", "LAMBDA_"))}
    base.pop("AWS_LAMBDA_RUNTIME_API", None)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(ENTRY_POINT), json.dumps(event)],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    "variable",
    ["APPROUTES_ROOT", "LAMBDA_TASK_ROOT", None],
    ids=["approutes-root", "task-root", "cwd"],
)
def test_entry_point_serves_the_project_named_by_the_environment(
    project: Path, tmp_path: Path, variable: str | None
) -> None:
    env = {variable: str(project)} if variable else {}
    cwd = tmp_path if variable else project

    result = run_entry_point(env, cwd, http_api_event("GET", "/api/files/a/b"))

    assert result.returncode == 0, result.stderr
    responses = [json.loads(line) for line in result.stdout.splitlines()]
    assert [json_body(r) for r in responses] == [{"path": ["a", "b"]}] * 2
    assert (project / "marks" / "register").read_text() == "x"


def test_entry_point_runs_shutdown_on_lambdas_sigterm_and_exits_cleanly(
    project: Path, tmp_path: Path
) -> None:
    env = {
        "APPROUTES_ROOT": str(project),
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
        "SEND_SIGTERM": "1",
    }

    result = run_entry_point(env, tmp_path, http_api_event("GET", "/api/hello"))

    assert result.returncode == 0, result.stderr
    assert (project / "marks" / "shutdown").exists()
