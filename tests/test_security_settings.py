"""Production settings (DEBUG off): HTTPS-only cookies, HSTS, and a clean
`manage.py check --deploy` with the environment docs/accounts.md gives."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.test_settings import ROOT, settings_in_subprocess

PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "x7-" * 20 + "production-only-key", "ALLOWED_HOSTS": "lab.example.org",
              "CSRF_TRUSTED_ORIGINS": "https://lab.example.org"}


def test_production_cookies_are_secure_and_https_is_enforced(tmp_path):
    got = settings_in_subprocess({**PRODUCTION, "LAB_VAR_DIR": str(tmp_path)},
                                 "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
                                 "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
                                 "SECURE_HSTS_PRELOAD", "SECURE_REDIRECT_EXEMPT", "X_FRAME_OPTIONS")
    assert got == {"SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": True,
                   "SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31536000,
                   "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True,
                   "SECURE_REDIRECT_EXEMPT": ["^healthz$"], "X_FRAME_OPTIONS": "DENY"}


def test_the_proxy_header_and_hsts_come_from_the_environment(tmp_path):
    got = settings_in_subprocess({**PRODUCTION, "LAB_VAR_DIR": str(tmp_path), "SECURE_HSTS_SECONDS": "600",
                                  "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"},
                                 "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER")
    assert got == {"SECURE_HSTS_SECONDS": 600, "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}


def test_embedded_mode_keeps_plain_http_cookies(tmp_path):
    got = settings_in_subprocess({"LAB_VAR_DIR": str(tmp_path)}, "SESSION_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
                                 "SECURE_HSTS_SECONDS")
    assert got == {"SESSION_COOKIE_SECURE": False, "SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 0}


def test_check_deploy_is_clean_in_production(tmp_path):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}}
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                          env={**clean, **PRODUCTION, "LAB_VAR_DIR": str(tmp_path)})
    assert (done.returncode, done.stdout, done.stderr) == (0, "System check identified no issues (0 silenced).\n", "")
