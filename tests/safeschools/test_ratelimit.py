"""SECURITY.md 3 and 29: rate-limit keys are an HMAC of the address that rotates each hour,
never the address; counters live only in the cache; a cache fault allows the request."""

import time_machine
from django.core.cache import cache
from django.test import RequestFactory

from safeschools.ratelimit import client_key, limited
from tests.cache_keys import cache_keys, seconds_left

ADDRESS = ".".join(["192", "0", "2", "44"])


def request_from(address: str, **extra):
    return RequestFactory().post("/report/", REMOTE_ADDR=address, **extra)


def test_key_is_an_hmac_not_the_address():
    key = client_key("tip-submit", request_from(ADDRESS))
    assert ADDRESS not in key and len(key) == 64
    assert key == client_key("tip-submit", request_from(ADDRESS))
    assert key != client_key("tip-submit", request_from(".".join(["192", "0", "2", "45"])))


def test_key_rotates_every_hour():
    with time_machine.travel(1_800_000_000, tick=False):
        first = client_key("g", request_from(ADDRESS))
    with time_machine.travel(1_800_000_000 + 3600, tick=False):
        assert client_key("g", request_from(ADDRESS)) != first


def test_key_changes_with_the_secret(settings):
    first = client_key("g", request_from(ADDRESS))
    settings.RATELIMIT_KEY_SECRET = "another-secret-" + "z" * 40
    assert client_key("g", request_from(ADDRESS)) != first


def test_proxy_header_is_used_when_configured(settings):
    settings.CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"
    behind_proxy = client_key("g", request_from("127.0.0.1", HTTP_X_REAL_IP=ADDRESS))
    settings.CLIENT_ADDRESS_HEADER = ""
    assert behind_proxy == client_key("g", request_from(ADDRESS))


def test_counters_hold_no_address_and_expire(settings):
    cache.clear()
    limited(request_from(ADDRESS), group="probe", per_client="5/m")
    keys = cache_keys()
    assert keys and all(ADDRESS not in k for k in keys)
    expiries = [seconds_left(k) for k in keys]
    assert all(0 < seconds <= 60 + 5 for seconds in expiries)


def test_limits_per_client_and_overall():
    cache.clear()
    assert not limited(request_from(ADDRESS), group="g1", per_client="2/m")
    assert not limited(request_from(ADDRESS), group="g1", per_client="2/m")
    assert limited(request_from(ADDRESS), group="g1", per_client="2/m")
    other = ".".join(["192", "0", "2", "99"])
    assert not limited(request_from(other), group="g1", per_client="2/m")
    assert not limited(request_from(other), group="g2", per_client="9/m", overall="1/m")
    assert limited(request_from(ADDRESS), group="g2", per_client="9/m", overall="1/m")


def test_cache_fault_allows_and_logs(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr("safeschools.ratelimit.is_ratelimited", broken)
    assert limited(request_from(ADDRESS), group="g", per_client="1/m") is False
    assert "rate-limit cache unavailable" in caplog.text
