"""Faults a load must survive with exactly the right result, and secrets that must not leak.

Every scenario runs over real HTTP against the sandbox. Interruptions are injected at
the client's pacing hook (called before each network request), which is where a real
Ctrl-C or a crash between two pages lands.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from auditkit import RetryPolicy, TransportError, load_audit_logs
from auditkit import _load as loader_module

FAST = RetryPolicy(backoff=0.01, max_backoff=0.02, timeout=10)
RANGE = {"since": "2026-08-01", "before": "2026-10-01"}  # two closed months


def load(server: Any, **kwargs: Any) -> pd.DataFrame:
    kwargs.setdefault("cache", False)
    kwargs.setdefault("progress", False)
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("token", server.token)
    return load_audit_logs(base_url=server.base_url, **kwargs)


@pytest.fixture(scope="module")
def truth(sb: Any) -> pd.DataFrame:
    return load(sb, per_page=100, **RANGE)


def _interrupt_after(monkeypatch: pytest.MonkeyPatch, n: int, exc: BaseException) -> list[int]:
    calls = [0]

    def pace() -> None:
        calls[0] += 1
        if calls[0] > n:
            raise exc

    monkeypatch.setattr(loader_module, "get_rate_budget", lambda: pace)
    return calls


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), RuntimeError("crash")])
@pytest.mark.parametrize("workers", [1, 4])
def test_interrupted_load_resumes_from_the_cache(
    sb: Any,
    truth: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    exc: BaseException,
    workers: int,
) -> None:
    cache = tmp_path / "c.sqlite"
    _interrupt_after(monkeypatch, 5, exc)
    with pytest.raises(type(exc)):
        load(sb, per_page=100, cache=cache, workers=workers, **RANGE)
    monkeypatch.undo()
    df = load(sb, per_page=100, cache=cache, workers=workers, **RANGE)
    cached = df.attrs["pages_from_cache"]
    if workers == 1:
        assert cached == 5  # each page was complete before the next request
    else:
        # The interrupt halts the load at once: pages still in flight on other workers are
        # dropped, never half-written to the cache (tests/test_client_faults.py::test_ctrl_c_*).
        assert 0 <= cached <= 5
    assert df.attrs["requests"] == truth.attrs["requests"] - cached
    pd.testing.assert_frame_equal(df, truth)


def test_garbage_cache_file_is_rebuilt_with_a_warning(
    sb: Any, truth: pd.DataFrame, tmp_path: Path
) -> None:
    cache = tmp_path / "c.sqlite"
    cache.write_bytes(b"this is not a database" * 100)
    with pytest.warns(RuntimeWarning, match="unreadable"):
        df = load(sb, per_page=100, cache=cache, **RANGE)
    pd.testing.assert_frame_equal(df, truth)
    assert list(tmp_path.glob("c.sqlite.corrupt-*"))
    assert load(sb, per_page=100, cache=cache, **RANGE).attrs["cache_hit"]


def test_cache_corrupted_inside_is_bypassed(sb: Any, truth: pd.DataFrame, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    load(sb, per_page=100, cache=cache, **RANGE)
    data = bytearray(cache.read_bytes())
    # keep the header page (the file still opens), scribble over the rest
    for i in range(4096, len(data), 7):
        data[i] = 0xA5
    cache.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        Path(f"{cache}{suffix}").unlink(missing_ok=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = load(sb, per_page=100, cache=cache, **RANGE)
    pd.testing.assert_frame_equal(df, truth)
    assert any("unreadable" in str(w.message) for w in caught)


def test_two_threads_share_one_cache_file(sb: Any, truth: pd.DataFrame, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    results: list[pd.DataFrame] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(load(sb, per_page=100, cache=cache, **RANGE))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for df in results:
        pd.testing.assert_frame_equal(df, truth)
    assert load(sb, per_page=100, cache=cache, **RANGE).attrs["requests"] == 0


_CHILD = """
import sys
from auditkit import load_audit_logs
df = load_audit_logs(base_url=sys.argv[1], token=sys.argv[2], cache=sys.argv[3], per_page=100,
                     since="2026-08-01", before="2026-10-01", progress=False)
print(len(df), df["id"].is_unique)
"""


def test_two_processes_share_one_cache_file(sb: Any, truth: pd.DataFrame, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, sb.base_url, sb.token, str(cache)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert out.split() == [str(len(truth)), "True"]
        assert sb.token not in out + err
    assert load(sb, per_page=100, cache=cache, **RANGE).attrs["requests"] == 0


def test_slow_server_times_out_and_is_retried(fresh_sb: Any) -> None:
    fresh_sb.faults.latency = 1.0
    start = time.monotonic()
    with pytest.raises(TransportError, match=r"no complete response .* within 0.3 s"):
        load(
            fresh_sb,
            since="2026-09-01",
            before="2026-09-02",
            retry=RetryPolicy(max_retries=1, backoff=0.01, timeout=0.3),
        )
    # two attempts (the first and one retry), each cut at the 0.3 s deadline
    assert 0.6 <= time.monotonic() - start < 1.5
    fresh_sb.faults.latency = 0.0
    assert len(load(fresh_sb, since="2026-09-01", before="2026-09-02")) > 0


# ------------------------------------------------------------------ secrets


SECRET_TOKEN = "tok-LeakCanary-9f8e7d6c5b4a3928171605f4e3d2"
SECRET_EMAIL = "canary-login@credentials.invalid"
SECRET_KEY = "key-LeakCanary-0a1b2c3d4e5f6a7b8c9d0e1f2a3"


@pytest.fixture()
def canary_sb() -> Any:
    from auditkit import sandbox

    with sandbox.start(
        anchor="2026-11-01T00:00:00Z", token=SECRET_TOKEN, email=SECRET_EMAIL, api_key=SECRET_KEY
    ) as server:
        yield server


def _assert_clean(text: str) -> None:
    for secret in (SECRET_TOKEN, SECRET_EMAIL, SECRET_KEY):
        assert secret not in text


def test_no_secret_in_logs_at_any_level_even_with_retries_and_errors(
    canary_sb: Any, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    canary_sb.faults.server_error(2).rate_limit(1, retry_after=0).truncate_json(1)
    load(canary_sb, since="2026-09-01", before="2026-09-03", cache=tmp_path / "c.sqlite")
    load(
        canary_sb,
        email=SECRET_EMAIL,
        api_key=SECRET_KEY,
        token=None,
        since="2026-09-01",
        before="2026-09-03",
        cache=tmp_path / "c.sqlite",
    )
    with pytest.raises(Exception) as info:
        load(canary_sb, token=SECRET_TOKEN + "x", since="2026-09-01", before="2026-09-03")
    text = "\n".join(f"{r.name} {r.levelname} {r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "retry" in text  # the retries were logged...
    _assert_clean(text)  # ...without a credential
    _assert_clean(str(info.value) + repr(info.value) + repr(info.value.__dict__))


def test_no_secret_in_reprs_or_attrs(canary_sb: Any) -> None:
    from auditkit.http import ApiClient, resolve_credentials
    from auditkit.sources.v1 import SOURCE
    from auditkit.store import open_session

    creds = resolve_credentials(token=SECRET_TOKEN)
    client = ApiClient(creds, canary_sb.base_url, open_session(None), decode=SOURCE.decode)
    _assert_clean(repr(creds) + str(creds) + repr(client) + repr(vars(client).get("retry")))
    df = load(canary_sb, since="2026-09-01", before="2026-09-02")
    _assert_clean(repr(df.attrs))


def test_cache_file_is_created_owner_only(canary_sb: Any, tmp_path: Path) -> None:
    cache = tmp_path / "deep" / "dir" / "c.sqlite"
    load(canary_sb, since="2026-09-01", before="2026-09-02", cache=cache)
    assert cache.stat().st_mode & 0o777 == 0o600
    assert cache.parent.stat().st_mode & 0o777 == 0o700
    for extra in cache.parent.glob("c.sqlite-*"):
        assert extra.stat().st_mode & 0o077 == 0, extra


def test_a_netrc_entry_cannot_replace_the_credential(
    sb: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password other-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    df = load(sb, since="2026-09-01", before="2026-09-02")
    assert len(df) > 0
    last = [r for r in sb.requests if r.audit_log][-1]
    assert last.auth == "token" and last.auth_scheme == "Bearer"


def test_proxy_settings_from_the_environment_are_honoured(
    sb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditkit.http import ApiClient, Credentials
    from auditkit.sources.v1 import SOURCE
    from auditkit.store import open_session

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "")
    session = open_session(None)
    ApiClient(
        Credentials.from_token("t"),
        "https://api.cloudflare.com/client/v4",
        session,
        decode=SOURCE.decode,
    )
    assert session.proxies["https"] == "http://proxy.invalid:3128"
    assert session.trust_env is False
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    loopback = open_session(None)
    ApiClient(Credentials.from_token("t"), sb.base_url, loopback, decode=SOURCE.decode)
    assert "http" not in loopback.proxies
