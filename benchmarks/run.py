"""auditkit performance benchmark: every target of the performance issue, one command.

Each target is measured against baselines run in the same process, interleaved
(round-robin, rotating the order every round), and reported as a ratio next to its
goal. Absolute times on a shared machine are noise; only same-process ratios count.

Baselines, all against one sandbox server started in a separate process
(``benchmarks/_server.py``):

- **floor**: a ``requests.Session`` GETs every page in sequence and keeps
  ``resp.content``; nothing is parsed (the page count comes from the server's
  entry count).
- **plain loop**: the same requests, ``resp.json()["result"]`` until a short page,
  then ``pd.json_normalize(all_records)``.
- **SDK path** (when ``cloudflare`` is installed): the official SDK's auto-pager,
  then ``pd.json_normalize([r.to_dict() for r in items])``.
- **v2 floor** and **v2 plain loop** (targets ``v2cold`` and ``v2latency``, against a
  sandbox serving Audit Logs v2): the same two over v2's cursor pages (``limit=1000``,
  the load's ``since``/``before``); the floor reads nothing but each page's cursor (a
  regex over ``result_info``), the plain loop ``resp.json()`` and the cursor of each page.
- **one account after another** (target ``accounts``): one v2 ``load_audit_logs`` per
  account, in turn, then ``pd.concat``; against one load of ``account_id=[all of them]``.

Usage::

    python benchmarks/run.py                       # everything but the 1M scale step
    python benchmarks/run.py --only cold,warm --repeat 3
    python benchmarks/run.py --only v2cold,v2latency --v2-days 30
    python benchmarks/run.py --only accounts --accounts 10 --account-entries 2000
    python benchmarks/run.py --only scale --scale-sizes 10000,100000,1000000

See ``benchmarks/README.md`` for what each figure means.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import itertools
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if importlib.util.find_spec("auditkit") is None:  # not installed: use the checkout
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import requests  # noqa: E402

import auditkit  # noqa: E402
from auditkit._windows import Window, plan_windows  # noqa: E402
from auditkit.http import get_rate_budget, set_rate_budget  # noqa: E402

PER_PAGE = 1000
TARGETS = (
    "cold",
    "warm",
    "memory",
    "latency",
    "incremental",
    "scale",
    "v2cold",
    "v2latency",
    "accounts",
)
DAY = pd.Timedelta(days=1)
HAS_SDK = importlib.util.find_spec("cloudflare") is not None


# --------------------------------------------------------------------------- output

#: Every verdict line, for the summary at the end (and ``--json``).
RESULTS: list[dict[str, Any]] = []


def verdict(label: str, figures: str, ratio: str, goal: str, ok: bool | None, **extra: Any) -> None:
    """Print one target line and remember it for the summary."""
    mark = {True: "PASS", False: "FAIL", None: "info"}[ok]
    print(f"{label:<16}{figures} | {ratio} (goal {goal})  {mark}", flush=True)
    RESULTS.append({"target": label, "figures": figures, "ratio": ratio, "goal": goal, **extra})
    RESULTS[-1]["verdict"] = mark


def note(text: str) -> None:
    print(f"{'':<16}{text}", flush=True)


def section(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def secs(x: float) -> str:
    return f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


def mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.0f} MiB"


# --------------------------------------------------------------------------- timing


def measure(
    cases: dict[str, Callable[[], Any]], repeat: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Time every case ``repeat`` times, interleaved, after ``warmup`` untimed rounds.

    Round ``r`` runs the cases in an order rotated by ``r`` so none is always first.
    """
    names = list(cases)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(warmup + repeat):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            gc.collect()
            t0 = time.perf_counter()
            result = cases[name]()
            elapsed = time.perf_counter() - t0
            del result
            if r >= warmup:
                times[name].append(elapsed)
    return times


def med(xs: Iterable[float]) -> float:
    return statistics.median(list(xs))


def paired(a: list[float], b: list[float]) -> float:
    """Median of the per-round ratios a/b (both timed in the same round)."""
    return med(x / y for x, y in zip(a, b, strict=True))


def samples(times: dict[str, list[float]]) -> None:
    parts = [f"{n} " + " ".join(f"{t:.2f}" for t in ts) for n, ts in times.items()]
    note("samples (s): " + "; ".join(parts))
    for name, ts in times.items():
        slow = [t for t in ts if t > 3 * min(ts) and t - min(ts) > 1]
        if slow:
            note(
                f"outliers: {len(slow)} of {len(ts)} {name} runs took over 3x its fastest "
                f"({', '.join(f'{t:.1f} s' for t in slow)})"
            )


# --------------------------------------------------------------------------- the sandbox


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def read_line(stream: Any, timeout: float) -> str:
    """The first line of ``stream``, or ``TimeoutError`` after ``timeout`` seconds."""
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not box:
        raise TimeoutError(f"no line within {timeout:.0f} s")
    return box[0]


@dataclass
class Server:
    """``benchmarks/_server.py`` in its own process; use as a context manager."""

    entries: int
    latency: float = 0.0
    api: str = "v1"
    days: float = 1.0  # v2: the days the records span (the range the loads ask for)
    accounts: int = 1  # v2: accounts, each holding ``entries``
    startup: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)
    proc: subprocess.Popen[str] | None = None
    _log: Any = None

    def __enter__(self) -> Server:
        self._log = tempfile.TemporaryFile(mode="w+")
        cmd = [sys.executable, str(HERE / "_server.py"), "--entries", str(self.entries)]
        if self.latency:
            cmd += ["--latency", str(self.latency)]
        if self.api != "v1":
            cmd += ["--api", self.api, "--days", str(self.days)]
        if self.accounts != 1:
            cmd += ["--accounts", str(self.accounts)]
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self._log, text=True, env=child_env()
        )
        try:
            line = read_line(self.proc.stdout, timeout=120 + self.entries / 1000)
            self.info = json.loads(line)
        except (TimeoutError, json.JSONDecodeError) as exc:
            self._log.seek(0)
            log = self._log.read()[-2000:]
            self.__exit__(None, None, None)
            raise RuntimeError(f"sandbox did not start ({exc}): {log}") from None
        self.startup = time.perf_counter() - t0
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    @property
    def base_url(self) -> str:
        return self.info["base_url"]

    @property
    def token(self) -> str:
        return self.info["token"]

    @property
    def before(self) -> str:
        return self.info["before"]

    @property
    def url(self) -> str:
        return f"{self.base_url}/user/audit_logs"

    @property
    def since(self) -> str:
        """v2: start of the records' range (the anchor minus ``days``)."""
        return self.info["since"]

    @property
    def account_id(self) -> str:
        return self.info["account_id"]

    @property
    def v2_url(self) -> str:
        return f"{self.base_url}/accounts/{self.account_id}/logs/audit"

    @property
    def v2_params(self) -> dict[str, str | int]:
        """v2's first-page parameters for the whole range, ``limit=1000``."""
        return {"since": self.since, "before": self.before, "limit": PER_PAGE}

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.info["entries"] / PER_PAGE))

    def count(self, since: pd.Timestamp | str | None, before: pd.Timestamp | str) -> int:
        """Entries with ``since <= when < before``, as the server counts them."""
        params = {"per_page": "1", "before": _wire(before)}
        if since is not None:
            params["since"] = _wire(since)
        r = requests.get(self.url, params=params, headers=self.headers, timeout=60)
        r.raise_for_status()
        return int(r.json()["result_info"]["total_count"])


def _wire(ts: pd.Timestamp | str) -> str:
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- baselines


def floor(srv: Server) -> list[bytes]:
    """The raw-transfer floor: every page's bytes, in sequence, nothing parsed."""
    contents: list[bytes] = []
    with requests.Session() as s:
        for page in range(1, srv.pages + 1):
            params = {"per_page": PER_PAGE, "page": page, "before": srv.before}
            r = s.get(srv.url, params=params, headers=srv.headers, timeout=60)
            r.raise_for_status()
            contents.append(r.content)
    return contents


def plain_fetch(srv: Server) -> list[dict[str, Any]]:
    """The plain loop's requests: ``resp.json()["result"]`` until a short page."""
    records: list[dict[str, Any]] = []
    with requests.Session() as s:
        for page in range(1, srv.pages + 2):
            params = {"per_page": PER_PAGE, "page": page, "before": srv.before}
            r = s.get(srv.url, params=params, headers=srv.headers, timeout=60)
            r.raise_for_status()
            result = r.json()["result"]
            records.extend(result)
            if len(result) < PER_PAGE:
                break
    return records


def plain(srv: Server) -> pd.DataFrame:
    """The plain loop: requests + ``pd.json_normalize``."""
    return pd.json_normalize(plain_fetch(srv))


def sdk(srv: Server) -> pd.DataFrame:
    """The official SDK's auto-pager + ``pd.json_normalize``."""
    import cloudflare

    client = cloudflare.Cloudflare(api_token=srv.token, base_url=srv.base_url)
    try:
        items = list(client.user.audit_logs.list(per_page=PER_PAGE, before=srv.before))
    finally:
        client.close()
    return pd.json_normalize([item.to_dict() for item in items])


#: The cursor in a v2 page's ``result_info``, and where the envelope's ``result_info``
#: starts: the last occurrence in the body, since the records come before it.
_V2_CURSOR = re.compile(rb'"cursors":\{"after":"([^"]+)"')
_V2_INFO = b'"result_info":'


def _v2_cursor(body: bytes) -> str | None:
    """The next cursor of a v2 page, read with a regex from ``result_info`` on."""
    at = body.rfind(_V2_INFO)
    if at < 0:
        raise ValueError(f"not a v2 page: {body[:200]!r}")
    m = _V2_CURSOR.search(body, at)
    return m.group(1).decode() if m else None


def v2_floor(srv: Server) -> list[bytes]:
    """v2's raw-transfer floor: every cursor page's bytes in sequence; only the cursor is
    read (a regex over the envelope's ``result_info``), nothing else parsed."""
    contents: list[bytes] = []
    cursor: str | None = None
    with requests.Session() as s:
        while True:
            params = srv.v2_params if cursor is None else {**srv.v2_params, "cursor": cursor}
            r = s.get(srv.v2_url, params=params, headers=srv.headers, timeout=60)
            r.raise_for_status()
            contents.append(r.content)
            cursor = _v2_cursor(contents[-1])
            if cursor is None:
                return contents


def v2_plain_fetch(srv: Server) -> list[dict[str, Any]]:
    """The v2 plain loop's requests: ``resp.json()`` per page, following
    ``result_info.cursors.after`` until a page without one (or an empty page)."""
    records: list[dict[str, Any]] = []
    cursor: str | None = None
    with requests.Session() as s:
        while True:
            params = srv.v2_params if cursor is None else {**srv.v2_params, "cursor": cursor}
            r = s.get(srv.v2_url, params=params, headers=srv.headers, timeout=60)
            r.raise_for_status()
            body = r.json()
            records.extend(body["result"])
            cursor = (body["result_info"].get("cursors") or {}).get("after")
            if not body["result"] or not cursor:
                return records


def v2_plain(srv: Server) -> pd.DataFrame:
    """The v2 plain loop: requests + ``resp.json()`` + the cursor, then ``pd.json_normalize``."""
    return pd.json_normalize(v2_plain_fetch(srv))


def check_v2_baselines(srv: Server) -> None:
    """Untimed: the v2 floor's pages (decoded here) and the plain loop hold every entry once."""
    pages = v2_floor(srv)
    ids = [rec["id"] for body in pages for rec in json.loads(body)["result"]]
    plain_ids = [rec["id"] for rec in v2_plain_fetch(srv)]
    n = srv.info["entries"]
    if len(ids) != n or len(set(ids)) != n or sorted(plain_ids) != sorted(ids):
        raise AssertionError(
            f"v2 baselines: floor {len(ids)} entries ({len(set(ids))} distinct), plain loop "
            f"{len(plain_ids)}, expected {n}"
        )


def load_v2(srv: Server, **kwargs: Any) -> pd.DataFrame:
    """``auditkit.load_audit_logs(api="v2")`` of the server's account over its range."""
    kwargs.setdefault("account_id", srv.account_id)
    return auditkit.load_audit_logs(
        api="v2",
        since=srv.since,
        before=srv.before,
        base_url=srv.base_url,
        token=srv.token,
        progress=False,
        **kwargs,
    )


def load(srv: Server, **kwargs: Any) -> pd.DataFrame:
    """``auditkit.load_audit_logs`` against ``srv``; ``before`` defaults to the server's."""
    kwargs.setdefault("before", srv.before)
    return auditkit.load_audit_logs(
        base_url=srv.base_url, token=srv.token, progress=False, **kwargs
    )


def expect_all(df: pd.DataFrame, srv: Server) -> pd.DataFrame:
    if len(df) != srv.info["entries"]:
        raise AssertionError(f"auditkit returned {len(df)} rows, expected {srv.info['entries']}")
    return df


# --------------------------------------------------------------------------- targets


@dataclass
class Ctx:
    args: argparse.Namespace
    tmp: Path
    load_kwargs: dict[str, Any]
    _n: int = 0

    def fresh_cache(self) -> Path:
        self._n += 1
        return self.tmp / f"cache-{self._n}.sqlite"


def target_cold(ctx: Ctx, srv: Server) -> None:
    section(f"cold load: {srv.info['entries']:,} entries, no cache")
    kw = ctx.load_kwargs

    attrs: list[dict[str, Any]] = []

    def cold() -> pd.DataFrame:
        df = expect_all(load(srv, cache=False, **kw), srv)
        attrs.append(df.attrs)
        return df

    def cold_cache() -> pd.DataFrame:
        df = expect_all(load(srv, cache=ctx.fresh_cache(), **kw), srv)
        if df.attrs["pages_from_cache"] != 0:
            raise AssertionError("a fresh cache file answered pages")
        return df

    cases: dict[str, Callable[[], Any]] = {
        "auditkit": cold,
        "floor": lambda: floor(srv),
        "plain": lambda: plain(srv),
        "auditkit+cache": cold_cache,
    }
    t = measure(cases, ctx.args.repeat)
    if HAS_SDK:
        # Its own interleaved rounds, after the others: the SDK path builds 20,000 pydantic
        # models and a 58-column object frame, and whatever runs next in the process is
        # slowed by the aftermath (measured: auditkit and the floor alike, by up to a third),
        # which would otherwise leak into the floor ratio of the rounds it shares.
        sdk_times = measure({"auditkit": cold, "sdk": lambda: sdk(srv)}, ctx.args.repeat)
        t["sdk"], t["auditkit (sdk rounds)"] = sdk_times["sdk"], sdk_times["auditkit"]
    verdict(
        "cold load",
        f"auditkit {secs(med(t['auditkit']))} | floor {secs(med(t['floor']))}",
        f"ratio {paired(t['auditkit'], t['floor']):.2f}x",
        "<= 1.5x",
        paired(t["auditkit"], t["floor"]) <= 1.5,
    )
    if HAS_SDK:
        speedup = paired(t["sdk"], t["auditkit (sdk rounds)"])
        verdict(
            "cold vs SDK",
            f"auditkit {secs(med(t['auditkit (sdk rounds)']))} | SDK {secs(med(t['sdk']))}",
            f"speed-up {speedup:.2f}x",
            ">= 6x",
            speedup >= 6,
        )
    else:
        note("SDK path skipped: the `cloudflare` package is not installed")
    verdict(
        "cold + cache",
        f"auditkit writing a fresh cache {secs(med(t['auditkit+cache']))} | floor "
        f"{secs(med(t['floor']))}",
        f"ratio {paired(t['auditkit+cache'], t['floor']):.2f}x",
        "none, extra",
        None,
    )
    refs = f"plain loop {paired(t['plain'], t['floor']):.2f}x floor (issue: ~3x)"
    if HAS_SDK:
        refs += (
            f"; SDK path {med(t['sdk']) / med(t['floor']):.2f}x floor "
            "(medians; SDK in its own rounds) (issue: ~13x)"
        )
    note("reference points: " + refs)
    note(
        f"requests per cold load: auditkit {attrs[-1]['requests']} over "
        f"{attrs[-1]['windows']} windows; "
        f"floor {srv.pages}; plain loop {srv.info['entries'] // PER_PAGE + 1}"
    )
    samples(t)


def target_warm(ctx: Ctx, srv: Server) -> None:
    section(f"warm load: {srv.info['entries']:,} entries, every window cached")
    path = ctx.fresh_cache()
    first = expect_all(load(srv, cache=path, **ctx.load_kwargs), srv)
    note(
        f"cache pre-filled by one load: {first.attrs['requests']} requests, "
        f"{path.stat().st_size / 2**20:.1f} MiB file"
    )

    def warm() -> pd.DataFrame:
        df = expect_all(load(srv, cache=path, **ctx.load_kwargs), srv)
        if df.attrs["requests"] != 0 or not df.attrs["cache_hit"]:
            raise AssertionError(f"warm load made {df.attrs['requests']} requests")
        return df

    t = measure({"auditkit": warm, "floor": lambda: floor(srv)}, ctx.args.repeat)
    ratio = paired(t["auditkit"], t["floor"])
    verdict(
        "warm load",
        f"auditkit {secs(med(t['auditkit']))} | floor {secs(med(t['floor']))}",
        f"ratio {ratio:.2f}x",
        "<= 0.6x",
        ratio <= 0.6,
    )
    note("every warm load: 0 requests, cache_hit True (asserted)")
    samples(t)


def _distinct_size(values: Iterable[Any], seen: set[int]) -> int:
    """Bytes of the Python objects reachable from ``values``, each distinct object once."""
    total = 0
    stack = list(values)
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple):
            stack.extend(obj)
    return total


def deep_bytes(df: pd.DataFrame) -> int:
    """Like ``memory_usage(deep=True).sum()``, but object columns count what their
    dicts and lists hold (pandas counts only ``sys.getsizeof`` of each element)."""
    usage = df.memory_usage(deep=True)
    total = int(usage["Index"])
    seen: set[int] = set()
    for name in df.columns:
        col = df[name]
        if col.dtype == object:
            total += 8 * len(col) + _distinct_size(col.tolist(), seen)
        else:
            total += int(usage[name])
    return total


#: The anonymised real records (13) that :func:`real_shaped` repeats.
REAL_RECORDS = ROOT / "tests" / "fixtures" / "real-audit-records.jsonl"


def real_shaped(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` records shaped like a real account, from the 13 anonymised real records.

    Record ``i`` is real record ``i % 13`` with a new ``id`` (a random UUID) and
    ``when`` (7 s apart); a user actor is one of 5 (email and id) with one of 300
    IPs, and ``metadata.zone_name`` one of 5 zones. Owners (the fixture's 2),
    resource ids, values and metadata are the fixture's.
    """
    import random
    import uuid

    base = [json.loads(line) for line in REAL_RECORDS.read_text().splitlines() if line.strip()]
    rng = random.Random(seed)
    actors = [(f"user{i}@example.com", uuid.UUID(int=rng.getrandbits(128)).hex) for i in range(5)]
    ips = [f"89.160.{rng.randrange(256)}.{rng.randrange(256)}" for _ in range(300)]
    zones = [f"zone{i}.example.com" for i in range(5)]
    t0 = pd.Timestamp("2026-10-01", tz="UTC")
    out = []
    for i in range(n):
        r = json.loads(json.dumps(base[i % len(base)]))
        r["id"] = str(uuid.UUID(int=rng.getrandbits(128)))
        r["when"] = (t0 + pd.Timedelta(seconds=7 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        actor = r["actor"]
        if actor.get("type") == "user":
            actor["email"], actor["id"] = rng.choice(actors)
            actor["ip"] = rng.choice(ips)
        metadata = r.get("metadata")
        if isinstance(metadata, dict) and "zone_name" in metadata:
            metadata["zone_name"] = rng.choice(zones)
        out.append(r)
    return out


def _memory_real(n: int) -> None:
    """The frame of :func:`real_shaped` records against ``pd.json_normalize``'s, per row."""
    from auditkit.frame import records_to_frame

    records = real_shaped(n)
    ak, norm = records_to_frame(records), pd.json_normalize(records)
    a = ak.memory_usage(deep=True).sum() / len(ak)
    b = norm.memory_usage(deep=True).sum() / len(norm)
    verdict(
        "memory real",
        f"auditkit {a:,.0f} B/row | json_normalize {b:,.0f} B/row ({n:,} real-shaped records)",
        f"ratio {a / b:.2f}x",
        "<= 0.40x",
        a / b <= 0.40,
    )
    top = (ak.memory_usage(deep=True).drop("Index") / len(ak)).sort_values(ascending=False)
    note(
        "largest auditkit columns (B/row): "
        + ", ".join(f"{k} {v:,.1f}" for k, v in top.head(8).items())
    )


def target_memory(ctx: Ctx, srv: Server) -> None:
    section(f"memory: bytes per row, {srv.info['entries']:,} entries")
    ak = expect_all(load(srv, cache=False, **ctx.load_kwargs), srv)
    norm = plain(srv)
    if len(norm) != len(ak) or set(norm["id"]) != set(ak["id"].astype(object)):
        raise AssertionError("auditkit and json_normalize frames hold different records")
    a = ak.memory_usage(deep=True).sum() / len(ak)
    b = norm.memory_usage(deep=True).sum() / len(norm)
    verdict(
        "memory",
        f"auditkit {a:,.0f} B/row | json_normalize {b:,.0f} B/row",
        f"ratio {a / b:.2f}x",
        "<= 0.5x",
        a / b <= 0.5,
    )
    a_deep, b_deep = deep_bytes(ak) / len(ak), deep_bytes(norm) / len(norm)
    note(
        f"counting dict/list contents too: auditkit {a_deep:,.0f} B/row | json_normalize "
        f"{b_deep:,.0f} B/row | ratio {a_deep / b_deep:.2f}x"
    )
    obj_norm = norm.astype({c: object for c in norm.columns if norm[c].dtype == "str"})
    c = obj_norm.memory_usage(deep=True).sum() / len(obj_norm)
    note(
        f"json_normalize with Python-object strings (the pandas < 3 default): {c:,.0f} B/row "
        f"-> auditkit ratio {a / c:.2f}x"
    )
    by_kind: dict[str, float] = {}
    usage = ak.memory_usage(deep=True)
    for name in ak.columns:
        kind = str(ak[name].dtype)
        kind = "object (dict/list)" if kind == "object" else kind
        by_kind[kind] = by_kind.get(kind, 0.0) + usage[name] / len(ak)
    note(
        "auditkit B/row by dtype: "
        + ", ".join(f"{k} {v:,.0f}" for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1]))
    )
    top = (usage.drop("Index") / len(ak)).sort_values(ascending=False).head(6)
    note("largest auditkit columns (B/row): " + ", ".join(f"{k} {v:,.0f}" for k, v in top.items()))
    note(f"json_normalize frame: {norm.shape[1]} columns; auditkit frame: {ak.shape[1]} columns")
    if REAL_RECORDS.is_file():
        _memory_real(srv.info["entries"])


def target_latency(ctx: Ctx, entries: int) -> None:
    latency = ctx.args.latency
    section(f"latency: {latency * 1000:.0f} ms per request, {entries:,} entries, no cache")
    budget = set_rate_budget()  # auditkit's default budget, fresh for this target
    with Server(entries, latency=latency) as srv:
        made: list[int] = []

        def cold() -> pd.DataFrame:
            df = expect_all(load(srv, cache=False, **ctx.load_kwargs), srv)
            made.append(df.attrs["requests"])
            return df

        cases = {"auditkit": cold, "plain": lambda: plain(srv), "floor": lambda: floor(srv)}
        t0 = time.monotonic()
        t = measure(cases, ctx.args.repeat)
        span = time.monotonic() - t0
        in_window = budget.in_window()
    ratio = paired(t["auditkit"], t["plain"])
    verdict(
        "latency",
        f"auditkit {secs(med(t['auditkit']))} | sequential loop {secs(med(t['plain']))}",
        f"ratio {ratio:.2f}x",
        "<= 0.35x",
        ratio <= 0.35,
    )
    note(
        "sequential loop = the plain loop (requests + resp.json() + pd.json_normalize); "
        f"against fetch-only (the floor, {secs(med(t['floor']))}): "
        f"{paired(t['auditkit'], t['floor']):.2f}x"
    )
    reqs = med(made)
    note(
        f"auditkit: {reqs:.0f} requests per load -> on average "
        f"{reqs * latency / med(t['auditkit']):.1f} in flight "
        f"(floor: {srv.pages} requests, 1 in flight)"
    )
    within = budget.waited == 0 and in_window <= budget.requests
    verdict(
        "rate budget",
        f"{sum(made)} auditkit requests in {span:.0f} s; budget in_window {in_window} of "
        f"{budget.requests} per {budget.period:.0f} s, waited {budget.waited:.1f} s",
        f"peak {in_window / budget.requests:.0%} of budget",
        "stay within",
        within,
    )
    if span > budget.period:
        note(f"the rounds took longer than {budget.period:.0f} s: in_window is the last period's")
    samples(t)


def _cursor_walks(srv: Server) -> str:
    """How auditkit pages the server's range: windows, and the runs of them it walks as
    one cursor range (``auditkit._paging._runs``, private: best effort)."""
    now = pd.Timestamp.now(tz="UTC")
    windows = plan_windows(pd.Timestamp(srv.since), pd.Timestamp(srv.before), now)
    try:
        from auditkit._paging import MAX_RUN_DAYS, _runs
    except ImportError:
        return _plural(len(windows), "window")
    from auditkit.sources import get_source

    days = get_source("v2").run_days
    runs = _runs(list(enumerate(windows)), days)
    return (
        f"{_plural(len(windows), 'window')} paged as {_plural(len(runs), 'cursor walk')} "
        f"(adjacent closed days are one walk, up to {days} of {MAX_RUN_DAYS} for v1; "
        "a walk is sequential)"
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def target_v2cold(ctx: Ctx, entries: int) -> None:
    section(f"v2 cold load: {entries:,} Audit Logs v2 entries within one day, no cache")
    with Server(entries, api="v2", days=1) as srv:
        note(
            f"v2 sandbox: {srv.info['entries']:,} entries, {srv.since} to {srv.before}, started "
            f"in {secs(srv.startup)}; rate budget raised to 1,000,000/300 s"
        )
        check_v2_baselines(srv)
        attrs: list[dict[str, Any]] = []

        def cold() -> pd.DataFrame:
            df = expect_all(load_v2(srv, cache=False, **ctx.load_kwargs), srv)
            attrs.append(df.attrs)
            return df

        cases: dict[str, Callable[[], Any]] = {
            "auditkit": cold,
            "floor": lambda: v2_floor(srv),
            "plain": lambda: v2_plain(srv),
        }
        t = measure(cases, ctx.args.repeat)
        walks = _cursor_walks(srv)
    ratio = paired(t["auditkit"], t["floor"])
    verdict(
        "v2 cold load",
        f"auditkit {secs(med(t['auditkit']))} | v2 floor {secs(med(t['floor']))}",
        f"ratio {ratio:.2f}x",
        "<= 1.5x",
        ratio <= 1.5,
    )
    note(
        "v2 floor = a requests.Session GETs every cursor page (limit=1000) in sequence, "
        "keeps the bytes and reads only the cursor (a regex over result_info)"
    )
    note(f"reference point: v2 plain loop {paired(t['plain'], t['floor']):.2f}x floor")
    note(
        f"requests per load: auditkit {attrs[-1]['requests']} ({walks}); "
        f"floor and plain loop {math.ceil(srv.info['entries'] / PER_PAGE)}"
    )
    samples(t)


def target_v2latency(ctx: Ctx, entries: int) -> None:
    latency, days = ctx.args.latency, ctx.args.v2_days
    section(
        f"v2 latency: {latency * 1000:.0f} ms per request, {entries:,} Audit Logs v2 entries "
        f"over {days:g} days, no cache"
    )
    budget = set_rate_budget()  # auditkit's default budget, fresh for this target
    with Server(entries, latency=latency, api="v2", days=days) as srv:
        check_v2_baselines(srv)
        made: list[int] = []

        def cold() -> pd.DataFrame:
            df = expect_all(load_v2(srv, cache=False, **ctx.load_kwargs), srv)
            made.append(df.attrs["requests"])
            return df

        cases = {
            "auditkit": cold,
            "plain": lambda: v2_plain(srv),
            "floor": lambda: v2_floor(srv),
        }
        t0 = time.monotonic()
        t = measure(cases, ctx.args.repeat)
        span = time.monotonic() - t0
        in_window = budget.in_window()
        walks = _cursor_walks(srv)
    ratio = paired(t["auditkit"], t["plain"])
    verdict(
        "v2 latency",
        f"auditkit {secs(med(t['auditkit']))} | sequential cursor loop {secs(med(t['plain']))}",
        f"ratio {ratio:.2f}x",
        "<= 0.35x",
        ratio <= 0.35,
    )
    note(
        "sequential cursor loop = the v2 plain loop (requests + resp.json() per page, "
        "following the cursor, then pd.json_normalize); against fetch-only (the v2 floor, "
        f"{secs(med(t['floor']))}): {paired(t['auditkit'], t['floor']):.2f}x"
    )
    reqs = med(made)
    note(
        f"range {srv.since} to {srv.before} ({days:g} days, {entries / days:,.0f} entries a "
        f"day); auditkit: {reqs:.0f} requests per load -> on average "
        f"{reqs * latency / med(t['auditkit']):.1f} in flight; {walks}"
    )
    within = budget.waited == 0 and in_window <= budget.requests
    verdict(
        "v2 rate budget",
        f"{sum(made)} auditkit requests in {span:.0f} s; budget in_window {in_window} of "
        f"{budget.requests} per {budget.period:.0f} s, waited {budget.waited:.1f} s",
        f"peak {in_window / budget.requests:.0%} of budget",
        "stay within",
        within,
    )
    if span > budget.period:
        note(f"the rounds took longer than {budget.period:.0f} s: in_window is the last period's")
    samples(t)


def target_accounts(ctx: Ctx, entries: int) -> None:
    n, per = ctx.args.accounts, ctx.args.account_entries
    latency, days = ctx.args.latency, ctx.args.account_days
    section(
        f"many accounts: {n} accounts x {per:,} Audit Logs v2 entries over {days:g} days, "
        f"{latency * 1000:.0f} ms per request, no cache"
    )
    budget = set_rate_budget()  # auditkit's default budget, fresh for this target
    with Server(per, latency=latency, api="v2", days=days, accounts=n) as srv:
        ids: list[str] = srv.info["account_ids"]
        made: list[int] = []

        def one(account: str) -> pd.DataFrame:
            return load_v2(srv, cache=False, account_id=account, **ctx.load_kwargs)

        def together() -> pd.DataFrame:
            df = load_v2(srv, cache=False, account_id=ids, **ctx.load_kwargs)
            if len(df) != n * per or df.groupby("account_id").size().tolist() != [per] * n:
                raise AssertionError(f"auditkit returned {len(df)} rows, expected {n} x {per}")
            made.append(df.attrs["requests"])
            return df

        def in_turn() -> pd.DataFrame:
            df = pd.concat([one(a) for a in ids], ignore_index=True)
            if len(df) != n * per:
                raise AssertionError(f"one after another: {len(df)} rows, expected {n} x {per}")
            return df

        t0 = time.monotonic()
        t = measure({"auditkit": together, "in turn": in_turn}, ctx.args.repeat)
        span = time.monotonic() - t0
        in_window = budget.in_window()
    ratio = paired(t["auditkit"], t["in turn"])
    verdict(
        "many accounts",
        f"account_id=[{n} ids] {secs(med(t['auditkit']))} | one load per account, one after "
        f"another {secs(med(t['in turn']))}",
        f"ratio {ratio:.2f}x",
        "<= 0.35x",
        ratio <= 0.35,
    )
    note(
        f"requests per load: {med(made):.0f}; rate budget in_window {in_window} of "
        f"{budget.requests} per {budget.period:.0f} s over {span:.0f} s, waited "
        f"{budget.waited:.1f} s"
    )
    samples(t)


def _daily_runs(
    ctx: Ctx, srv: Server, days: list[pd.Timestamp], path: Path
) -> list[dict[str, Any]]:
    """Load "the last 30 days" as of each of ``days``, in order, on one cache file."""
    out: list[dict[str, Any]] = []
    planned: set[tuple[Any, Any]] = set()
    now = pd.Timestamp.now(tz="UTC")
    previous: tuple[pd.Timestamp, pd.Timestamp] | None = None
    for day in days:
        since = day - pd.Timedelta(days=30)
        df = load(srv, since=since, before=day, cache=path, **ctx.load_kwargs)
        windows = plan_windows(since, day, now)
        new = [w for w in windows if (w.start, w.end) not in planned]
        planned.update((w.start, w.end) for w in windows)
        # What the new windows must cost: one request per page, a short page ending each.
        expected = 0
        for w in new:
            bounds = Window(w.start, w.end, True).wire_bounds()
            expected += srv.count(bounds.get("since"), bounds["before"]) // PER_PAGE + 1
        again = 0  # entries in new windows that the previous run had already loaded
        if previous is not None:
            for w in new:
                lo = max(w.start, previous[0]) if w.start is not None else previous[0]
                hi = min(w.end, previous[1])
                if lo < hi:
                    again += srv.count(lo, hi)
        out.append(
            {
                "day": day,
                "requests": df.attrs["requests"],
                "pages": df.attrs["pages"],
                "from_cache": df.attrs["pages_from_cache"],
                "windows": len(windows),
                "new_windows": len(new),
                "expected": expected,
                "again": again,
                "rows": len(df),
            }
        )
        previous = (since, day)
    return out


def _describe_run(run: dict[str, Any]) -> str:
    return (
        f"as of {run['day']:%Y-%m-%d %H:%M}: {run['requests']} requests, "
        f"{run['from_cache']}/{run['pages']} pages from cache, {run['new_windows']} new of "
        f"{run['windows']} windows, {run['rows']:,} rows"
        + (f", {run['again']:,} entries fetched again" if run["again"] else "")
    )


def target_incremental(ctx: Ctx, srv: Server) -> None:
    section('incremental: "the last 30 days", re-run a day later, one cache file')
    anchor = pd.Timestamp(srv.before)
    t0 = anchor - DAY + pd.Timedelta(hours=10)
    first, second = _daily_runs(ctx, srv, [t0, t0 + DAY], ctx.fresh_cache())
    # "expected" is one request per page of each new window; adjacent closed days are
    # fetched as one range, so fewer is possible: only more would mean old data was fetched.
    ok = second["requests"] <= second["expected"] and second["requests"] < first["requests"]
    verdict(
        "incremental",
        f"2nd run {second['requests']} requests | 1st run {first['requests']} requests",
        f"{second['requests'] / first['requests']:.2f}x, at most {second['expected']}",
        "only new windows fetched",
        ok,
    )
    note("1st " + _describe_run(first))
    note("2nd " + _describe_run(second))
    note(
        "simulated days: both runs pass since=day-30d, before=day, days in the past, so the "
        "1st run's last (partial) day is cached too; it is never reused, so the 2nd run's "
        "count is the same as on the real next day"
    )
    # Edge: a run on the 1st of a month after a 30-day month gets a whole-month window.
    now = pd.Timestamp.now(tz="UTC")
    start = anchor - pd.Timedelta(days=150)
    first_of: pd.Timestamp | None = None
    for k in range(8):
        month = (anchor.tz_convert("UTC").floor("D") - pd.offsets.MonthBegin(k + 1)).normalize()
        nxt = month + pd.offsets.MonthBegin(1)
        if month.days_in_month == 30 and month >= start and nxt + 2 * DAY < now - DAY:
            first_of = nxt
            break
    if first_of is None:
        note("no 30-day month in the sandbox's history: month-boundary case skipped")
        return
    days = [first_of - DAY, first_of, first_of + DAY]
    runs = _daily_runs(ctx, srv, [d + pd.Timedelta(hours=10) for d in days], ctx.fresh_cache())
    worst = max(runs[1:], key=lambda r: r["again"])
    verdict(
        "incr. month",
        f"daily re-runs around {first_of:%Y-%m-%d}: "
        + ", ".join(str(r["requests"]) for r in runs)
        + " requests",
        f"up to {worst['again']:,} entries fetched again",
        "only new",
        None,
    )
    for r in runs:
        note(_describe_run(r))


def peak_rss() -> int:
    """This process's peak resident set size in bytes.

    ``VmHWM`` from ``/proc/self/status`` where there is one: ``ru_maxrss`` survives
    ``execve``, so a child started by a big parent would report the parent's peak.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def floor_sampled(srv: Server, limit: int) -> tuple[float, int]:
    """Seconds the floor takes, timed on at most ``limit`` evenly spread pages and
    scaled up to all pages (each request costs the sandbox the same scan)."""
    numbers = list(range(1, srv.pages + 1))
    if len(numbers) > limit:
        numbers = [numbers[i * len(numbers) // limit] for i in range(limit)]
    with requests.Session() as s:
        t0 = time.perf_counter()
        for page in numbers:
            params = {"per_page": PER_PAGE, "page": page, "before": srv.before}
            r = s.get(srv.url, params=params, headers=srv.headers, timeout=120)
            r.raise_for_status()
            r.content  # noqa: B018 - read the body, parse nothing
        elapsed = time.perf_counter() - t0
    return elapsed * srv.pages / len(numbers), len(numbers)


def scale_child(spec: dict[str, Any]) -> None:
    """In a fresh process: one cold load, then the floor; print one JSON line."""
    srv = Server(entries=spec["entries"], info=spec)
    idle = peak_rss()
    c0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    df = expect_all(load(srv, cache=False, **spec["load_kwargs"]), srv)
    wall = time.perf_counter() - t0
    c1 = resource.getrusage(resource.RUSAGE_SELF)
    peak = peak_rss()
    frame_bytes = int(df.memory_usage(deep=True).sum())
    out = {
        "entries": spec["entries"],
        "rows": len(df),
        "requests": df.attrs["requests"],
        "wall": wall,
        "cpu": (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime),
        "idle_rss": idle,
        "peak_rss": peak,
        "frame_bytes": frame_bytes,
        "budget_waited": get_rate_budget().waited,
        "budget": [get_rate_budget().requests, get_rate_budget().period],
    }
    del df
    gc.collect()
    out["floor"], out["floor_pages"] = floor_sampled(srv, spec["floor_pages"])
    print(json.dumps(out), flush=True)


def target_scale(ctx: Ctx, sizes: list[int]) -> None:
    section("scale: cold load (no cache) in a fresh process per size")
    note(
        "each size: a new sandbox, then a new process running one auditkit load (peak RSS "
        "= that process's VmHWM) and then the floor"
    )
    rows: list[dict[str, Any]] = []
    for n in sizes:
        with Server(n) as srv:
            spec = {
                **srv.info,
                "load_kwargs": ctx.load_kwargs,
                "floor_pages": ctx.args.scale_floor_pages,
            }
            cmd = [sys.executable, str(Path(__file__).resolve()), "--scale-child", json.dumps(spec)]
            proc = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                env=child_env(),
                timeout=300 + n * 0.003,
                check=False,
            )
            if proc.returncode != 0:
                print(proc.stderr[-3000:])
                verdict(f"scale {n:,}", "load failed", "-", "loads end to end", False)
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            r["startup"] = srv.startup
        rows.append(r)
        verdict(
            f"scale {_short(n)}",
            f"auditkit {secs(r['wall'])} (client CPU {secs(r['cpu'])}) | floor "
            f"{'~' if r['floor_pages'] < srv.pages else ''}{secs(r['floor'])} | peak RSS "
            f"{mib(r['peak_rss'])} "
            f"(+{mib(r['peak_rss'] - r['idle_rss'])} over idle)",
            f"ratio {r['wall'] / r['floor']:.2f}x floor",
            "loads end to end",
            r["rows"] == n,
        )
        # The load's own peak: VmHWM less the idle process (the interpreter with numpy,
        # pandas, pyarrow and auditkit imported, measured before the load); the sandbox
        # is another process. See benchmarks/README.md, "Peak memory".
        peak = (r["peak_rss"] - r["idle_rss"]) / r["frame_bytes"]
        verdict(
            f"peak {_short(n)}",
            f"peak RSS {mib(r['peak_rss'])} = idle {mib(r['idle_rss'])} + load "
            f"{mib(r['peak_rss'] - r['idle_rss'])} | frame {mib(r['frame_bytes'])} "
            f"({r['frame_bytes'] / max(1, r['rows']):,.0f} B/row) | whole process "
            f"{r['peak_rss'] / r['frame_bytes']:.2f}x frame",
            f"ratio {peak:.2f}x frame",
            "<= 2.5x" if n >= 1_000_000 else "none below 1M",
            peak <= 2.5 if n >= 1_000_000 else None,
        )
        note(
            f"{r['rows']:,} rows, {r['requests']} requests, frame {mib(r['frame_bytes'])}, "
            f"sandbox start {secs(r['startup'])}; rate budget: threads waited "
            f"{r['budget_waited']:.0f} s in all (summed over threads)"
            + (
                f"; floor timed on {r['floor_pages']} of {srv.pages} pages and scaled"
                if r["floor_pages"] < srv.pages
                else ""
            )
        )
    for r in rows:
        per, period = r["budget"]
        if r["requests"] > per:
            note(
                f"{_short(r['entries'])}: {r['requests']} requests > the default budget of {per} "
                f"per {period:.0f} s, so that load cannot take less than "
                f"{period * ((r['requests'] - 1) // per):.0f} s, whatever the server"
            )
    for a, b in itertools.pairwise(rows):
        x = b["entries"] / a["entries"]

        def g(key: str, a: dict[str, Any] = a, b: dict[str, Any] = b) -> float:
            return b[key] / a[key]

        mem = (b["peak_rss"] - b["idle_rss"]) / max(1, a["peak_rss"] - a["idle_rss"])
        linear = g("cpu") <= 1.3 * x and mem <= 1.3 * x
        verdict(
            f"growth {_short(a['entries'])}>{_short(b['entries'])}",
            f"entries x{x:.0f}: time x{g('wall'):.1f} (client CPU x{g('cpu'):.1f}), "
            f"peak RSS over idle x{mem:.1f}, frame x{g('frame_bytes'):.1f}; floor "
            f"x{g('floor'):.1f}",
            f"CPU {g('cpu') / x:.2f}, mem {mem / x:.2f} of linear",
            "<= 1.3 of linear",
            linear,
        )
    if len(rows) > 1:
        note(
            "linear = client CPU and peak RSS over idle grow at most 1.3x the entry growth; "
            "wall time also carries the sandbox, whose cost per request grows with its size "
            "(see the floor's growth)"
        )


def _short(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"


# --------------------------------------------------------------------------- main


def guarded(name: str, target: Callable[..., None], *args: Any) -> None:
    """Run one target; an exception is reported as its result, and the next target runs."""
    try:
        target(*args)
    except Exception as exc:  # a broken target must not hide the others' figures
        traceback.print_exc(limit=-3, file=sys.stdout)
        verdict(name, f"ERROR {type(exc).__name__}: {exc}", "-", "runs", False)
        RESULTS[-1]["verdict"] = "ERROR"


def header(args: argparse.Namespace) -> None:
    def git(*cmd: str) -> str:
        try:
            out = subprocess.run(
                ["git", *cmd], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return "?"
        return out.stdout.strip()

    status = git("status", "--porcelain", "auditkit")
    dirty = [line.split(maxsplit=1)[-1] for line in status.splitlines() if line.strip()]
    sdk_version = "not installed"
    if HAS_SDK:
        import cloudflare

        sdk_version = cloudflare.__version__
    print(
        f"auditkit benchmark | python {platform.python_version()} | pandas {pd.__version__} | "
        f"requests {requests.__version__} | cloudflare SDK {sdk_version}"
    )
    commit = git("rev-parse", "--short", "HEAD") or "?"
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} | "
        f"auditkit from {Path(auditkit.__file__).parent} at {commit}"
        + (f", modified: {', '.join(dirty)}" if dirty else ", clean" if commit != "?" else "")
    )
    print(
        f"settings: --entries {args.entries} --repeat {args.repeat} --only "
        f"{','.join(args.only)} --scale-sizes {','.join(map(str, args.scale_sizes))}"
        + (f" --v2-days {args.v2_days:g}" if "v2latency" in args.only else "")
        + (f" --workers {args.workers}" if args.workers else "")
    )
    print(
        "times are medians of interleaved rounds; ratios are medians of per-round ratios "
        "(same process, same server)"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--entries", type=int, default=20_000, help="sandbox entries (default 20000)")
    p.add_argument("--repeat", type=int, default=5, help="timed rounds per target (default 5)")
    p.add_argument(
        "--only",
        default=",".join(TARGETS),
        help=f"comma-separated targets among {','.join(TARGETS)} (default: all)",
    )
    p.add_argument(
        "--scale-sizes",
        default="10000,100000",
        help="entries per scale step (default 10000,100000; add 1000000 for the 1M step)",
    )
    p.add_argument(
        "--scale-floor-pages",
        type=int,
        default=200,
        help="scale step: time the floor on at most this many pages, scaled (default 200)",
    )
    p.add_argument("--latency", type=float, default=0.1, help="seconds per request (default 0.1)")
    p.add_argument(
        "--v2-days",
        type=float,
        default=30,
        help="v2latency: days the entries span, the range of every load (default 30)",
    )
    p.add_argument("--accounts", type=int, default=10, help="accounts target: accounts (10)")
    p.add_argument(
        "--account-entries",
        type=int,
        default=2_000,
        help="accounts target: entries per account (default 2000)",
    )
    p.add_argument(
        "--account-days",
        type=float,
        default=1,
        help="accounts target: days each account's entries span (default 1)",
    )
    p.add_argument("--workers", type=int, default=None, help="auditkit workers (default: its own)")
    p.add_argument("--json", type=Path, default=None, help="also write the results to this file")
    p.add_argument("--scale-child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.scale_child is None:
        args.only = [t.strip() for t in args.only.split(",") if t.strip()]
        unknown = set(args.only) - set(TARGETS)
        if unknown:
            p.error(f"unknown target(s) {', '.join(sorted(unknown))}; choose from {TARGETS}")
        args.scale_sizes = [int(s) for s in args.scale_sizes.split(",") if s.strip()]
        if args.repeat < 1 or args.entries < 1:
            p.error("--repeat and --entries must be >= 1")
        if args.v2_days <= 0:
            p.error("--v2-days must be > 0")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.scale_child is not None:
        scale_child(json.loads(args.scale_child))
        return
    header(args)
    load_kwargs = {"workers": args.workers} if args.workers else {}
    tmp = Path(tempfile.mkdtemp(prefix="auditkit-bench-"))
    ctx = Ctx(args, tmp, load_kwargs)
    started = time.perf_counter()
    try:
        throughput = [t for t in ("cold", "warm", "memory", "incremental") if t in args.only]
        if throughput:
            # The sandbox has no rate limit; auditkit's default budget (1,000 requests per
            # 300 s, process-wide) would make later targets wait for earlier ones'
            # requests to age out. The latency target and the scale step use the default.
            set_rate_budget(1_000_000, 300)
            with Server(args.entries) as srv:
                print(
                    f"\nsandbox: {srv.info['entries']:,} entries, {srv.pages} pages of "
                    f"{PER_PAGE}, started in {secs(srv.startup)} (data ends {srv.before}); "
                    "rate budget raised to 1,000,000/300 s for these targets"
                )
                for name in throughput:
                    guarded(name, globals()[f"target_{name}"], ctx, srv)
        if "v2cold" in args.only:
            set_rate_budget(1_000_000, 300)  # as for cold: the sandbox has no rate limit
            guarded("v2cold", target_v2cold, ctx, args.entries)
        if "latency" in args.only:
            guarded("latency", target_latency, ctx, args.entries)
        if "v2latency" in args.only:
            guarded("v2latency", target_v2latency, ctx, args.entries)
        if "accounts" in args.only:
            guarded("accounts", target_accounts, ctx, args.accounts)
        if "scale" in args.only:
            guarded("scale", target_scale, ctx, args.scale_sizes)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    section(f"summary ({time.perf_counter() - started:.0f} s)")
    for r in RESULTS:
        print(f"{r['verdict']:<5} {r['target']:<16} {r['ratio']:<36} goal {r['goal']}")
    if args.json is not None:
        args.json.write_text(json.dumps(RESULTS, indent=2, default=str))


if __name__ == "__main__":
    main()
