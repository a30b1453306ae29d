"""How a v1 audit-log record reads in Audit Logs v2: :func:`v2_records_from_v1`.

One v1 record gives one v2 record, keys in the order of Cloudflare's documented
example: ``id``; ``account{id, name}``; ``action{description, result, time, type}``;
``actor{id, context, email, ip_address, token_id, token_name, type}``; ``raw{cf_ray_id,
method, status_code, uri, user_agent}``; ``resource{id, product, request, response,
scope, type}``; ``zone{id, name}``. Keys that do not apply are left out (a system actor
has no email, context or ``raw``; an entry outside a zone has no ``zone``).

- ``id``: the v1 uuid's 32 hex digits (v2 ids are at most 32 characters; ``uuid.UUID``
  of either gives the same uuid); an id that is not a uuid is kept as it is.
- ``action``: ``type`` and ``description`` from
  :data:`~auditkit.sandbox._v2actions.V2_ACTIONS` by the v1
  ``action.type`` (an unknown one keeps its v1 name as ``description``, its type guessed
  from the verb); ``result`` ``"success"``/``"failure"``; ``time`` the v1 ``when``.
- ``actor``: ``type`` ``user`` -> ``user``, ``admin`` -> ``cloudflare_admin``,
  ``system`` and ``Cloudflare`` -> ``system`` (others as they are); ``ip`` ->
  ``ip_address``. ``context``: ``dash`` for the dashboard (interface ``UI`` or ``""``).
  For interface ``API``: from the CI runner's address, the token ``terraform-ci``
  (``cert-manager`` for ACME challenge records); otherwise, by a hash of the id, the
  actor's oldest token alive at that time (6 in 10; tokens come from the records' own
  ``token_create``/``token_revoke`` entries, ``metadata.token_tag`` being the token id;
  ``Read ...`` tokens are never used to write), the Global API key (``api_key``) or,
  for some, ``oauth`` (token ``Wrangler``). ``token_id``/``token_name`` only with
  ``api_token``/``oauth``.
- ``raw`` (not for system actors): ``cf_ray_id`` 16 hex digits, ``method`` and ``uri``
  (relative to ``/client/v4``, as in Cloudflare's example: ``/accounts/{id}/members``)
  from :data:`V2_ACTIONS`; ``status_code`` 200 on success, 403 for a failed login, 400
  for another failure; ``user_agent`` a browser per user for ``dash``, the tool for a
  token (Terraform, cert-manager, Wrangler), ``curl`` for the Global API key.
- ``resource``: ``product``, ``type`` and ``scope`` (``zones``, ``accounts`` or
  ``user``) from :data:`V2_ACTIONS`; ``id`` the DNS record's own id, the setting name,
  the token id, the zone id, ... (else the v1 ``resource.id``). For changes,
  ``request`` is the body of the call (the new value as sent) and ``response`` holds the
  resource ``{"before": ..., "after": ...}`` (``before`` absent for a creation,
  ``after`` for a deletion).
- ``zone``: from ``metadata.zone_name``, its id from ``zone_ids`` or from the record.

Everything derived is a function of the record (hashes of its id) and of the records
before it (tokens): the same input gives the same output on every run.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from auditkit.sandbox._people import ATTACKER_IP, BRUTE_FORCE_IP, CI_IP
from auditkit.sandbox._times import parse_timestamp_ns
from auditkit.sandbox._v2actions import METHODS, SETTING_PRODUCTS, V2_ACTIONS, V2Action

__all__ = ["V2Converter", "v2_records_from_v1"]


_ACTOR_TYPES = {
    "user": "user",
    "admin": "cloudflare_admin",
    "system": "system",
    "Cloudflare": "system",
}
_BROWSERS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
)
_ATTACKER_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
_SCRIPT_UA = "python-requests/2.31.0"
_TOOL_UAS = {
    "terraform-ci": "Terraform/1.9.8 terraform-provider-cloudflare/4.52.0",
    "cert-manager": "cert-manager-challenges/v1.16.2 (linux/amd64) cert-manager/v1.16.2",
    "Wrangler": "wrangler/3.99.0",
}
_KEY_UA = "curl/8.7.1"
_TOOL_UA = "python-requests/2.32.3"
_OAUTH_TOKEN = "Wrangler"
_NS_MIN = -(1 << 80)


def _mapping(value: Any) -> Mapping[str, Any]:
    if type(value) is dict:
        return value
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _digest(text: str) -> bytes:
    return hashlib.sha256(f"auditkit-sandbox-v2:{text}".encode()).digest()


@dataclass
class _Token:
    owner: str
    name: str
    id: str
    created: Any
    revoked: Any = None


def _v2_id(rid: Any) -> Any:
    if isinstance(rid, str):
        try:
            return uuid.UUID(rid).hex
        except ValueError:
            return rid
    return rid


def _guess(v1_type: str) -> V2Action:
    low = v1_type.lower()
    if any(verb in low for verb in ("add", "create", "pending")):
        kind = "create"
    elif any(verb in low for verb in ("del", "remove", "revoke")):
        kind = "delete"
    elif any(verb in low for verb in ("view", "get", "list")):
        kind = "view"
    else:
        kind = "update"
    return V2Action(kind, v1_type, "", "", "", METHODS[kind], "/accounts/{account}")


class V2Converter:
    """Turns v1 records of one account into v2 records (see the module docstring).

    Built over all the records (each with a sort key, oldest smallest), because the token
    an API call used depends on the tokens created before it.
    """

    def __init__(
        self,
        keyed: Iterable[tuple[Any, Mapping[str, Any]]],
        account_id: str,
        account_name: str,
        zone_ids: Mapping[str, str] | None = None,
    ) -> None:
        self.account = {"id": account_id, "name": account_name}
        self.zone_ids = {name.lower(): zid for name, zid in (zone_ids or {}).items()}
        self.tokens: list[_Token] = []
        for key, rec in sorted(keyed, key=lambda pair: pair[0]):
            self._track_token(key, rec)

    def _track_token(self, key: Any, rec: Mapping[str, Any]) -> None:
        kind = _mapping(rec.get("action")).get("type")
        if kind not in ("token_create", "token_revoke"):
            return
        meta = _mapping(rec.get("metadata"))
        owner = _text(_mapping(rec.get("actor")).get("id"))
        name, tag = _text(meta.get("token_name")), _text(meta.get("token_tag"))
        if owner is None or name is None or tag is None:
            return
        if kind == "token_create":
            self.tokens.append(_Token(owner, name, tag, key))
            return
        for token in self.tokens:
            if token.owner == owner and token.name == name and token.revoked is None:
                token.revoked = key

    def _live_tokens(self, owner: str, key: Any) -> list[_Token]:
        return [
            token
            for token in self.tokens
            if token.owner == owner
            and token.created <= key
            and (token.revoked is None or key < token.revoked)
            and not token.name.lower().startswith("read")
        ]

    # -- parts of a record ---------------------------------------------------------
    def _context(
        self, key: Any, rec: Mapping[str, Any], actor: Mapping[str, Any], roll: int
    ) -> tuple[str, _Token | None]:
        if rec.get("interface") != "API":
            return "dash", None
        owner = _text(actor.get("id")) or ""
        live = self._live_tokens(owner, key)
        if actor.get("ip") == CI_IP and live:
            values = _mapping(rec.get("newValueJson")) or _mapping(rec.get("oldValueJson"))
            name = str(values.get("name", ""))
            wanted = "cert-manager" if name.startswith("_acme-challenge") else "terraform-ci"
            chosen = next((token for token in live if token.name == wanted), live[0])
            return "api_token", chosen
        if live and roll < 6:
            return "api_token", live[0]
        if roll < 8:
            return "api_key", None
        oauth_id = _digest(f"oauth:{owner}")[:16].hex()
        return "oauth", _Token(owner, _OAUTH_TOKEN, oauth_id, key)

    def _actor(
        self, key: Any, rec: Mapping[str, Any], roll: int
    ) -> tuple[dict[str, Any], str | None]:
        v1 = _mapping(rec.get("actor"))
        v1_type = v1.get("type")
        v2_type = _ACTOR_TYPES.get(v1_type, v1_type) if isinstance(v1_type, str) else None
        out: dict[str, Any] = {}
        if "id" in v1:
            out["id"] = v1["id"]
        user_agent, token = None, None
        if v2_type != "system":
            context, token = self._context(key, rec, v1, roll)
            out["context"] = context
            user_agent = self._user_agent(context, token, v1)
        if "email" in v1:
            out["email"] = v1["email"]
        if "ip" in v1:
            out["ip_address"] = v1["ip"]
        if token is not None:
            out["token_id"] = token.id
            out["token_name"] = token.name
        if v2_type is not None:
            out["type"] = v2_type
        return out, user_agent

    @staticmethod
    def _user_agent(context: str, token: _Token | None, actor: Mapping[str, Any]) -> str:
        if token is not None:
            return _TOOL_UAS.get(token.name, _TOOL_UA)
        if context == "api_key":
            return _KEY_UA
        ip = actor.get("ip")
        if ip == ATTACKER_IP:
            return _ATTACKER_UA
        if ip == BRUTE_FORCE_IP:
            return _SCRIPT_UA
        return _BROWSERS[_digest(f"ua:{actor.get('id')}")[0] % len(_BROWSERS)]

    def _zone(self, rec: Mapping[str, Any]) -> dict[str, Any] | None:
        meta = _mapping(rec.get("metadata"))
        name = _text(meta.get("zone_name"))
        if name is None:
            return None
        zid = self.zone_ids.get(name.lower()) or _text(meta.get("zone_id"))
        if zid is None:
            resource = _mapping(rec.get("resource"))
            if resource.get("type") == "zone":
                zid = _text(resource.get("id"))
        if zid is None:
            for side in ("newValueJson", "oldValueJson"):
                zid = zid or _text(_mapping(rec.get(side)).get("zone_id"))
        out: dict[str, Any] = {}
        if zid is not None:
            out["id"] = zid
        out["name"] = name
        return out

    # -- a record ------------------------------------------------------------------
    def convert(self, key: Any, rec: Mapping[str, Any]) -> dict[str, Any]:
        """The v2 record of ``rec`` (``key``: its place in time, as given to the constructor)."""
        rid = rec.get("id")
        digest = _digest(str(rid))
        action = _mapping(rec.get("action"))
        v1_type = action.get("type")
        spec = V2_ACTIONS.get(v1_type) if isinstance(v1_type, str) else None
        if spec is None:
            spec = _guess(v1_type if isinstance(v1_type, str) else "")
        ok = action.get("result") is not False
        zone = self._zone(rec)
        actor, user_agent = self._actor(key, rec, digest[8] % 10)
        out: dict[str, Any] = {}
        if rid is not None:
            out["id"] = _v2_id(rid)
        out["account"] = dict(self.account)
        v2_action: dict[str, Any] = {"description": spec.description, "result": "success"}
        if not ok:
            v2_action["result"] = "failure"
        if "when" in rec:
            v2_action["time"] = rec["when"]
        v2_action["type"] = spec.type
        out["action"] = v2_action
        out["actor"] = actor
        res_id = self._resource_id(rec, v1_type, zone, actor)
        if user_agent is not None:
            ids = {
                "account": self.account["id"],
                "zone": (zone or {}).get("id", ""),
                "id": res_id or "",
                "user": actor.get("id", ""),
            }
            status = 200 if ok else (403 if v1_type == "login" else 400)
            out["raw"] = {
                "cf_ray_id": digest[:8].hex(),
                "method": spec.method,
                "status_code": status,
                "uri": spec.uri.format(**ids),
                "user_agent": user_agent,
            }
        out["resource"] = self._resource(rec, v1_type, spec, res_id, zone)
        if zone is not None:
            out["zone"] = zone
        return out

    def _resource_id(
        self,
        rec: Mapping[str, Any],
        v1_type: Any,
        zone: Mapping[str, Any] | None,
        actor: Mapping[str, Any],
    ) -> Any:
        meta = _mapping(rec.get("metadata"))
        v1_res = _mapping(rec.get("resource"))
        if v1_res.get("type") == "DNS_record":
            values = _mapping(rec.get("newValueJson")) or _mapping(rec.get("oldValueJson"))
            if _text(values.get("id")):
                return values["id"]
        if v1_type == "change_setting" and _text(meta.get("name")):
            return meta["name"]
        if v1_type in ("token_create", "token_roll", "token_revoke") and _text(
            meta.get("token_tag")
        ):
            return meta["token_tag"]
        if v1_type == "pending" and zone is not None and "id" in zone:
            return zone["id"]
        if v1_type == "login" and "id" in actor:
            return actor["id"]
        if v1_type in ("2fa_enforcement_enable", "2fa_enforcement_disable"):
            return self.account["id"]
        return v1_res.get("id")

    def _resource(
        self,
        rec: Mapping[str, Any],
        v1_type: Any,
        spec: V2Action,
        res_id: Any,
        zone: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        meta = _mapping(rec.get("metadata"))
        product, rtype, scope = spec.product, spec.resource_type, spec.scope
        if v1_type == "change_setting":
            product = SETTING_PRODUCTS.get(str(meta.get("name")), "zones")
        v1_res_type = _mapping(rec.get("resource")).get("type")
        if not rtype:
            rtype = v1_res_type.lower() if isinstance(v1_res_type, str) else "unknown"
            product = "dns" if rtype == "dns_record" else rtype + "s"
            scope = "zones" if zone is not None else "accounts"
        out: dict[str, Any] = {}
        if res_id is not None:
            out["id"] = res_id
        out["product"] = product
        request, before, after = _change(rec, v1_type, res_id, self.account["id"], zone)
        if request is not None:
            out["request"] = request
        if before is not None or after is not None:
            response: dict[str, Any] = {}
            if before is not None:
                response["before"] = before
            if after is not None:
                response["after"] = after
            out["response"] = response
        out["scope"] = scope
        out["type"] = rtype
        return out


_DNS_BODY = ("type", "name", "content", "priority", "ttl", "proxied")


def _change(
    rec: Mapping[str, Any],
    v1_type: Any,
    res_id: Any,
    account_id: str,
    zone: Mapping[str, Any] | None,
) -> tuple[Any, Any, Any]:
    """``(request, before, after)`` of a change (``None`` where there is none)."""
    meta = _mapping(rec.get("metadata"))
    new = _mapping(rec.get("newValueJson")) or None
    old = _mapping(rec.get("oldValueJson")) or None
    if v1_type in ("rec_add", "rec_set", "rec_del"):
        body = None
        if new is not None:
            body = {k: new[k] for k in _DNS_BODY if k in new}
            if old is not None:
                body = {k: v for k, v in body.items() if old.get(k) != v}
        return body, old, new
    if v1_type == "change_setting":
        name, value = meta.get("name"), meta.get("value")
        if isinstance(value, bool):
            previous: Any = not value
        else:
            previous = rec.get("oldValue")
            if isinstance(value, int) and isinstance(previous, str) and previous.isdigit():
                previous = int(previous)
        return {"value": value}, {"id": name, "value": previous}, {"id": name, "value": value}
    if v1_type in ("token_create", "token_roll", "token_revoke"):
        token = {"id": res_id, "name": meta.get("token_name")}
        if v1_type == "token_create":
            return {"name": meta.get("token_name")}, None, {**token, "status": "active"}
        if v1_type == "token_roll":
            return (
                {},
                {**token, "value_hash": meta.get("old_token_hash")},
                {**token, "value_hash": meta.get("new_token_hash")},
            )
        return None, {**token, "status": meta.get("old_token_status", "active")}, None
    if v1_type in ("member_add", "member_role_change", "member_remove"):
        email = meta.get("member_email")
        if v1_type == "member_add":
            roles = meta.get("roles")
            member = {"id": res_id, "email": email, "roles": roles, "status": "pending"}
            return {"email": email, "roles": roles}, None, member
        if v1_type == "member_role_change":
            return (
                {"roles": meta.get("new_roles")},
                {"id": res_id, "email": email, "roles": meta.get("old_roles")},
                {"id": res_id, "email": email, "roles": meta.get("new_roles")},
            )
        return None, {"id": res_id, "email": email, "roles": meta.get("roles")}, None
    if v1_type in ("2fa_enforcement_enable", "2fa_enforcement_disable"):
        on = v1_type == "2fa_enforcement_enable"
        return (
            {"settings": {"enforce_twofactor": on}},
            {"id": account_id, "settings": {"enforce_twofactor": not on}},
            {"id": account_id, "settings": {"enforce_twofactor": on}},
        )
    if v1_type == "pending" and zone is not None:
        body = {"name": zone.get("name"), "account": {"id": account_id}}
        return body, None, {"id": zone.get("id"), "name": zone.get("name"), "status": "pending"}
    if v1_type == "purge":
        return {"purge_everything": True}, None, None
    if v1_type == "tls_settings_deployed":
        return None, None, new
    if v1_type == "certificate_renewal":
        renewed = {k: v for k, v in meta.items() if k != "zone_name"}
        return None, None, renewed or None
    if v1_type == "rotate_API_key":
        info = _mapping(rec.get("action")).get("info")
        if isinstance(info, str) and info.startswith("key digest: "):
            return {}, None, {"key_digest": info.removeprefix("key digest: ")}
        return None, None, None
    if new is not None or old is not None:
        return new, old, new
    before, after = _text(rec.get("oldValue")), _text(rec.get("newValue"))
    before = None if before == "null" else before
    after = None if after == "null" else after
    if before is None and after is None:
        return None, None, None
    return (
        None if after is None else {"value": after},
        None if before is None else {"value": before},
        None if after is None else {"value": after},
    )


def _time_key(rec: Mapping[str, Any]) -> int:
    when = rec.get("when")
    try:
        return parse_timestamp_ns(when) if isinstance(when, str) else _NS_MIN
    except ValueError:
        return _NS_MIN


def v2_records_from_v1(
    records: Iterable[Mapping[str, Any]],
    *,
    account_id: str,
    account_name: str,
    zone_ids: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Read v1 audit-log records of one account as v2 records, in the same order.

    Parameters
    ----------
    records
        v1 records (any mappings; odd ones are read as far as they go, never rejected).
    account_id, account_name
        The account, written to every record's ``account``.
    zone_ids
        Zone id per zone name, for ``zone.id`` (else taken from the record when it has
        one).

    Returns
    -------
    list of dict
        One v2 record per v1 record, as described in :mod:`auditkit.sandbox._v2shape`.

    Examples
    --------
    >>> v1 = {"id": "166812e9-be49-4ea3-972a-b28c9773ca30", "when": "2026-09-30T10:00:00Z",
    ...       "action": {"result": True, "type": "purge"}, "interface": "",
    ...       "actor": {"email": "ana@example.net", "id": "u1", "ip": "192.0.2.140",
    ...                 "type": "user"}, "metadata": {"zone_name": "example.com"},
    ...       "resource": {"id": "z1", "type": "zone"}}
    >>> [v2] = v2_records_from_v1([v1], account_id="a" * 32, account_name="Example Corp")
    >>> v2["id"], v2["action"]["type"], v2["actor"]["context"], v2["raw"]["uri"]
    ('166812e9be494ea3972ab28c9773ca30', 'create', 'dash', '/zones/z1/purge_cache')
    """
    keyed = [(_time_key(rec), rec) for rec in records]
    conv = V2Converter(keyed, account_id, account_name, zone_ids)
    return [conv.convert(key, rec) for key, rec in keyed]
