"""Scale-out, run for real on loopback: three instances behind nginx, one Redis, restarts.

The cluster: a redis-server; three `approutes start --workers 2` instances (uvicorn, granian,
uvicorn) of a copy of examples/basic plus the routes of tests/projects/scale_out, with the
same AUTH_SECRET, `cache` and `channels` on that Redis, `trust_proxy` and `health_check` on
(all through APPROUTES_* variables, as a deployment sets them); and nginx running
deploy/nginx/approutes.conf as it is, with only its upstream addresses and its `listen`
replaced by loopback ports.

What is checked: the shared cache and `revalidate_tag`, WebSocket channels across instances,
sessions across instances, the request id and retries of the proxy, a rolling restart under
load with no failed request, and a Redis restart under load. The numbers of the load runs
(requests, failures, p99, RSS per instance) are printed (`pytest -s`) for docs/deployment.md.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.conftest import APPROUTES_BIN, REPO, free_port
from tests.e2e.http_load import LoadRun
from tests.redis_server import flush_redis, running_redis_server
from websockets.sync.client import connect as websocket_connect

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

EXAMPLE = REPO / "examples" / "basic"
OVERLAY = REPO / "tests" / "projects" / "scale_out"
NGINX_CONF = REPO / "deploy" / "nginx" / "approutes.conf"
SERVERS = ("uvicorn", "granian", "uvicorn")
WORKERS = 2
CACHE_DOWN = "unreachable; serving without cache"
CACHE_BACK = "is back; caching again"
# Deadlines for something to happen (a server to answer, a log line to appear), never
# assertions about time: a slow machine only waits longer.
START_DEADLINE = 90.0
EVENT_DEADLINE = 60.0


def wait_for(what: str, check: Callable[[], bool], deadline: float = EVENT_DEADLINE) -> None:
    """Poll `check` until it is true; fail naming `what` after `deadline` seconds."""
    stop = time.monotonic() + deadline
    while not check():
        if time.monotonic() > stop:
            pytest.fail(f"{what}: not within {deadline} s")
        time.sleep(0.05)


def answers_health(base: str) -> bool:
    try:
        return httpx.get(base + "/_approutes/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def group_rss(group: int) -> int:
    """The resident memory (bytes) of every process of process group `group` (a server and
    its workers)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != group:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, IndexError, ValueError):
            continue  # the process ended while it was read
    return total


@dataclass
class Instance:
    """One `approutes start` instance on a fixed loopback port, restartable."""

    name: str
    server: str
    port: int
    root: Path
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start it and wait until its health check answers."""
        with self.log.open("ab") as out:  # appended: one log across restarts
            self.process = subprocess.Popen(
                [
                    str(APPROUTES_BIN),
                    "start",
                    str(self.root),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(WORKERS),
                    "--server",
                    self.server,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                start_new_session=True,
            )
        process = self.process
        stop = time.monotonic() + START_DEADLINE
        while not answers_health(self.base):
            if process.poll() is not None or time.monotonic() > stop:
                pytest.fail(f"{self.name} did not start:\n{self.log_text()[-4000:]}")
            time.sleep(0.05)

    def terminate(self) -> int:
        """SIGTERM to the server process (as an orchestrator sends it); its exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def rss(self) -> int:
        assert self.process is not None
        return group_rss(self.process.pid)

    def log_text(self, since: int = 0) -> str:
        """The log from byte `since` on."""
        with self.log.open("rb") as log:
            log.seek(since)
            return log.read().decode(errors="replace")

    def log_size(self) -> int:
        return self.log.stat().st_size


@dataclass
class Redis:
    """The redis-server of the cluster, stoppable and restartable on the same port."""

    port: int
    _running: ExitStack = field(default_factory=ExitStack)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self._running = ExitStack()
        self._running.enter_context(running_redis_server(self.port))

    def stop(self) -> None:
        self._running.close()


def nginx_executable() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(found).is_file(), "nginx is not installed: run `make nginx` (apt-get install nginx)"
    return found


def nginx_site(upstream_ports: Sequence[int], listen_port: int) -> str:
    """deploy/nginx/approutes.conf with its upstream servers and `listen` on loopback ports."""
    text = NGINX_CONF.read_text()
    servers = re.findall(r"server app(\d+):3000\b", text)
    assert len(servers) == len(upstream_ports), servers
    for number, port in zip(servers, upstream_ports, strict=True):
        text = text.replace(f"server app{number}:3000", f"server 127.0.0.1:{port}")
    assert text.count("listen 80;") == 1
    return text.replace("listen 80;", f"listen 127.0.0.1:{listen_port};")


@contextmanager
def running_nginx(folder: Path, upstream_ports: Sequence[int]) -> Iterator[str]:
    """nginx with the deploy/ site in front of `upstream_ports`; yields its base URL."""
    folder.mkdir(parents=True)
    port = free_port()
    (folder / "approutes.conf").write_text(nginx_site(upstream_ports, port))
    temp_paths = "".join(
        f"    {kind}_temp_path {folder}/{kind}_temp;\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        # As root, the workers would otherwise run as nobody, who cannot write the temp paths.
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log warn;\n"
        + "events { worker_connections 4096; }\nhttp {\n"
        + "    log_format upstreams '$request_id $request $status upstream=$upstream_addr "
        + "upstream_status=$upstream_status';\n"
        + f"    access_log {folder}/access.log upstreams;\n"
        + temp_paths
        + f"    include {folder}/approutes.conf;\n}}\n"
    )
    command = [nginx_executable(), "-p", str(folder), "-c", str(folder / "nginx.conf")]
    with (folder / "nginx.out").open("wb") as out:
        process = subprocess.Popen(
            [*command, "-g", "daemon off;"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        stop = time.monotonic() + START_DEADLINE
        while not answers_health(base):
            if process.poll() is not None or time.monotonic() > stop:
                pytest.fail(f"nginx did not start:\n{(folder / 'nginx.out').read_text()}")
            time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Cluster:
    redis: Redis
    instances: list[Instance]
    nginx: str
    folder: Path
    flaky_log: Path

    @property
    def nginx_port(self) -> int:
        return int(self.nginx.rsplit(":", 1)[1])

    def proxied_to(self, instance: Instance) -> Callable[[], bool]:
        """A check: has nginx's log, from now on, a request answered by `instance` alone?"""
        access_log = self.folder / "nginx" / "access.log"
        offset = access_log.stat().st_size
        answered = f" upstream=127.0.0.1:{instance.port} upstream_status=200\n".encode()

        def check() -> bool:
            with access_log.open("rb") as log:
                log.seek(offset)
                return answered in log.read()

        return check


def copy_project(root: Path) -> None:
    """examples/basic without its local files, plus the routes of tests/projects/scale_out."""
    shutil.copytree(
        EXAMPLE,
        root,
        ignore=shutil.ignore_patterns(
            "__pycache__", "*.sqlite3", ".approutes", ".env.local", "uploads", "tests"
        ),
    )
    shutil.copytree(
        OVERLAY, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md", "__pycache__")
    )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("scale-out")
    root = folder / "project"
    copy_project(root)
    redis = Redis(free_port())
    redis.start()
    secret = secrets.token_urlsafe(32)
    flaky_log = folder / "flaky.log"
    instances = [
        Instance(
            name=f"instance-{index + 1}",
            server=server,
            port=free_port(),
            root=root,
            env={
                "PYTHONUNBUFFERED": "1",
                "AUTH_SECRET": secret,
                "APPROUTES_CACHE": redis.url,
                "APPROUTES_CHANNELS": "redis",
                "APPROUTES_TRUST_PROXY": "true",
                "APPROUTES_HEALTH_CHECK": "true",
                "DATABASE_PATH": str(folder / "data.sqlite3"),
                "FLAKY_LOG": str(flaky_log),
                "INSTANCE_NAME": f"instance-{index + 1}",
            },
            log=folder / f"instance-{index + 1}.log",
        )
        for index, server in enumerate(SERVERS)
    ]
    try:
        for instance in instances:
            instance.start()
        with running_nginx(folder / "nginx", [i.port for i in instances]) as nginx:
            yield Cluster(redis, instances, nginx, folder, flaky_log)
    finally:
        for instance in instances:
            instance.kill()
        redis.stop()


def cache_state(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return response.headers["x-approutes-cache"]


# --- the cache ------------------------------------------------------------------------------


def test_a_cached_route_is_rendered_once_for_every_instance(cluster: Cluster) -> None:
    flush_redis(cluster.redis.url)
    first = httpx.get(cluster.instances[0].base + "/api/cached")
    assert cache_state(first) == "MISS"
    for instance in cluster.instances:
        for _ in range(WORKERS * 2):  # whichever worker answers
            again = httpx.get(instance.base + "/api/cached")
            assert cache_state(again) == "HIT", instance.name
            assert again.json() == first.json()
    with httpx.Client(base_url=cluster.nginx) as proxy:
        for _ in range(len(cluster.instances) * 2):  # round robin: each instance twice
            through = proxy.get("/api/cached")
            assert cache_state(through) == "HIT"
            assert through.json() == first.json()


def test_revalidate_tag_through_one_instance_reaches_every_instance(cluster: Cluster) -> None:
    instances = cluster.instances
    cached = httpx.get(instances[0].base + "/api/cached").json()
    # Each instance in turn must see an invalidation made through another one: its next
    # answer is rendered anew (MISS), and from then on every instance serves that render.
    for index, instance in enumerate(instances):
        through = instances[(index + 1) % len(instances)]
        revalidated = httpx.post(through.base + "/api/revalidate")
        assert revalidated.status_code == 200, revalidated.text
        fresh = httpx.get(instance.base + "/api/cached")
        assert cache_state(fresh) == "MISS", f"{instance.name} after revalidating on {through.name}"
        assert fresh.json() != cached
        for other in instances:
            again = httpx.get(other.base + "/api/cached")
            assert cache_state(again) == "HIT", other.name
            assert again.json() == fresh.json()
        cached = fresh.json()


# --- channels -------------------------------------------------------------------------------


def test_a_message_from_one_instance_reaches_sockets_on_the_others(cluster: Cluster) -> None:
    urls = [f"ws://127.0.0.1:{i.port}/api/rooms/lobby" for i in cluster.instances]
    urls.append(f"ws://127.0.0.1:{cluster.nginx_port}/api/rooms/lobby")  # the upgrade via nginx
    with ExitStack() as stack:
        sockets = [stack.enter_context(websocket_connect(url)) for url in urls]
        for socket in sockets:
            assert socket.recv(timeout=EVENT_DEADLINE) == "subscribed"
        for sender, text in ((0, "from instance-1"), (2, "from instance-3"), (3, "via nginx")):
            sockets[sender].send(text)
            for socket in sockets:  # the sender's own socket is in the room too
                assert socket.recv(timeout=EVENT_DEADLINE) == text


# --- sessions -------------------------------------------------------------------------------


def test_a_session_from_one_instance_is_accepted_by_the_others(cluster: Cluster) -> None:
    first, *others = cluster.instances
    signed_in = httpx.post(first.base + "/api/login", json={"email": "ada@example.com"})
    assert signed_in.status_code == 200, signed_in.text
    cookie = signed_in.headers["set-cookie"].split(";", 1)[0]
    for base in [other.base for other in others] + [cluster.nginx]:
        me = httpx.get(base + "/api/me", headers={"cookie": cookie})
        assert me.status_code == 200, (base, me.text)
        assert me.json()["name"] == "Ada Lovelace"
        assert httpx.get(base + "/api/me").status_code == 401


# --- the proxy ------------------------------------------------------------------------------


def test_the_request_id_is_nginx_s_and_the_same_in_its_log(cluster: Cluster) -> None:
    sent = "client-chosen-id"
    through = httpx.get(cluster.nginx + "/api/hello", headers={"x-request-id": sent})
    assert through.status_code == 200
    request_id = through.headers["x-request-id"]
    assert re.fullmatch("[0-9a-f]{32}", request_id), request_id  # nginx's $request_id
    access_log = cluster.folder / "nginx" / "access.log"
    wait_for("the request in nginx's log", lambda: request_id in access_log.read_text())
    wait_for(
        "the request in an instance's access line",
        lambda: any(f"request_id={request_id}" in i.log_text() for i in cluster.instances),
    )
    # Straight to an instance (trust_proxy: it believes whoever calls it, hence only nginx
    # may reach it), the header is kept as it came.
    direct = httpx.get(cluster.instances[0].base + "/api/hello", headers={"x-request-id": sent})
    assert direct.headers["x-request-id"] == sent


def flaky_calls(cluster: Cluster) -> list[str]:
    return cluster.flaky_log.read_text().split() if cluster.flaky_log.exists() else []


@pytest.mark.parametrize(("method", "tried"), [("GET", 3), ("POST", 1)])
def test_nginx_retries_only_idempotent_requests(
    cluster: Cluster, tmp_path: Path, method: str, tried: int
) -> None:
    # /api/flaky answers 503 on every instance and notes each call. A fresh nginx per method,
    # since a 503 marks an instance as failed for fail_timeout in the nginx that saw it.
    cluster.flaky_log.unlink(missing_ok=True)
    with running_nginx(tmp_path / "nginx", [i.port for i in cluster.instances]) as nginx:
        answer = httpx.request(method, nginx + "/api/flaky")
    assert answer.status_code == 503
    calls = flaky_calls(cluster)
    assert calls[::2] == [method] * tried, calls
    assert len(set(calls[1::2])) == tried  # each try went to another instance


# --- restarts under load --------------------------------------------------------------------


def report(name: str, numbers: dict[str, object]) -> None:
    print(f"\nscale-out {name}: {json.dumps(numbers)}")  # the numbers for the docs


def test_a_rolling_restart_under_load_loses_no_request(cluster: Cluster) -> None:
    rss_before = {i.name: i.rss() for i in cluster.instances}
    with LoadRun("127.0.0.1", cluster.nginx_port, ["/api/hello", "/api/cached"]) as load:
        wait_for("the load to start", lambda: load.sent >= 1000)
        began = time.monotonic()
        for instance in cluster.instances:
            assert instance.terminate() == 0, instance.log_text()[-4000:]
            instance.start()
            # NOTE: nginx skips an instance for fail_timeout after it refused a connection
            # (passive checks only): the next one is stopped once nginx sends it requests
            # again, or every instance could be skipped at once ("no live upstreams").
            wait_for(
                f"nginx to send requests to {instance.name} again", cluster.proxied_to(instance)
            )
        ended = time.monotonic()
        sent_during = load.sent
    failures = load.failures()
    assert failures == [], (len(failures), load.errors[:20])
    assert len(load.samples) >= load.minimum
    report(
        "rolling restart",
        {
            "requests": len(load.samples),
            "failed": len(failures),
            "connections": load.connections,
            "requests_sent_until_restarts_ended": sent_during,
            "restart_seconds": round(ended - began, 1),
            "p99_ms_during_restarts": round(load.p99(began, ended) * 1000, 1),
            "p99_ms_overall": round(load.p99() * 1000, 1),
            "rss_mb_before": {k: round(v / 2**20, 1) for k, v in rss_before.items()},
            "rss_mb_after": {i.name: round(i.rss() / 2**20, 1) for i in cluster.instances},
            "servers": {i.name: i.server for i in cluster.instances},
        },
    )


def logged_since(
    since: Callable[[Instance], str], instance: Instance, text: str
) -> Callable[[], bool]:
    return lambda: text in since(instance)


def test_a_redis_restart_under_load_is_answered_and_caching_resumes(cluster: Cluster) -> None:
    logged = {i.name: i.log_size() for i in cluster.instances}

    def since(instance: Instance) -> str:
        return instance.log_text(logged[instance.name])

    paths = ["/api/cached", "/api/hello"]
    with LoadRun("127.0.0.1", cluster.nginx_port, paths, minimum=6000) as load:
        wait_for("the load to start", lambda: load.sent >= 1000)
        cluster.redis.stop()
        try:
            for instance in cluster.instances:
                wait_for(f"{instance.name} to notice", logged_since(since, instance, CACHE_DOWN))
            down_at = load.sent
            wait_for("requests answered while Redis is down", lambda: load.sent >= down_at + 2000)
            answered_down = load.sent - down_at
        finally:
            cluster.redis.start()
        for instance in cluster.instances:
            wait_for(f"{instance.name} to cache again", logged_since(since, instance, CACHE_BACK))
    failures = load.failures()
    assert failures == [], (len(failures), load.errors[:20])
    warnings = {i.name: since(i).count(CACHE_DOWN) for i in cluster.instances}
    # One warning per serving process that met the outage (each worker has its own store),
    # never one per request.
    assert all(1 <= count <= WORKERS for count in warnings.values()), warnings

    def all_hit() -> bool:
        states = [
            httpx.get(i.base + "/api/cached").headers.get("x-approutes-cache")
            for i in cluster.instances
            for _ in range(WORKERS * 2)
        ]
        return set(states) == {"HIT"}

    wait_for("every instance to serve from the cache again", all_hit)
    report(
        "redis restart",
        {
            "requests": len(load.samples),
            "failed": len(failures),
            "answered_while_redis_down": answered_down,
            "cache_warnings_per_instance": warnings,
        },
    )
