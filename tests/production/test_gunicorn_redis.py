"""Production mode: gunicorn with two worker processes sharing sign-in throttling through the
real Redis, so a guesser cannot spread attempts over the workers."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # keep 302s visible to the test
        return None


def _opener() -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())


def _status(opener, url: str, data: dict | None = None) -> tuple[int, str, dict]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, data=body, timeout=15) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


@pytest.fixture()
def gunicorn_two_workers(tmp_path: Path):
    redis_url = "redis://127.0.0.1:6379/14"
    from redis import Redis

    Redis.from_url(redis_url).flushdb()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARAC_")}
    env.update(
        MARAC_ENV="development",
        MARAC_DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        MARAC_SECRET_KEY="gunicorn-test-" + os.urandom(24).hex(),
        MARAC_RATELIMIT_STORAGE_URI=redis_url,
        MARAC_OUTBOX_DIR=str(tmp_path / "outbox"),
        MARAC_LOG_LEVEL="WARNING",
    )
    for args in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(
            [str(BIN / "flask"), "--app", "marac_app", *args],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    port = _free_port()
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "marac_app:create_app()",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if _status(_opener(), f"{base}/healthz")[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
        time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
        process.stderr.close()
        Redis.from_url(redis_url).flushdb()


def test_two_workers_share_the_sign_in_throttle_through_redis(gunicorn_two_workers) -> None:
    base = gunicorn_two_workers
    for attempt in range(10):
        opener = _opener()  # a fresh client each time: new connection, likely another worker
        status, page, _ = _status(opener, f"{base}/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        status, _, _ = _status(
            opener,
            f"{base}/sign-in",
            {
                "csrf_token": token,
                "email": "police.rep@demo.example",
                "password": f"wrong guess {attempt}",
            },
        )
        assert status == 401, (attempt, status)
    opener = _opener()
    status, page, _ = _status(opener, f"{base}/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    status, page, _ = _status(
        opener,
        f"{base}/sign-in",
        {
            "csrf_token": token,
            "email": "police.rep@demo.example",
            "password": "marble falcon ribbon",
        },
    )
    assert status == 429, status  # the right password is refused while throttled
    assert "Too many attempts" in page
