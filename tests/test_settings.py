"""Settings from the environment, the pages, and the Redis channel layer."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from lab import settings as lab_settings
from tests.conftest import reachable, redis_url

ROOT = Path(__file__).resolve().parent.parent


def settings_in_subprocess(env: dict, *names: str) -> dict:
    """The named settings as a process started with `env` sees them."""
    code = ("import json, django; from django.conf import settings; django.setup(); "
            f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))")
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**clean, "DJANGO_SETTINGS_MODULE": "lab.settings", **env},
                         stdin=subprocess.DEVNULL, timeout=60).stdout
    return json.loads(out)


def test_embedded_defaults(tmp_path):
    got = settings_in_subprocess({"LAB_VAR_DIR": str(tmp_path)},
                                 "DEBUG", "ALLOWED_HOSTS", "DATABASES", "CHANNEL_LAYERS", "SECRET_KEY")
    assert got["DEBUG"] is True
    assert got["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    db = got["DATABASES"]["default"]
    assert (db["ENGINE"], db["NAME"]) == ("django.db.backends.sqlite3", str(tmp_path / "db.sqlite3"))
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert got["CHANNEL_LAYERS"] == {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    key_file = tmp_path / "secret_key"
    assert got["SECRET_KEY"] == key_file.read_text().strip() and len(got["SECRET_KEY"]) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = settings_in_subprocess({"LAB_VAR_DIR": str(tmp_path)}, "SECRET_KEY")
    assert again["SECRET_KEY"] == got["SECRET_KEY"]  # generated once per install


def test_environment_overrides(tmp_path):
    got = settings_in_subprocess({
        "LAB_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://lab:pw@db.example:5433/labdb",
        "REDIS_URL": "redis://cache.example:6380/2",
        "SECRET_KEY": "s3cret",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "lab.example.org, .example.net",
    }, "DEBUG", "ALLOWED_HOSTS", "DATABASES", "CHANNEL_LAYERS", "SECRET_KEY", "STORAGES")
    assert got["DEBUG"] is False
    assert got["ALLOWED_HOSTS"] == ["lab.example.org", ".example.net"]
    db = got["DATABASES"]["default"]
    assert (db["ENGINE"], db["NAME"], db["USER"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql", "labdb", "lab", "db.example", 5433)
    assert got["CHANNEL_LAYERS"] == {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                                 "CONFIG": {"hosts": [{"address": "redis://cache.example:6380/2",
                                                                       "socket_timeout": 15}]}}}
    assert got["SECRET_KEY"] == "s3cret"
    assert got["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("value, want", [("1", True), ("true", True), ("YES", True), ("on", True),
                                         ("0", False), ("false", False), ("No", False), ("off", False),
                                         ("", False)])
def test_env_bool(monkeypatch, value, want):
    monkeypatch.setenv("LAB_TEST_FLAG", value)
    assert lab_settings.env_bool("LAB_TEST_FLAG", not want) is want


def test_wiring():
    assert settings.INSTALLED_APPS[0] == "daphne"
    assert "channels" in settings.INSTALLED_APPS and "lab.labs" in settings.INSTALLED_APPS
    assert settings.ASGI_APPLICATION == "lab.asgi.application"
    assert settings.MIDDLEWARE[1] == "whitenoise.middleware.WhiteNoiseMiddleware"


@pytest.mark.django_db
def test_home_page(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Service Lab</title>" in html
    # every lesson, in both languages, starting a lab of its own
    assert html.count('<a class="title" href="/lab/') == 5
    assert ('<a class="title" href="/lab/service-intro/?lesson=service-intro">'
            'Services, from Pod IPs to NodePorts</a>') in html
    assert '<span class="zh" lang="zh-CN">Service 入门：从 Pod IP 到 NodePort</span>' in html
    assert '<a class="start" href="/lab/">Open a free lab &rarr;</a>' in html


@pytest.mark.django_db
def test_healthz(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.redis
@pytest.mark.asyncio
async def test_redis_channel_layer_round_trip():
    """The Redis layer the settings build carries a message between channels."""
    url = redis_url()
    why = reachable(url, 6379)
    if why:
        pytest.skip(f"Redis tests skipped: {why}; set REDIS_URL=redis://HOST:PORT/DB")
    from channels_redis.core import RedisChannelLayer

    config = lab_settings.channel_layers(url)["default"]
    assert config["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    layer = RedisChannelLayer(**config["CONFIG"], prefix=f"lab-test-{os.getpid()}")
    try:
        channel = await layer.new_channel()
        await layer.group_add("lab-42", channel)
        await layer.group_send("lab-42", {"type": "lab.changed", "revision": 3})
        assert await layer.receive(channel) == {"type": "lab.changed", "revision": 3}
        await layer.group_discard("lab-42", channel)
    finally:
        await layer.flush()
        await layer.close_pools()
