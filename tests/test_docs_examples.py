"""Every code block of README.md and docs/ runs, or is checked, so the docs cannot drift.

A block's kind comes from its language and from HTML comments on the lines right above its
fence (invisible on GitHub and in the mkdocs site):

- `<!-- file: app/api/users/[id]/route.py -->` (python, toml, ...): the block is that file of
  the page's project. `<!-- append: tests/test_api.py -->` adds the block to the end of a file
  given earlier. The project is assembled in a temporary folder, loaded with `TestClient`
  (so every route module is imported and checked), and its `tests/test_*.py` files are run
  with pytest in a subprocess from the project root.
- `<!-- project: template -->` starts a new project for the blocks below it, on a copy of
  examples/basic (what `approutes new` copies); `<!-- project: empty -->` starts an empty one.
  A page starts with an empty project.
- `<!-- requests -->` on a `sh` block: each `curl` line is sent in-process to the page's
  project; the `# ...` line right after it is the expected answer: an optional status
  (`404`, `HTTP/1.1 204 No Content`) and/or a body where `...` stands for anything. A curl
  without an answer line must answer below 400. Two spaces end the answer (a comment may
  follow). `-N` reads only the first chunk.
- `<!-- fragment -->`: not a whole file: a python fragment must compile (as a module with
  top-level `await`, or as the body of a handler), a toml fragment must parse, a json
  fragment must parse (`//` comment lines aside).
- `<!-- signature -->` (python): one or more API signatures, `name(params) -> type`, each
  a line at indent 0 (continued by indented lines); each must compile as a `def`.
- Unmarked blocks: a python block is an error (mark it); a toml block is loaded through the
  settings loader (as `pyproject.toml` when it has `[tool.approutes]`); a json block is
  parsed; a `sh` block with `curl` is an error (mark it `requests` or `fragment`).
- In every `sh` block, each `approutes ...` command must name a real subcommand and flags.
- `text`, `ts`, `nginx` and other languages are output or foreign code, and not checked.

A failure lists `page:line` of each failing block.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from approutes.cli.main import cli
from approutes.errors import ConfigurationError
from approutes.project.importer import forget_project_modules
from approutes.settings.model import load_settings
from approutes.testing import TestClient

if TYPE_CHECKING:
    from collections.abc import Iterator

    import click

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "examples" / "basic"
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+|~~~+)\s*(?P<lang>[\w+-]*)")
_MARKER = re.compile(r"^\s*<!--\s*(?P<body>.*?)\s*-->\s*$")
_ENV = {
    "AUTH_SECRET": "docs-examples-secret-of-at-least-32-bytes",
    "APPROUTES_CACHE": "memory",
}


@dataclass(frozen=True, slots=True)
class Block:
    """One fenced code block: where it is, its language, its markers and its text."""

    page: Path
    line: int
    lang: str
    markers: tuple[str, ...]
    text: str

    @property
    def where(self) -> str:
        shown = self.page.relative_to(REPO) if self.page.is_relative_to(REPO) else self.page
        return f"{shown.as_posix()}:{self.line}"

    def marker(self, name: str) -> str | None:
        """The value of `name: value`, `""` for a bare `name`, None when absent."""
        for marker in self.markers:
            key, _, value = marker.partition(":")
            if key.strip() == name:
                return value.strip()
        return None


@dataclass(slots=True)
class Project:
    """The files and requests of one throwaway project assembled from a page."""

    template: bool
    first: Block | None = None
    files: dict[str, str] = field(default_factory=dict)
    requests: list[Block] = field(default_factory=list)


def extract_blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, with the marker comments right above them."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opened = _FENCE.match(lines[index])
        if opened is None:
            index += 1
            continue
        indent, fence = opened["indent"], opened["fence"]
        markers: list[str] = []
        above = index - 1
        while above >= 0 and (marker := _MARKER.match(lines[above])):
            markers.insert(0, marker["body"])
            above -= 1
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        body = [
            line[len(indent) :] if line.startswith(indent) else line
            for line in lines[index + 1 : end]
        ]
        blocks.append(
            Block(page, index + 1, opened["lang"].lower(), tuple(markers), "\n".join(body) + "\n")
        )
        index = end + 1
    return blocks


# --- the checks of each kind ----------------------------------------------------------------


def _json_text(text: str) -> str:
    """A json block without its `// file name` comment lines."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))


def check_fragment(block: Block) -> None:
    if block.lang == "python":
        try:
            compile(block.text, block.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        except SyntaxError:  # the body of a handler (`return` at the top level)?
            body = textwrap.indent(block.text, "    ")
            compile(f"async def handler(request):\n{body}", block.where, "exec")
    elif block.lang == "toml":
        tomllib.loads(block.text)
    elif block.lang == "json":
        json.loads(_json_text(block.text))


def check_signatures(block: Block) -> None:
    """Each signature of the block (a line at indent 0 starts one) compiles as a `def`."""
    signatures: list[str] = []
    for line in block.text.splitlines():
        code = re.sub(r"\s+#.*$", "", line)
        if not code.strip():
            continue
        if signatures and (line[:1].isspace() or line.startswith(")")):
            signatures[-1] += "\n" + code
        else:
            signatures.append(code)
    for signature in signatures:
        head, paren, rest = signature.partition("(")
        name = head.removeprefix("async ").removeprefix("def ").replace(".", "_")
        compile(f"async def {name}{paren}{rest}: ...", block.where, "exec")


def check_settings(block: Block, tmp_path: Path) -> None:
    """Load a toml block through the settings loader, as approutes.toml or pyproject.toml."""
    folder = tmp_path / f"settings-{block.line}"
    folder.mkdir()
    name = "pyproject.toml" if "[tool.approutes]" in block.text else "approutes.toml"
    (folder / name).write_text(block.text, encoding="utf-8")
    load_settings(folder, environ={})


def _approutes_commands(text: str) -> Iterator[list[str]]:
    for line in text.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        while words and re.fullmatch(r"\w+=.*", words[0]):  # NAME=value approutes ...
            words = words[1:]
        if words[:1] == ["approutes"]:
            yield words[1:]


def check_commands(block: Block) -> None:
    """Each `approutes ...` line names a real subcommand, and only that command's flags."""
    for words in _approutes_commands(block.text):
        command: click.Command = cli
        if words and not words[0].startswith("-"):
            sub = cli.commands.get(words[0])
            assert sub is not None, f"`approutes {words[0]}` is not a command"
            command, words = sub, words[1:]
        flags = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
        flags.add("--help")
        for word in words:
            if word.startswith("-"):
                flag = word.split("=", 1)[0]
                assert flag in flags, f"`approutes {command.name}` has no option {flag}"


@dataclass(frozen=True, slots=True)
class Curl:
    """One `curl` line of a requests block and the answer written under it."""

    line: str
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    files: dict[str, tuple[str, bytes]]
    save_jar: str | None
    send_jar: str | None
    first_chunk_only: bool
    with_headers: bool
    expected: tuple[str, ...]


def parse_curls(text: str, root: Path) -> list[Curl]:
    """The curl commands of a `sh` block, each with the `# ...` answer line below it."""
    lines = text.replace("\\\n", " ").splitlines()
    curls: list[Curl] = []
    for number, line in enumerate(lines):
        if not line.strip().startswith("curl "):
            continue
        answer: list[str] = []
        for after in lines[number + 1 :]:
            if not after.strip().startswith("#"):
                break
            answer.append(after.strip()[1:].strip())
        curls.append(_parse_curl(line, tuple(answer), root))
    return curls


def _parse_curl(line: str, expected: tuple[str, ...], root: Path) -> Curl:
    words = shlex.split(line)[1:]
    method: str | None = None
    headers: dict[str, str] = {}
    body: bytes | None = None
    files: dict[str, tuple[str, bytes]] = {}
    jars: dict[str, str] = {}
    url = ""
    stream = with_headers = False
    words_iter = iter(words)
    for word in words_iter:
        if word == "-X":
            method = next(words_iter)
        elif word == "-H":
            name, _, value = next(words_iter).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            body = next(words_iter).encode()
        elif word == "-F":
            name, _, value = next(words_iter).partition("=@")
            files[name] = (Path(value).name, (root / value).read_bytes())
        elif word in ("-c", "-b"):
            jars[word] = next(words_iter)
        elif word == "-N":
            stream = True
        elif word == "-i":
            with_headers = True
        elif word == "-s":
            pass
        elif word.startswith("-"):
            raise AssertionError(f"the docs test does not know curl's {word}: teach it")
        else:
            url = re.sub(r"^(https?://)?localhost:\d+", "", word) or "/"
    if body is not None:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")  # as curl does
    return Curl(
        line=line.strip(),
        method=method or ("POST" if body is not None or files else "GET"),
        url=url,
        headers=headers,
        body=body,
        files=files,
        save_jar=jars.get("-c"),
        send_jar=jars.get("-b"),
        first_chunk_only=stream,
        with_headers=with_headers,
        expected=expected if with_headers else expected[:1],
    )


def _answer_matches(curl: Curl, status: int, headers: httpx.Headers, body: str) -> str | None:
    """None when the answer fits the `# ...` lines under the curl, else what differs.

    Without `-i` the first line is the answer: an optional status, then an optional body.
    With `-i` the lines are a status line, `name: value` headers, and an optional body line.
    """
    if not curl.expected:
        return f"status {status}: {body[:300]}" if status >= 400 else None
    lines = [re.split(r"\s{2,}", line)[0] for line in curl.expected]  # two spaces: a comment
    first = lines[0]
    shown = re.match(r"^(?:HTTP/[\d.]+ )?(?P<status>\d{3})\b(?: [A-Z][\w ]*$)?\s*", first)
    if shown:
        if int(shown["status"]) != status:
            return f"status {status}, the docs say {shown['status']}"
        lines[0] = first[shown.end() :]
    elif status >= 400:
        return f"status {status}, the docs show no status (so a success)"
    for line in lines:
        if line[:1] in ("{", "[", '"') and not _fits(line, body.strip()):
            return f"body {body.strip()[:300]!r}, the docs say {line!r}"
        name, colon, value = line.partition(": ")
        if curl.with_headers and colon and not _fits(value, headers.get(name, "")):
            return f"{name}: {headers.get(name)!r}, the docs say {value!r}"
    return None


def _fits(expected: str, actual: str) -> bool:
    """`actual` is `expected`, where each `...` of `expected` stands for anything."""
    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


async def _first_chunk(app: Any, curl: Curl) -> tuple[int, httpx.Headers, str]:
    """Send a GET and stop after the first body chunk, as a client interrupting `curl -N`."""
    path, _, query = curl.url.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": curl.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"localhost:3000")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 3000),
    }
    got: dict[str, Any] = {"status": 0, "body": b"", "headers": []}
    first = asyncio.Event()
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if "sent" not in got:
            got["sent"] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            got["status"] = message["status"]
            got["headers"] = message.get("headers", [])
        elif message["type"] == "http.response.body":
            got["body"] += message.get("body", b"")
            if got["body"] or not message.get("more_body"):
                first.set()

    task = asyncio.create_task(app(scope, receive, send))
    await first.wait()
    gone.set()
    await task
    return got["status"], httpx.Headers(got["headers"]), got["body"].decode()


async def run_requests(root: Path, blocks: list[Block]) -> list[str]:
    """Send the curl lines of `blocks` to the project at `root`; the mismatches, by block."""
    failures: list[str] = []
    test_client = TestClient(root)
    async with test_client as client:
        jars: dict[str, httpx.Cookies] = {}
        for block in blocks:
            for curl in parse_curls(block.text, root):
                client.cookies = httpx.Cookies(jars.get(curl.send_jar or "", {}))
                if curl.first_chunk_only:
                    status, headers, body = await _first_chunk(test_client.app, curl)
                else:
                    response = await client.request(
                        curl.method,
                        curl.url,
                        headers=curl.headers,
                        content=curl.body,
                        files=curl.files or None,
                    )
                    status, headers, body = response.status_code, response.headers, response.text
                if curl.save_jar:
                    jars[curl.save_jar] = httpx.Cookies(client.cookies)
                if problem := _answer_matches(curl, status, headers, body):
                    failures.append(f"{block.where}: `{curl.line}`: {problem}")
    return failures


def run_project(project: Project, root: Path) -> list[str]:
    """Assemble, load and serve one project; run its curls and its tests. The failures."""
    assert project.first is not None
    if project.template:
        shutil.copytree(TEMPLATE, root, ignore=shutil.ignore_patterns("*.sqlite3", "uploads"))
    else:
        root.mkdir(parents=True)
    for relative, text in project.files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _forget_modules_named_like(root)
    env = {**_ENV, "DATABASE_PATH": str(root / "test.sqlite3"), "UPLOAD_DIR": str(root / "up")}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        failures = asyncio.run(run_requests(root, project.requests))
    except (ConfigurationError, Exception) as exc:  # noqa: BLE001 - reported with the block
        failures = [f"{project.first.where}: the project does not load: {exc}"]
    finally:
        forget_project_modules(root)
        if str(root) in sys.path:
            sys.path.remove(str(root))
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    tests = sorted(
        relative for relative in project.files if re.match(r"tests/test_\w+\.py$", relative)
    )
    if tests:
        failures += _run_pytest(project, root, tests, env)
    return failures


def _forget_modules_named_like(root: Path) -> None:
    """Drop modules that other projects of this process left under the names `root` provides.

    NOTE: a user file's `from lib.db import ...` goes through sys.modules, so a `lib` package
    imported earlier from another test's project would shadow this project's `lib`.
    """
    names = {path.stem for path in root.iterdir() if path.suffix == ".py" or path.is_dir()}
    for name in list(sys.modules):
        if name.partition(".")[0] in names:
            del sys.modules[name]


def _run_pytest(project: Project, root: Path, tests: list[str], env: dict[str, str]) -> list[str]:
    # NOTE: the docs tell users to run `python -m pytest` from the project root (so `app` and
    # `lib` import); this runs the tests the same way, in their own process.
    # PERF: only anyio's plugin (the one the docs use) is loaded, not every plugin of the venv.
    command = [sys.executable, "-m", "pytest", "-q", "-p", "anyio", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*command, "-rfEs", *tests],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    summary = result.stdout.strip().splitlines()[-1:] or [""]
    if result.returncode != 0 or re.search(r"skipped|xfail|no tests", summary[0]):
        assert project.first is not None
        return [f"{project.first.where}: pytest {' '.join(tests)} failed:\n{result.stdout[-3000:]}"]
    return []


# --- one page -------------------------------------------------------------------------------


def classify(block: Block) -> str:
    """The kind of a block: fragment, signature, file, requests, settings, json, shell or other."""
    if block.marker("fragment") is not None:
        return "fragment"
    if block.marker("signature") is not None:
        return "signature"
    if block.marker("file") is not None or block.marker("append") is not None:
        return "file"
    if block.lang in ("sh", "bash", "console", "shell"):
        return "requests" if block.marker("requests") is not None else "shell"
    if block.lang == "toml":
        return "settings"
    if block.lang in ("python", "py", "json"):
        return block.lang
    return "other"


def _check_block(block: Block, kind: str, project: Project, tmp_path: Path) -> None:
    """Check one block, or add it to its project; raises what is wrong with it."""
    if block.lang in ("sh", "bash", "console", "shell"):
        check_commands(block)
    if kind == "fragment":
        check_fragment(block)
    elif kind == "signature":
        check_signatures(block)
    elif kind == "file":
        project.first = project.first or block
        if (path := block.marker("file")) is not None:
            assert path not in project.files, f"{path} is given twice: start a project"
            project.files[path] = block.text
        else:
            path = block.marker("append") or ""
            assert path in project.files, f"append to {path}, which is not given above"
            project.files[path] += "\n\n" + block.text
    elif kind == "requests":
        assert project.first is not None, "requests to a project with no files above"
        project.requests.append(block)
    elif kind == "settings":
        check_settings(block, tmp_path)
    elif kind == "json":
        json.loads(_json_text(block.text))
    elif kind == "python":
        raise AssertionError("mark it <!-- file: PATH --> or <!-- fragment -->")
    elif kind == "shell" and re.search(r"^\s*curl ", block.text, re.MULTILINE):
        raise AssertionError("curl lines: mark it <!-- requests --> or <!-- fragment -->")


def check_page(page: Path, tmp_path: Path) -> tuple[list[str], Counter[str]]:
    """Check every block of a page; the failures (`page:line: why`) and a count per kind."""
    failures: list[str] = []
    kinds: Counter[str] = Counter()
    projects: list[Project] = [Project(template=False)]
    for block in extract_blocks(page):
        if (base := block.marker("project")) is not None:
            projects.append(Project(template=base == "template"))
            projects[-1].first = block if base == "template" else None
        project = projects[-1]
        kind = classify(block)
        kinds[kind] += 1
        try:
            _check_block(block, kind, project, tmp_path)
        except Exception as exc:  # noqa: BLE001 - collected, reported with file:line
            failures.append(f"{block.where}: {type(exc).__name__}: {exc}")
    for number, project in enumerate(projects):
        if project.first is not None:
            failures += run_project(project, tmp_path / f"project-{number}")
    return failures, kinds


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(REPO).as_posix() for p in PAGES])
def test_code_blocks_of_the_page_run(page: Path, tmp_path: Path) -> None:
    failures, _ = check_page(page, tmp_path)
    assert not failures, "code blocks of the docs that fail:\n" + "\n".join(failures)


def test_a_python_block_without_a_marker_fails(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("Text.\n\n```python\nprint('hi')\n```\n", encoding="utf-8")
    failures, kinds = check_page(page, tmp_path)
    assert failures == [
        f"{page.as_posix()}:3: AssertionError: mark it <!-- file: PATH --> or <!-- fragment -->"
    ]
    assert kinds == Counter(python=1)
