"""Write the notebooks (``quickstart``, ``investigate``, ``investigate_v2``, ``archive``) from the cells below.

The notebooks are committed without outputs; edit them here and run::

    python notebooks/_build.py          # rewrite both notebooks
    python notebooks/_build.py --check  # exit 1 if a committed notebook differs

Cell ids are fixed, so rebuilding an unchanged notebook changes no byte.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

LOAD = """\
if os.environ.get("CLOUDFLARE_API_TOKEN"):
    # A real account: the token (and CLOUDFLARE_ACCOUNT_ID, if set) from the environment.
    sb = None
    df = auditkit.load_audit_logs(
        since=pd.Timestamp.now(tz="UTC") - pd.Timedelta(days={days}),
        account_id=os.environ.get("CLOUDFLARE_ACCOUNT_ID"),
    )
else:
    # No token: the bundled sandbox, a Cloudflare-compatible API on 127.0.0.1
    # serving a synthetic account (six months, four users, one incident).
    sb = auditkit.sandbox.start()
    df = auditkit.load_audit_logs(base_url=sb.base_url, token=sb.token, cache=False)

print(f"{{len(df):,}} entries, {{df['when'].min():%Y-%m-%d}} to {{df['when'].max():%Y-%m-%d}}")
print("source:", df.attrs["endpoint"] if sb is None else f"sandbox at {{sb.base_url}}")"""

IMPORTS = """\
import os

import pandas as pd
{extra}
import auditkit  # also registers the df.audit accessor

pd.set_option("display.max_columns", 30)
pd.set_option("display.max_colwidth", 60)"""

STOP = """\
if sb is not None:
    sb.stop()  # the frame and the panel stay usable: they live in memory"""

QUICKSTART = [
    (
        "md",
        """\
# auditkit quickstart

Cloudflare audit logs as **one typed pandas DataFrame**, with analyses, plots and an
interactive filter panel.

This notebook runs as is: with `CLOUDFLARE_API_TOKEN` set it reads your account (the
last 90 days); without it, it starts auditkit's **sandbox**, a Cloudflare-compatible
API on `127.0.0.1` serving a synthetic account, so no token and no network are needed.""",
    ),
    ("code", IMPORTS.format(extra="from IPython.display import Markdown\n")),
    ("md", "## Load"),
    ("code", LOAD.format(days=90)),
    (
        "md",
        """\
What the load cost: requests sent and pages answered from the on-disk cache (the
sandbox load above runs without a cache).""",
    ),
    (
        "code",
        '{k: df.attrs[k] for k in ("requests", "pages", "pages_from_cache", "cache_hit")}',
    ),
    (
        "md",
        """\
## The frame

One row per audit-log entry, newest first. Text columns are pyarrow strings, the
few-valued ones categories, `when` is UTC, and the structured values (`metadata`,
`old_value_json`, `new_value_json`) have the `json` dtype: each distinct JSON text is
stored once, and reading a value gives a dict.""",
    ),
    ("code", "df.head()"),
    ("code", 'df.dtypes.to_frame("dtype").T'),
    ("md", "The schema, with where each column comes from in Cloudflare's records:"),
    ("code", "Markdown(auditkit.frame.schema_markdown())"),
    (
        "md",
        """\
## Analyses

Each analysis is a function in `auditkit.analysis` and a method of the `df.audit`
accessor: frame in, new frame out.

**Who did what**: one row per actor.""",
    ),
    ("code", "df.audit.activity_by_actor()"),
    ("md", "**Activity over time**: events per week and action type (the last weeks)."),
    ("code", 'df.audit.activity_over_time(freq="W", by="action_type").tail()'),
    ("md", "**When**: events by weekday and hour (UTC)."),
    ("code", "df.audit.activity_heatmap()"),
    (
        "md",
        "**New IPs**: the first time an actor acts from an IP it had not used (after a "
        "7-day learning window).",
    ),
    ("code", 'new_ips = df.audit.new_ips(warmup="7D")\nnew_ips.tail(10)'),
    (
        "md",
        """\
**Risky changes**: security-lowering setting changes, credential events, member
changes, bursts of DNS deletions, failed logins; each finding with a severity and a
reason (rules in `auditkit.analysis.rules_table()`).""",
    ),
    (
        "code",
        """\
risky = df.audit.risky_changes()
print(risky["severity"].value_counts().to_dict())
risky[risky["severity"] == "high"][["when", "actor", "rule", "reason", "zone_name"]].tail(10)""",
    ),
    ("md", "**Change timeline**: every value change, one row per changed value."),
    ("code", 'df.audit.change_timeline(setting="min_tls_version")'),
    ("md", "## Plots"),
    ("code", 'df.audit.plot_activity(freq="W", top=6);'),
    ("code", "df.audit.plot_activity_heatmap();"),
    ("code", "df.audit.plot_actor_summary();"),
    (
        "code",
        """\
zone = df["zone_name"].value_counts().index[0]  # the busiest zone
df.audit.plot_change_timeline(
    zone_name=zone, setting=["ssl", "min_tls_version", "security_level", "waf"]
);""",
    ),
    (
        "md",
        """\
## The filter panel

`auditkit.FilterPanel(df)`, or `df.audit.panel()`: pick actors, action and resource
types, zones, interfaces, the result, a date range, or search any text (values,
metadata, resource ids). The count, the chart, the summary by actor and the first rows
update at once; filters combine with AND. **Export CSV** writes the matching rows.""",
    ),
    ("code", "panel = auditkit.FilterPanel(df)  # or: df.audit.panel()\npanel"),
    (
        "md",
        """\
From code: set the controls, read `panel.filtered`, get called back with
`panel.on_change(...)`, write `panel.to_csv(path)`, clear with `panel.reset()`.""",
    ),
    (
        "code",
        """\
panel.controls["result"].value = "failed"
failed = panel.filtered
panel.reset()
print(f"{len(failed):,} failed actions")
failed[["when", "actor_email", "actor_ip", "action_type"]].head()""",
    ),
    ("code", STOP),
]

INVESTIGATE = [
    (
        "md",
        """\
# Security review of one account

A walk through an account's audit log, the way a reviewer would do it:

1. who did what, and when;
2. new IPs;
3. risky changes;
4. one actor's timeline (the actor with the widest range of high-severity findings);
5. one zone's settings history (the zone with the most findings);
6. the filter panel, to dig further.

With `CLOUDFLARE_API_TOKEN` set it reads your account (the last 180 days); without it,
auditkit's sandbox (synthetic data on `127.0.0.1`, no network).""",
    ),
    ("code", IMPORTS.format(extra="")),
    ("code", LOAD.format(days=180)),
    ("md", "## 1. Who did what"),
    ("code", "actors = df.audit.activity_by_actor()\nactors"),
    ("code", "df.audit.plot_actor_summary();"),
    ("md", "What each actor did, for the most frequent action types:"),
    (
        "code",
        """\
actor = auditkit.analysis.actor_label(df)  # the email, else system/Cloudflare, else the id
top_actions = df["action_type"].value_counts().index[:10]
kept = df["action_type"].isin(top_actions)
pd.crosstab(actor[kept], df.loc[kept, "action_type"].astype(str))""",
    ),
    (
        "md",
        "When the account is used (UTC): work outside the usual hours stands out.",
    ),
    ("code", "df.audit.plot_activity_heatmap();"),
    ("md", "## 2. New IPs\n\nAfter a 14-day learning window: each actor's first use of an IP."),
    ("code", 'new_ips = df.audit.new_ips(warmup="14D")\nnew_ips.tail(15)'),
    (
        "code",
        """\
per_actor = new_ips.groupby("actor").agg(new_ips=("actor_ip", "nunique"), last=("when", "max"))
per_actor.sort_values("new_ips", ascending=False)""",
    ),
    ("md", "## 3. Risky changes\n\nThe rules:"),
    ("code", 'auditkit.analysis.rules_table()[["name", "severity", "reason"]]'),
    (
        "code",
        """\
risky = df.audit.risky_changes()
risky.groupby(["severity", "rule"]).size().rename("findings").to_frame()""",
    ),
    ("md", "The high-severity findings:"),
    (
        "code",
        """\
high = risky[risky["severity"] == "high"]
high[["when", "actor", "rule", "reason", "zone_name"]]""",
    ),
    (
        "md",
        "## 4. One actor's timeline\n\nThe actor whose high-severity findings span the most "
        "rules (many kinds of risky change, rather than one routine change made often):",
    ),
    (
        "code",
        """\
breadth = high.groupby("actor")["rule"].nunique().sort_values(ascending=False, kind="stable")
suspect = breadth.index[0] if len(breadth) else actors["actor"].iloc[0]
mine = df[actor == suspect]
print(f"{suspect}: {len(mine):,} entries, {mine['actor_ip'].nunique()} IPs")
mine.audit.plot_activity(freq="W", by="action_type");""",
    ),
    ("md", "The day with the most high-severity findings for that actor, entry by entry:"),
    (
        "code",
        """\
findings = high[high["actor"] == suspect]
when = findings["when"] if len(findings) else mine["when"]
day = when.dt.floor("D").value_counts().idxmax()
that_day = mine[(mine["when"] >= day) & (mine["when"] < day + pd.Timedelta(days=1))]
columns = ["when", "action_type", "action_result", "actor_ip", "resource_type", "zone_name"]
that_day.sort_values("when")[[*columns, "old_value", "new_value"]]""",
    ),
    ("md", "What those entries changed:"),
    (
        "code",
        """\
changed = that_day.audit.change_timeline()
changed[["when", "zone_name", "setting", "key", "old_value", "new_value"]]""",
    ),
    (
        "md",
        "## 5. One zone's settings history\n\nThe zone with the most risky findings:",
    ),
    (
        "code",
        """\
zones = risky["zone_name"].dropna()
zone = zones.value_counts().idxmax() if len(zones) else df["zone_name"].value_counts().idxmax()
history = df.audit.change_timeline(zone_name=zone, resource_type="zone")
print(f"{zone}: {len(history):,} setting changes")
history[["when", "actor", "setting", "key", "old_value", "new_value"]].tail(20)""",
    ),
    (
        "code",
        """\
security = ["ssl", "min_tls_version", "security_level", "waf", "always_use_https"]
df.audit.plot_change_timeline(zone_name=zone, resource_type="zone", setting=security);""",
    ),
    ("md", "Each security setting's last change, i.e. its value now:"),
    (
        "code",
        """\
named = history.assign(name=history["setting"].fillna(history["key"]))
now = named[named["name"].isin(security)].groupby("name").last()
now[["when", "actor", "old_value", "new_value"]]""",
    ),
    (
        "md",
        "## 6. Dig further\n\nThe filter panel, opened on the suspect's entries "
        "(click **Reset** to see everything):",
    ),
    ("code", 'panel = df.audit.panel()\npanel.controls["actor"].value = (suspect,)\npanel'),
    (
        "code",
        """\
print(f"Reviewed {len(df):,} entries by {len(actors)} actors.")
print(f"{len(new_ips)} new IPs, {len(risky)} risky findings ({len(high)} high).")
print(f"Widest range of high-severity findings: {suspect}; most findings on zone {zone}.")""",
    ),
    ("code", STOP),
]

LOAD_V2 = """\
if os.environ.get("CLOUDFLARE_API_TOKEN") and os.environ.get("CLOUDFLARE_ACCOUNT_ID"):
    # A real account: Audit Logs v2 of CLOUDFLARE_ACCOUNT_ID (a comma-separated list, or *).
    sb = None
    ids = os.environ["CLOUDFLARE_ACCOUNT_ID"]
    df = auditkit.load_audit_logs(
        api="v2",
        account_id=ids if ids == "*" or "," not in ids else ids.split(","),
        since=pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=30),
    )
else:
    # No token: the sandbox, serving Audit Logs v2 for two synthetic accounts.
    sb = auditkit.sandbox.start(accounts=2)
    df = auditkit.load_audit_logs(
        api="v2", account_id="*", base_url=sb.base_url, token=sb.token, cache=False
    )

print(f"{len(df):,} entries in {df['account_id'].nunique()} accounts")
print("source:", df.attrs["endpoint"] if sb is None else f"sandbox at {sb.base_url}")"""

INVESTIGATE_V2 = [
    (
        "md",
        """\
# Investigating with Audit Logs v2

Audit Logs v2 says more than v1 about each entry: **how** the actor came in
(`actor_context`: the dashboard, an API token, a Global API key, OAuth), **which token**,
the **product** touched and the **raw request**. One call reads every account the
credential can list (`account_id="*"`) into one frame.""",
    ),
    ("code", IMPORTS.format(extra="")),
    ("code", LOAD_V2),
    ("md", "## How did actors come in, per account?"),
    (
        "code",
        """\
df.groupby(["account_name", "actor_context"], observed=True).size().unstack(fill_value=0)""",
    ),
    ("md", "## Which API tokens were used, by whom, from where?"),
    (
        "code",
        """\
tokens = df.dropna(subset=["actor_token_name"])
tokens.groupby("actor_token_name", observed=True).agg(
    entries=("id", "size"),
    actors=("actor_email", "nunique"),
    ips=("actor_ip", "nunique"),
    last=("when", "max"),
).sort_values("entries", ascending=False)""",
    ),
    ("md", "## What changed, per product (everything but views)"),
    (
        "code",
        """\
changes = df[df["action_type"] != "view"]
changes.groupby(["resource_product", "action_type"], observed=True).size().unstack(fill_value=0)""",
    ),
    ("md", "## Failures, with the status the API answered"),
    (
        "code",
        """\
failed = df[df["action_result"].eq(False).fillna(False)]
print(f"{len(failed)} failed actions")
failed.groupby(["actor_ip", "raw_status_code"], observed=True).size().sort_values(
    ascending=False
).head(5)""",
    ),
    ("md", "## New IP addresses, and when each actor was active"),
    (
        "code",
        """\
new = auditkit.new_ips(df)
print("first seen from a new address:", ", ".join(sorted(set(new["actor_ip"].astype(str)))[:5]))
auditkit.plot_activity(df, freq="W", by="actor_email");""",
    ),
    ("code", STOP),
]

ARCHIVE = [
    (
        "md",
        """\
# Keeping history: the Parquet archive and Logpush files

Cloudflare keeps audit logs for 18 months. `auditkit.sync_archive` keeps them for good, as
plain Parquet in a folder or a bucket you own; `auditkit.read_archive` reads them back as the
frame `load_audit_logs` gives; `auditkit.read_logpush` reads the files a Logpush job wrote.
The layout, the manifest and the guarantees are in `docs/archive.md` and `docs/logpush.md`.

This notebook runs as is: with `CLOUDFLARE_API_TOKEN` set it archives your account into
`audit-archive/` beside the notebook; without it, it archives the bundled **sandbox**.""",
    ),
    ("code", IMPORTS.format(extra="")),
    ("md", "## Sync: run it daily, it appends only what is new"),
    (
        "code",
        """\
if os.environ.get("CLOUDFLARE_API_TOKEN"):
    sb, where = None, {"account_id": os.environ.get("CLOUDFLARE_ACCOUNT_ID")}
else:
    sb = auditkit.sandbox.start()
    where = {"base_url": sb.base_url, "token": sb.token, "account_id": sb.account_id}
    where["cache"] = False  # a sandbox's pages need no cache

first = auditkit.sync_archive("audit-archive/", progress=False, **where)
print(first)""",
    ),
    (
        "md",
        """\
A second run loads only from the last sync's watermark (minus an hour of overlap, for
entries Cloudflare writes late) and stores no id twice:""",
    ),
    (
        "code",
        """\
again = auditkit.sync_archive("audit-archive/", progress=False, **where)
print(again)""",
    ),
    ("md", "What the archive holds, per stream (API and account), from its manifest alone:"),
    (
        "code",
        """\
held = auditkit.archive.info("audit-archive/")
pd.DataFrame([vars(s) for s in held.streams])[
    ["api", "account", "rows", "days", "oldest", "newest", "watermark"]
]""",
    ),
    ("md", "The files on disk: hive partitions by API, account and UTC day."),
    (
        "code",
        """\
from pathlib import Path

files = sorted(Path("audit-archive").rglob("*.parquet"))
print(f"{len(files)} files, e.g.", *[str(p) for p in files[-3:]], sep="\\n  ")""",
    ),
    ("md", "## Read: the same typed frame, filters pushed down to Parquet"),
    (
        "code",
        """\
since = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=60)
recent = auditkit.read_archive("audit-archive/", since=since)
kept = recent["actor_email"].dtype, recent["metadata"].dtype
print(f"{len(recent):,} entries in the last 60 days; dtypes kept:", *kept)
risky = recent.audit.risky_changes()
risky[risky["severity"] == "high"][["when", "actor", "rule", "zone_name"]].tail()""",
    ),
    (
        "md",
        """\
`load_audit_logs(..., archive=...)` combines both: the archive for the past, the API for
what is newer than the archive's last sync.""",
    ),
    (
        "code",
        """\
combined = auditkit.load_audit_logs(archive="audit-archive/", progress=False, **where)
print(f"{len(combined):,} entries: {combined.attrs['archive_rows']:,} from the archive")""",
    ),
    (
        "md",
        """\
## Other engines read it as it is

DuckDB, Spark, Trino and Athena read the Parquet files directly (`docs/archive.md`). With
DuckDB installed (`pip install duckdb`):""",
    ),
    (
        "code",
        """\
import importlib.util

if importlib.util.find_spec("duckdb"):
    import duckdb

    top = duckdb.sql(
        "SELECT actor_email, count(*) AS entries FROM read_parquet("
        "'audit-archive/api=v1/**/*.parquet', hive_partitioning = true) "
        "GROUP BY ALL ORDER BY entries DESC LIMIT 5"
    ).df()
    print(top.to_string(index=False))
else:
    print("duckdb is not installed")""",
    ),
    (
        "md",
        """\
## Logpush files

A Logpush job of the `audit_logs` dataset writes gzip NDJSON files into `YYYYMMDD/`
folders. The sandbox writes its own entries that way, so the reader can be tried here;
point `read_logpush` at your job's bucket (`s3://...`) for real files.""",
    ),
    (
        "code",
        """\
if sb is not None:
    auditkit.sandbox.write_logpush("logpush/", sb.records, when_format="unixnano")
    pushed = auditkit.read_logpush("logpush/", since="2026-10-01", progress=False)
    print(f"{len(pushed):,} entries from {pushed.attrs['files']} files")
    # The same entries as the account's API logs, so syncing them into the account's
    # stream adds only what the archive lacks: nothing here.
    added = auditkit.sync_archive(
        "audit-archive/", source="logpush/", account_id=sb.account_id, progress=False
    )
    print(added)""",
    ),
    ("code", STOP),
]


def build(cells: list[tuple[str, str]], name: str) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
    }
    for i, (kind, source) in enumerate(cells):
        cell = new_markdown_cell(source) if kind == "md" else new_code_cell(source)
        cell.id = f"{name}-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


NOTEBOOKS = {
    "quickstart": QUICKSTART,
    "investigate": INVESTIGATE,
    "investigate_v2": INVESTIGATE_V2,
    "archive": ARCHIVE,
}


def render(name: str) -> str:
    return nbformat.writes(build(NOTEBOOKS[name], name)) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name in NOTEBOOKS:
        path = HERE / f"{name}.ipynb"
        text = render(name)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
            print(f"wrote {path}")
    if stale:
        print("out of date (run python notebooks/_build.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
