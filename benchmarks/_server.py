"""Benchmark helper: serve a scaled synthetic account from a separate process.

Prints one JSON line ``{"base_url": ..., "token": ..., "entries": ...}`` when ready,
then serves until killed. The account is several seeds of the sandbox's synthetic
account side by side (distinct ids), anchored two days ago so every window is closed.

With ``--api v2`` the sandbox serves Audit Logs v2 records instead (and no v1
records): several seeds of the synthetic v2 account, all under one account id, their
``action.time`` spread evenly over the ``--days`` days before the anchor (the range a
v2 load asks for). With ``--accounts N``, each of N accounts holds ``--entries``
such records. The JSON line then also holds ``api``, ``account_id``,
``account_ids`` and ``since``.

Usage::

    python benchmarks/_server.py --entries 20000 --latency 0.1
    python benchmarks/_server.py --api v2 --entries 20000 --days 1
    python benchmarks/_server.py --api v2 --entries 2000 --accounts 10 --latency 0.1
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from auditkit import sandbox


def scaled_records(entries: int, anchor: datetime) -> list[dict]:
    """``entries`` synthetic records (several seeds of the sandbox account), newest first."""
    out: list[dict] = []
    seed = 0
    while len(out) < entries:
        out.extend(sandbox.generate_records(seed=seed, anchor=anchor))
        seed += 1
    out = out[:entries]
    out.sort(key=lambda r: (r["when"], r["id"]), reverse=True)
    return out


def scaled_v2_records(
    entries: int,
    since: datetime,
    before: datetime,
    account_id: str | None = None,
    first_seed: int = 0,
) -> tuple[str, list[dict[str, Any]]]:
    """``entries`` synthetic v2 records of one account (``account_id``, default the
    first seed's), evenly spread over ``[since, before)``, newest first; and the
    account's id."""
    out: list[dict[str, Any]] = []
    seed = first_seed
    while len(out) < entries:
        batch = sandbox.generate_v2_records(seed=seed, anchor=before, account_id=account_id)
        account_id = account_id or batch[0]["account"]["id"]
        out.extend(batch)
        seed += 1
    out = out[:entries]
    if len({rec["id"] for rec in out}) != len(out):
        raise RuntimeError("the seeds' v2 records share ids")
    step = (before - since) / len(out)
    for i, rec in enumerate(out):
        when = before - step * (i + 0.5)
        rec["action"]["time"] = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert account_id is not None
    return account_id, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--api", choices=("v1", "v2"), default="v1")
    parser.add_argument("--days", type=float, default=1.0, help="v2: days the records span")
    parser.add_argument(
        "--accounts", type=int, default=1, help="v2: accounts, each with --entries records"
    )
    args = parser.parse_args()
    anchor = (datetime.now(UTC) - timedelta(days=2)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    if args.api == "v1":
        records = scaled_records(args.entries, anchor)
        sb = sandbox.start(records=records, latency=args.latency)
        info = {"entries": len(records)}
    else:
        since = anchor - timedelta(days=args.days)
        account_id, v2 = scaled_v2_records(args.entries, since, anchor)
        # Accounts 2..N: the sandbox's own (smaller) histories end a year before the
        # range, so each account serves exactly its ``entries`` within it.
        sb = sandbox.start(
            records=[],
            v2_records=v2,
            account_id=account_id,
            accounts=args.accounts,
            anchor=since - timedelta(days=365),
        )
        for n, other in enumerate(sb.account_ids[1:], start=1):
            _, more = scaled_v2_records(args.entries, since, anchor, other, first_seed=100 * n)
            sb.add_v2_records(more, account_id=other)
        # The store parses its records on the first read: do it now, not in a timed round.
        for account in sb.account_ids:
            r = requests.get(
                f"{sb.base_url}/accounts/{account}/logs/audit",
                params={"since": since.isoformat(), "before": anchor.isoformat(), "limit": 1},
                headers={"Authorization": f"Bearer {sb.token}"},
                timeout=120,
            )
            r.raise_for_status()
        sb.faults.latency = args.latency
        info = {
            "entries": len(v2),
            "api": "v2",
            "account_id": account_id,
            "account_ids": sb.account_ids,
            "since": since.isoformat(),
        }
    print(
        json.dumps(
            {"base_url": sb.base_url, "token": sb.token, **info, "before": anchor.isoformat()}
        ),
        flush=True,
    )
    try:
        sb.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
