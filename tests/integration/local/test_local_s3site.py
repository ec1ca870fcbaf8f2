"""The dashboard upload into a moto S3 server, fetched back over plain HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest

from infra.local.ports import BLOCKED_PORTS
from infra.local.s3site import DashboardSite, ensure_bucket, s3_client, upload_site

API_URL = "http://127.0.0.1:3001/api/v1"


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("site")
    (tmp_path / "js").mkdir()
    (tmp_path / "index.html").write_text('<!doctype html><script src="js/app.js"></script>')
    (tmp_path / "js" / "app.js").write_text("console.log('hi')")
    (tmp_path / "style.css").write_text("body{}")
    (tmp_path / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "config.json").write_text('{"apiUrl": "stale"}')
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    return tmp_path


@pytest.fixture(scope="module")
def site(site_dir: Path) -> Iterator[DashboardSite]:
    with pytest.MonkeyPatch.context() as env:
        env.delenv("AWS_ENDPOINT_URL", raising=False)
        env.delenv("DASHBOARD_BUCKET", raising=False)
        site = DashboardSite(site_dir)
        site.start(API_URL)
    yield site
    site.stop()


def fetch(url: str) -> tuple[int, Message, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers, response.read()


def test_dashboard_is_served_from_the_bucket_with_types_and_config(site: DashboardSite) -> None:
    assert site.url is not None and site.endpoint_url is not None
    assert site.url == f"{site.endpoint_url}/job-scheduler-dashboard/index.html"
    assert int(site.endpoint_url.rsplit(":", 1)[1]) not in BLOCKED_PORTS
    base = site.url.rsplit("/", 1)[0]

    status, headers, body = fetch(site.url)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-cache"
    assert b"js/app.js" in body

    # the relative asset URL resolves inside the bucket
    _, headers, body = fetch(base + "/js/app.js")
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert body == b"console.log('hi')"
    assert fetch(base + "/style.css")[1]["Content-Type"] == "text/css; charset=utf-8"
    assert fetch(base + "/logo.svg")[1]["Content-Type"] == "image/svg+xml"

    # the generated config wins over a stale file of the same name
    _, headers, body = fetch(base + "/config.json")
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(body) == {"apiUrl": API_URL}

    with pytest.raises(urllib.error.HTTPError) as missing:
        fetch(base + "/.DS_Store")
    assert missing.value.code in {403, 404}


def test_upload_site_is_plain_boto3_and_repeatable(site: DashboardSite, site_dir: Path) -> None:
    client = s3_client(site.endpoint_url)
    ensure_bucket(client, "second-bucket")
    ensure_bucket(client, "second-bucket")  # idempotent
    keys = upload_site(client, "second-bucket", site_dir, {"apiUrl": "x"})
    assert keys == ["index.html", "js/app.js", "logo.svg", "style.css", "config.json"]
    listed = client.list_objects_v2(Bucket="second-bucket")["Contents"]
    assert sorted(o["Key"] for o in listed) == sorted(keys)
    head = client.head_object(Bucket="second-bucket", Key="js/app.js")
    assert head["ContentType"] == "text/javascript; charset=utf-8"
    assert head["CacheControl"] == "no-cache"


def test_an_existing_endpoint_is_used_instead_of_starting_moto(
    site: DashboardSite, site_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", site.endpoint_url or "")
    monkeypatch.setenv("DASHBOARD_BUCKET", "other-dashboard")
    other = DashboardSite(site_dir)
    url = other.start("http://api.example/api/v1")
    try:
        assert url == f"{site.endpoint_url}/other-dashboard/index.html"
        assert other._moto is None
        assert json.loads(fetch(url.rsplit("/", 1)[0] + "/config.json")[2])["apiUrl"].startswith(
            "http://api.example"
        )
    finally:
        other.stop()
