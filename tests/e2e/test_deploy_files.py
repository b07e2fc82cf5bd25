"""The deployment files of deploy/ checked against their schemas with well-kept validators.

- `deploy/docker-compose.yml` against the Compose specification's JSON schema, with
  `check-jsonschema`. The schema is the one Docker ships in its `docker-compose` package on
  the package index (`compose/config/compose_spec.json`): only that file is read from the
  downloaded wheel, nothing of it is installed or run.
- `deploy/kubernetes/*.yaml` with `kubernetes-validate --strict`, which ships the OpenAPI
  schemas of every Kubernetes release, so it runs offline; checked for the newest release
  it knows and for an older one still supported by the big clouds.
- `deploy/nginx/approutes.conf` with `nginx -t`, inside a minimal main configuration.

Neither Docker nor a Kubernetes cluster runs here, so these files are checked, not run;
`tests/e2e/test_scale_out.py` runs the nginx file with real instances. The validators are
installed at test time into `$TMPDIR/approutes-e2e-tools`, never into the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from tests.conftest import REPO
from tests.e2e.conftest import fresh_venv, run

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

DEPLOY = REPO / "deploy"
# Exact versions, so a rerun checks with the same validators and schemas.
VALIDATORS = ("check-jsonschema==0.39.0", "kubernetes-validate==1.37.0")
COMPOSE_SCHEMA_SOURCE = "docker-compose==1.29.2"
# The newest release kubernetes-validate knows, and an older one (preStop's `sleep`, used by
# the Deployment, is on by default from 1.30).
KUBERNETES_VERSIONS = ("1.37.0", "1.32.0")


def _tools_cache(name: str) -> Path:
    folder = Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / "approutes-e2e-tools"
    return folder / name


@pytest.fixture(scope="module")
def validators() -> Path:
    """The bin folder of a virtualenv with check-jsonschema and kubernetes-validate."""
    folder = _tools_cache("deploy-validators-" + "-".join(v.replace("==", "") for v in VALIDATORS))
    if not (folder / "installed").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        bin_dir = fresh_venv(folder)
        run(bin_dir / "python", "-m", "pip", "install", "-q", *VALIDATORS)
        (folder / "installed").touch()
    return folder / "bin"


@pytest.fixture(scope="module")
def compose_schema(validators: Path) -> Path:
    """The Compose specification's JSON schema, as Docker's `docker-compose` wheel ships it."""
    folder = _tools_cache("compose-spec-" + COMPOSE_SCHEMA_SOURCE.replace("==", "-"))
    schema = folder / "compose_spec.json"
    if not schema.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        pip = validators / "pip"
        run(pip, "download", "-q", "--no-deps", "-d", folder, COMPOSE_SCHEMA_SOURCE)
        [wheel] = folder.glob("docker_compose-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            schema.write_bytes(archive.read("compose/config/compose_spec.json"))
    return schema


def check_compose(validators: Path, schema: Path, file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(validators / "check-jsonschema"), "--schemafile", str(schema), str(file)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_compose_file_follows_the_compose_specification(
    validators: Path, compose_schema: Path
) -> None:
    done = check_compose(validators, compose_schema, DEPLOY / "docker-compose.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_compose_check_rejects_a_misspelt_key(
    validators: Path, compose_schema: Path, tmp_path: Path
) -> None:
    # The check above means something only if the schema refuses what Compose would refuse.
    text = (DEPLOY / "docker-compose.yml").read_text()
    assert "stop_grace_period:" in text
    wrong = tmp_path / "docker-compose.yml"
    wrong.write_text(text.replace("stop_grace_period:", "stop_grace_periods:"))
    done = check_compose(validators, compose_schema, wrong)
    assert done.returncode == 1
    assert "stop_grace_periods" in done.stdout


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_kubernetes_manifests_follow_the_api_schemas(validators: Path, version: str) -> None:
    manifests = sorted((DEPLOY / "kubernetes").glob("*.yaml"))
    done = subprocess.run(
        [str(validators / "kubernetes-validate"), "--strict", "-k", version]
        + [str(manifest) for manifest in manifests],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    kinds = {line.split("resource ", 1)[1].split("/")[0] for line in done.stdout.splitlines()}
    assert kinds == {"deployment", "service", "horizontalpodautoscaler", "secret"}, done.stdout


def test_the_kubernetes_check_rejects_a_wrong_type(validators: Path, tmp_path: Path) -> None:
    text = (DEPLOY / "kubernetes" / "approutes.yaml").read_text()
    assert "containerPort: 3000" in text
    wrong = tmp_path / "approutes.yaml"
    wrong.write_text(text.replace("containerPort: 3000", "containerPort: three-thousand"))
    done = subprocess.run(
        [str(validators / "kubernetes-validate"), "--strict", str(wrong)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "three-thousand" in done.stdout + done.stderr


def test_the_kubernetes_probes_ask_the_health_endpoint() -> None:
    text = (DEPLOY / "kubernetes" / "approutes.yaml").read_text()
    assert text.count("path: /_approutes/health") == 2  # readiness and liveness
    assert 'name: APPROUTES_HEALTH_CHECK\n              value: "true"' in text


def test_the_nginx_file_passes_nginx_t(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).is_file(), "nginx is not installed: run `make nginx` (apt-get install nginx)"
    # NOTE: the upstream names the Compose services; nginx resolves them when it loads, so
    # they are pointed at loopback addresses for the check (as /etc/hosts would in Compose).
    text = (DEPLOY / "nginx" / "approutes.conf").read_text()
    for n in (1, 2, 3):
        text = text.replace(f"server app{n}:3000", f"server 127.0.0.{n}:3000")
    text = text.replace("listen 80;", "listen 127.0.0.1:8080;")
    (tmp_path / "approutes.conf").write_text(text)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/approutes.conf; }}\n"
    )
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr
