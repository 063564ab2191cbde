"""SECURITY.md 3 and 29: rate-limit keys are an HMAC of the address that rotates each hour,
never the address; counters live only in the cache; a cache fault allows the request. An
IPv6 client is one /64; a client past its own limit spends nothing of the site-wide one;
the answer says how long to wait."""

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

    monkeypatch.setattr("safeschools.ratelimit.get_usage", broken)  # local memory
    monkeypatch.setattr("safeschools.ratelimit._redis_client", broken)  # Redis
    assert limited(request_from(ADDRESS), group="g", per_client="1/m") == 0
    assert "rate-limit cache unavailable" in caplog.text


def test_an_ipv6_client_is_counted_by_its_64():
    """A phone or a home gets a whole /64 and may use any address in it."""
    one = client_key("g", request_from("2001:db8:5:7::1"))
    assert one == client_key("g", request_from("2001:db8:5:7:ffff:ffff:ffff:fffe"))
    assert one != client_key("g", request_from("2001:db8:5:8::1"))
    assert "2001:db8" not in one
    mapped = client_key("g", request_from("::ffff:" + ADDRESS))
    assert mapped == client_key("g", request_from(ADDRESS))


def test_rotating_through_a_64_does_not_escape_the_limit():
    cache.clear()
    verdicts = [limited(request_from(f"2001:db8:5:7::{n:x}"), group="g6", per_client="3/m") for n in range(1, 6)]
    assert [bool(v) for v in verdicts] == [False, False, False, True, True]


def test_a_client_past_its_own_limit_spends_nothing_of_the_overall_limit():
    cache.clear()
    flooder, others = ADDRESS, [".".join(["192", "0", "2", str(n)]) for n in range(100, 105)]
    # Time stands still: each counter has its own one-minute window (django-ratelimit
    # staggers them per key), and on a slow machine 200 requests could straddle an edge
    # of the shared one, which would start its count again.
    with time_machine.travel(1_800_000_000, tick=False):
        for _ in range(200):
            limited(request_from(flooder), group="g3", per_client="5/m", overall="10/m")
        # The flooder's five allowed requests are all it took from the shared ten.
        assert [limited(request_from(a), group="g3", per_client="5/m", overall="10/m") for a in others] == [0] * 5
        assert limited(request_from(others[0]), group="g3", per_client="5/m", overall="10/m") > 0


def test_the_wait_is_the_time_left_in_the_window():
    cache.clear()
    with time_machine.travel(1_800_000_000, tick=False):
        for _ in range(2):
            assert limited(request_from(ADDRESS), group="g4", per_client="2/m") == 0
        wait = limited(request_from(ADDRESS), group="g4", per_client="2/m")
    assert 1 <= wait <= 60


def test_a_limit_per_item_counts_every_client_together():
    cache.clear()
    clients = [".".join(["192", "0", "2", str(n)]) for n in range(10, 14)]
    verdicts = [limited(request_from(a), group="g5", per_client="9/m", item="tip:7", per_item="3/m") for a in clients]
    assert [bool(v) for v in verdicts] == [False, False, False, True]
    assert limited(request_from(clients[0]), group="g5", per_client="9/m", item="tip:8", per_item="3/m") == 0
    assert all("tip:7" not in key for key in cache_keys())  # the item reaches the cache as an HMAC


def test_too_many_sets_retry_after():
    from django.http import HttpResponse

    from safeschools.ratelimit import too_many

    response = too_many(HttpResponse("wait"), 42)
    assert response.status_code == 429 and response["Retry-After"] == "42"
