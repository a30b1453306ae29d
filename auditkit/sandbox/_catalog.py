"""The fixed facts of the synthetic account: its calendar, zones, settings and DNS records.

Pure data (no randomness): the time units of the generator's timeline, the days the
story turns on, the zones and when the last one appears, the zone settings (their
Cloudflare types and starting values), the DNS records each zone starts with and the
words new record names are drawn from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "BASE_SETTINGS",
    "COMPROMISE_DAY",
    "DAY",
    "DAYS",
    "HOST_WORDS",
    "HOUR",
    "INITIAL_DNS",
    "MINUTE",
    "NEW_ZONE",
    "NEW_ZONE_DAY",
    "SEC",
    "SETTING_TYPES",
    "SPAN",
    "TLS_SETTINGS",
    "ZONES",
    "DnsRecord",
]

# ---------------------------------------------------------------------------
# calendar (the timeline counts microseconds from the start of the history)
# ---------------------------------------------------------------------------

#: Length of the synthetic history, in days before the anchor.
DAYS = 183

SEC = 1_000_000
MINUTE = 60 * SEC
HOUR = 60 * MINUTE
DAY = 24 * HOUR
SPAN = DAYS * DAY

#: Day ``api.example.net`` is added to the account.
NEW_ZONE_DAY = 30
#: Day ``tom``'s account is used from the attacker's address.
COMPROMISE_DAY = 150

# ---------------------------------------------------------------------------
# zones and their settings
# ---------------------------------------------------------------------------

#: Zones of the synthetic account (``api.example.net`` is added on day 30).
ZONES = ("example.com", "shop.example.com", "example.org", "api.example.net")
NEW_ZONE = "api.example.net"

#: Cloudflare's ``metadata.type`` of each zone setting the generator changes.
SETTING_TYPES = {
    "security_level": "firewall",
    "waf": "firewall",
    "ssl": "crypto",
    "min_tls_version": "crypto",
    "always_use_https": "crypto",
    "development_mode": "performance",
    "rocket_loader": "performance",
    "cache_level": "caching",
    "browser_cache_ttl": "caching",
    "always_online": "caching",
    "IPv6": "network",
}
#: Settings whose change is followed by a ``tls_settings_deployed`` entry.
TLS_SETTINGS = ("ssl", "min_tls_version", "always_use_https")
#: Every zone's settings at the start (``example.org`` and the new zone then differ).
BASE_SETTINGS: dict[str, Any] = {
    "security_level": "medium",
    "waf": "on",
    "ssl": "full",
    "min_tls_version": "1.2",
    "always_use_https": "on",
    "development_mode": "off",
    "rocket_loader": "off",
    "cache_level": "aggressive",
    "browser_cache_ttl": 14400,
    "always_online": "on",
    "IPv6": True,
}

# ---------------------------------------------------------------------------
# DNS records
# ---------------------------------------------------------------------------


@dataclass
class DnsRecord:
    """A DNS record as the generator tracks it (mutated by ``rec_set`` events).

    ``res_id`` is the audit log's ``resource.id``, ``id`` the record's own 32-hex id;
    ``core`` records are never deleted by routine activity.
    """

    res_id: str
    id: str
    name: str
    type: str
    content: str
    ttl: int
    proxied: bool
    priority: int | None = None
    core: bool = False


#: Records each zone starts with: ``(name, type, content[, MX priority])``.
INITIAL_DNS: dict[str, list[tuple[Any, ...]]] = {
    "example.com": [
        ("@", "A", "192.0.2.1"),
        ("www", "CNAME", "example.com"),
        ("@", "MX", "mx1.mail.example.net", 10),
        ("@", "MX", "mx2.mail.example.net", 20),
        ("@", "TXT", "v=spf1 include:_spf.mail.example.net ~all"),
        ("_dmarc", "TXT", "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com"),
        ("api", "CNAME", "api.example.net"),
        ("status", "CNAME", "statuspage.example.net"),
    ],
    "shop.example.com": [
        ("@", "A", "198.51.100.10"),
        ("@", "AAAA", "2001:db8:5000::10"),
        ("www", "CNAME", "shop.example.com"),
        ("origin", "A", "198.51.100.31"),
        ("@", "TXT", "v=spf1 -all"),
    ],
    "example.org": [
        ("@", "A", "192.0.2.50"),
        ("www", "CNAME", "example.org"),
        ("@", "MX", "mx1.mail.example.net", 10),
        ("@", "TXT", "v=spf1 include:_spf.mail.example.net ~all"),
    ],
    NEW_ZONE: [],
}
#: Host names new records are drawn from.
HOST_WORDS = [
    "blog",
    "docs",
    "status",
    "staging",
    "dev",
    "cdn",
    "img",
    "app",
    "portal",
    "beta",
    "grafana",
    "vpn",
    "autodiscover",
    "files",
    "assets",
    "metrics",
    "ci",
    "git",
    "wiki",
    "support",
    "mail2",
    "edge",
    "auth",
    "pay",
    "search",
]
