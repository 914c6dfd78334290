"""Two replicas behind HAProxy (deploy/cluster.py): a browser session works through the balancer and stays pinned."""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

import pytest

from browser_support import free_port, wait_for_app
from helpers import REPO

sys.path.insert(0, str(REPO / "deploy"))
import cluster as deploy_cluster  # noqa: E402

pytestmark = pytest.mark.skipif(deploy_cluster.haproxy() is None,
                                reason="haproxy is not installed (make cluster-deps / make test install it)")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = deploy_cluster.start(replicas=2, port=free_port(), state_dir=tmp_path_factory.mktemp("cluster"))
    yield running
    deploy_cluster.stop(running.state_dir)


def test_health_and_plain_http_need_no_affinity(cluster):
    # A request without the cookie is answered (by any replica) and is handed a cookie naming one.
    with urllib.request.urlopen(f"{cluster.url}/_stcore/health", timeout=10) as response:
        assert response.status == 200 and response.read() == b"ok"
        assert any(cookie.startswith("LUBAN_REPLICA=r") for cookie in response.headers.get_all("Set-Cookie"))


def test_a_browser_session_runs_through_the_balancer_on_one_replica(cluster, new_page, watch):
    page = new_page()
    page.goto(f"{cluster.url}/?country=KZ")
    wait_for_app(page)   # the websocket went through HAProxy: the script ran and drew the page
    replica = {c["name"]: c["value"] for c in page.context.cookies()}.get("LUBAN_REPLICA")
    assert replica in {"r1", "r2"}
    assert "country=KZ" in page.url
    page.reload()
    wait_for_app(page)
    assert {c["name"]: c["value"] for c in page.context.cookies()}["LUBAN_REPLICA"] == replica
    assert watch.errors == []
    assert "Traceback" not in (Path(cluster.state_dir) / f"replica-{replica[1]}.log").read_text()
