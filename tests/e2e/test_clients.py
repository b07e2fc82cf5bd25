"""Real clients generated from the example project's OpenAPI document.

- TypeScript: `openapi-typescript` turns the document into `paths` types; `clients/calls.ts`
  calls every operation through `openapi-fetch` and must pass `tsc --noEmit --strict`, while
  `clients/wrong_body.ts` and `clients/missing_param.ts` must fail it. Compiled, `calls.ts`
  runs on Node against the example served by `approutes start`.
- Python: `openapi-python-client` generates a package, installed into a fresh virtualenv,
  and `clients/python_calls.py` calls the example served by `approutes start` with it.

The generators come from the npm registry and the package index at test time, installed
once into a cache folder under the temporary directory (`$TMPDIR/approutes-e2e-tools`), never
into the repository; reruns reuse them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from tests.conftest import APPROUTES_BIN, REPO
from tests.e2e.conftest import fresh_venv, run, serving

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

CLIENTS = Path(__file__).resolve().parent / "clients"
EXAMPLE = REPO / "examples" / "basic"
# Exact versions, so a rerun tests the same generators (the cache folder is named by them).
NPM_TOOLS = ("openapi-typescript@7.13.0", "openapi-fetch@0.17.0", "typescript@5.9.3")
PYTHON_GENERATOR = "openapi-python-client==0.29.1"
TSC_OPTIONS = (
    "--strict",
    "--target",
    "es2022",
    "--module",
    "esnext",
    "--moduleResolution",
    "bundler",
    "--lib",
    "es2022,dom",
)


def _tools_cache(name: str) -> Path:
    folder = Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / "approutes-e2e-tools"
    return folder / name


@pytest.fixture(scope="session")
def npm_tools() -> Path:
    """A folder whose node_modules holds the TypeScript generator, openapi-fetch and tsc."""
    npm = shutil.which("npm")
    assert npm, "npm is not on PATH: install Node.js and npm (apt-get install nodejs npm)"
    folder = _tools_cache("npm-" + "-".join(tool.replace("@", "") for tool in NPM_TOOLS))
    if not (folder / "installed").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        run(npm, "install", "--no-audit", "--no-fund", "--prefix", folder, *NPM_TOOLS)
        (folder / "installed").touch()
    return folder


@pytest.fixture(scope="session")
def python_generator() -> Path:
    """The bin folder of a virtualenv with openapi-python-client."""
    folder = _tools_cache(PYTHON_GENERATOR.replace("==", "-"))
    if not (folder / "installed").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        bin_dir = fresh_venv(folder)
        run(bin_dir / "python", "-m", "pip", "install", "-q", PYTHON_GENERATOR)
        (folder / "installed").touch()
    return folder / "bin"


@pytest.fixture(scope="session")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project's document, as `approutes openapi` writes it."""
    path = tmp_path_factory.mktemp("document") / "openapi.json"
    run(APPROUTES_BIN, "openapi", EXAMPLE, "-o", path)
    return path


@pytest.fixture(scope="session")
def typescript_project(
    npm_tools: Path, document: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A folder with the generated api.d.ts, the calls of clients/ and the tools' node_modules."""
    folder = tmp_path_factory.mktemp("typescript")
    (folder / "node_modules").symlink_to(npm_tools / "node_modules")
    run(
        npm_tools / "node_modules" / ".bin" / "openapi-typescript",
        document,
        "-o",
        folder / "api.d.ts",
    )
    for source in CLIENTS.glob("*.ts"):
        shutil.copy(source, folder)
    return folder


def _tsc(folder: Path, file: str, *output: str) -> subprocess.CompletedProcess[str]:
    """`tsc --strict` on `file`: type-check only, or compile with `output` options."""
    return subprocess.run(
        [
            str(folder / "node_modules" / ".bin" / "tsc"),
            *TSC_OPTIONS,
            *(output or ["--noEmit"]),
            file,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_typescript_calls_to_every_operation_type_check(
    typescript_project: Path, document: Path
) -> None:
    calls = (typescript_project / "calls.ts").read_text()
    generated = (typescript_project / "api.d.ts").read_text()

    checked = _tsc(typescript_project, "calls.ts")

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "UserIn: {" in generated
    operations = [
        (method.upper(), path)
        for path, item in json.loads(document.read_text())["paths"].items()
        for method in item
    ]
    assert len(operations) >= 15
    not_called = [
        (method, path)
        for method, path in operations
        if f'client.{method}("{path}"' not in calls
        and f'fetch(`${{baseUrl}}{path}`, {{ method: "{method}"' not in calls
    ]
    assert not_called == []


@pytest.mark.parametrize(
    ("file", "error"),
    [
        pytest.param(
            "wrong_body.ts",
            "error TS2322: Type 'number' is not assignable to type 'string'.",
            id="wrong-body-field-type",
        ),
        pytest.param(
            "missing_param.ts",
            "error TS2741: Property 'id' is missing in type '{}' but required in type",
            id="missing-path-param",
        ),
    ],
)
def test_a_wrong_typescript_call_fails_the_type_check(
    typescript_project: Path, file: str, error: str
) -> None:
    checked = _tsc(typescript_project, file)

    assert checked.returncode != 0
    assert f"{file}(" in checked.stdout
    assert error in checked.stdout


def test_the_typescript_calls_run_against_the_served_example(
    typescript_project: Path, tmp_path: Path
) -> None:
    compiled = _tsc(typescript_project, "calls.ts", "--outDir", "out")
    assert compiled.returncode == 0, compiled.stdout
    (typescript_project / "out" / "package.json").write_text('{"type": "module"}')
    script = (
        'const { callEveryOperation } = await import("./out/calls.js");'
        "console.log(await callEveryOperation(process.argv[1]));"
    )
    project = _example_copy(tmp_path)

    with serving(APPROUTES_BIN, "start", "--host", "127.0.0.1", cwd=project) as base:
        called = subprocess.run(
            ["node", "--input-type=module", "-e", script, base],
            cwd=typescript_project,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert called.returncode == 0, called.stdout + called.stderr
    assert called.stdout.strip() == "every call answered as typed"


def _example_copy(folder: Path) -> Path:
    """A copy of examples/basic (its own database and uploads), to serve."""
    project = folder / "basic"
    shutil.copytree(
        EXAMPLE,
        project,
        ignore=shutil.ignore_patterns("uploads", "*.sqlite3", ".approutes", "__pycache__"),
    )
    return project


def test_a_generated_python_client_calls_the_running_example(
    python_generator: Path, document: Path, tmp_path: Path
) -> None:
    run(
        python_generator / "openapi-python-client",
        "generate",
        "--path",
        document,
        "--meta",
        "setup",
        cwd=tmp_path,
    )
    client_bin = fresh_venv(tmp_path / "client-venv")
    run(client_bin / "python", "-m", "pip", "install", "-q", tmp_path / "basic-client")
    project = _example_copy(tmp_path)

    with serving(APPROUTES_BIN, "start", "--host", "127.0.0.1", cwd=project) as base:
        called = subprocess.run(
            [str(client_bin / "python"), str(CLIENTS / "python_calls.py"), base],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert called.returncode == 0, called.stdout + called.stderr
    assert called.stdout.strip() == "every call answered as typed"
