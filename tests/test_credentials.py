"""Credentials: precedence, validation, and that the secret never shows."""

from __future__ import annotations

import pickle

import pytest

from auditkit.errors import InvalidParameterError, MissingCredentialsError
from auditkit.http import Credentials, resolve_credentials

TOKEN = "tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0SECRET"
KEY = "key_0a1b2c3d4e5f60718293a4b5c6d7e8f9SECRET"


def test_token_header() -> None:
    assert Credentials.from_token(TOKEN).headers() == {"Authorization": f"Bearer {TOKEN}"}


def test_global_key_headers() -> None:
    creds = Credentials.from_global_key("me@example.com", KEY)
    assert creds.headers() == {"X-Auth-Email": "me@example.com", "X-Auth-Key": KEY}


def test_arguments_beat_environment() -> None:
    env = {"CLOUDFLARE_API_TOKEN": "envtoken"}
    assert resolve_credentials(token=TOKEN, env=env).headers()["Authorization"] == f"Bearer {TOKEN}"
    assert resolve_credentials(env=env).headers()["Authorization"] == "Bearer envtoken"


def test_environment_token_beats_environment_key() -> None:
    env = {"CLOUDFLARE_API_TOKEN": "t", "CLOUDFLARE_EMAIL": "a@b.c", "CLOUDFLARE_API_KEY": "k"}
    assert resolve_credentials(env=env).kind == "token"
    del env["CLOUDFLARE_API_TOKEN"]
    assert resolve_credentials(env=env).headers() == {"X-Auth-Email": "a@b.c", "X-Auth-Key": "k"}


def test_no_credentials_says_how_to_pass_one_and_try_the_sandbox() -> None:
    with pytest.raises(MissingCredentialsError) as info:
        resolve_credentials(env={})
    text = str(info.value)
    assert "CLOUDFLARE_API_TOKEN" in text and "token=" in text
    assert "sandbox" in text


def test_half_a_key_pair_in_env_is_named() -> None:
    with pytest.raises(MissingCredentialsError, match="CLOUDFLARE_API_KEY"):
        resolve_credentials(env={"CLOUDFLARE_EMAIL": "a@b.c"})


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"token": TOKEN, "email": "a@b.c", "api_key": KEY}, "token"),
        ({"email": "a@b.c"}, "api_key"),
        ({"api_key": KEY}, "email"),
        ({"token": ""}, "token"),
        ({"token": "abc def"}, "token"),
        ({"token": "abc\r\nX-Evil: 1"}, "token"),
        ({"token": 12345}, "token"),
    ],
)
def test_bad_credentials_name_the_parameter_not_the_value(kwargs: dict, parameter: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        resolve_credentials(env={}, **kwargs)
    assert info.value.parameter == parameter
    assert TOKEN not in str(info.value) and KEY not in str(info.value)


def test_secret_never_in_repr_str_or_pickle() -> None:
    creds = Credentials.from_global_key("me@example.com", KEY)
    assert KEY not in repr(creds) and KEY not in str(creds)
    assert repr(creds) == "Credentials(kind='global_key', secret=<redacted>)"
    with pytest.raises(TypeError):
        pickle.dumps(creds)


def test_fingerprint_is_stable_distinct_and_not_the_secret() -> None:
    a = Credentials.from_token(TOKEN)
    b = Credentials.from_token(TOKEN + "x")
    assert a.fingerprint == Credentials.from_token(TOKEN).fingerprint
    assert a.fingerprint != b.fingerprint
    assert len(a.fingerprint) == 32
    assert TOKEN not in a.fingerprint
    k = Credentials.from_global_key("me@example.com", TOKEN)
    assert k.fingerprint != a.fingerprint
