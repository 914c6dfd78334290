"""`make cluster`: N Streamlit replicas and HAProxy on loopback (state in test-artifacts/cluster/); `stop` ends them."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import string
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from browser_support import free_port, launch_server  # noqa: E402

STATE_DIR = REPO / "test-artifacts" / "cluster"
TEMPLATE = REPO / "deploy" / "haproxy.cfg.in"


@dataclass
class Cluster:
    url: str
    stats_url: str
    replicas: list[dict]     # name, port, pid
    balancer_pid: int
    state_dir: str

    def save(self) -> None:
        (Path(self.state_dir) / "state.json").write_text(json.dumps(self.__dict__, indent=1))


def haproxy() -> str | None:
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if Path(p).exists()), None)


def haproxy_version() -> str:
    binary = haproxy()
    output = subprocess.run([binary, "-v"], capture_output=True, text=True).stdout if binary else ""
    return output.split()[2] if len(output.split()) > 2 else "unknown"


def start(replicas: int = 3, port: int = 8600, data_dir: Path = REPO / "data", state_dir: Path = STATE_DIR,
          app_dir: Path = REPO) -> Cluster:
    """Start the replicas, wait for each to be healthy, then the balancer in front; returns at once after."""
    binary = haproxy()
    if binary is None:
        raise RuntimeError("haproxy is not installed (make cluster-deps installs Debian's package)")
    state_dir.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    # Same secret on every replica: a cookie one signs is valid on the others. XSRF and CORS stay on, with the
    # balancer's address as the one allowed origin and host.
    shared = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32),
              "STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION": "true",
              "STREAMLIT_SERVER_ENABLE_CORS": "true",
              "STREAMLIT_SERVER_CORS_ALLOWED_ORIGINS": url,
              "STREAMLIT_SERVER_ALLOWED_HOSTS": f"127.0.0.1:{port} localhost:{port} 127.0.0.1 localhost"}
    started: list[dict] = []
    # Recorded before anything else can fail, so that stop() finds every process started so far.
    Cluster(url, "", started, 0, str(state_dir)).save()
    for index in range(1, replicas + 1):
        try:
            server = launch_server(app_dir, data_dir, state_dir / f"replica-{index}.log", extra_env=shared)
        except Exception:
            stop(state_dir)
            raise
        started.append({"name": f"r{index}", "port": int(server.url.rsplit(":", 1)[1]), "pid": server.process.pid})
        Cluster(url, "", started, 0, str(state_dir)).save()
    stats_port = free_port()
    servers = "\n".join(f"    server {r['name']} 127.0.0.1:{r['port']} check cookie {r['name']}" for r in started)
    config = string.Template(TEMPLATE.read_text()).substitute(
        bind=f"127.0.0.1:{port}", servers=servers, stats_bind=f"127.0.0.1:{stats_port}")
    config_path = state_dir / "haproxy.cfg"
    config_path.write_text(config)
    if subprocess.run([binary, "-c", "-q", "-f", str(config_path)]).returncode != 0:
        stop(state_dir)
        raise RuntimeError(f"haproxy refused {config_path}")
    with (state_dir / "haproxy.log").open("w") as log:
        balancer = subprocess.Popen([binary, "-db", "-f", str(config_path)], stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
    cluster = Cluster(url, f"http://127.0.0.1:{stats_port}/", started, balancer.pid, str(state_dir))
    cluster.save()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return cluster
        except OSError:
            time.sleep(0.3)
    stop(state_dir)
    raise RuntimeError(f"the balancer did not answer on {url} (see {state_dir}/haproxy.log)")


def _end(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def stop(state_dir: Path = STATE_DIR) -> None:
    """End the balancer and every replica recorded in the state file (by their own process ids only)."""
    state_path = Path(state_dir) / "state.json"
    if not state_path.exists():
        return
    state = json.loads(state_path.read_text())
    if state["balancer_pid"]:
        _end(state["balancer_pid"])
    for replica in state["replicas"]:
        _end(replica["pid"])
    state_path.unlink()


def kill_replica(cluster: Cluster, name: str) -> None:
    """SIGKILL one replica (a crash, not a shutdown): what the load test does mid-run."""
    pid = next(r["pid"] for r in cluster.replicas if r["name"] == name)
    os.killpg(pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=("start", "stop"))
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("REPLICAS", 3)))
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", 8600)))
    args = parser.parse_args()
    if args.command == "stop":
        stop()
        print("cluster stopped")
        return
    stop()   # a cluster left from an earlier start
    cluster = start(args.replicas, args.port)
    print(f"{args.replicas} replicas behind HAProxy: {cluster.url}  (HAProxy stats: {cluster.stats_url}; "
          f"logs in {cluster.state_dir}; stop with `make cluster-stop`)")


if __name__ == "__main__":
    main()
