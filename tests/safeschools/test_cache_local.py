"""safeschools.cache: the shared cache with a few seconds' copy in each process."""

import time
from unittest import mock

import time_machine
from django.core.cache import cache

from safeschools.cache import cached, forget


def test_a_value_is_read_from_the_shared_cache_once_per_few_seconds(settings):
    compute = mock.Mock(return_value="fresh")
    assert cached("k", compute) == "fresh"
    with mock.patch.object(cache, "get", side_effect=AssertionError("asked the shared cache")):
        assert cached("k", compute) == "fresh"
    with time_machine.travel(time.time() + settings.CACHE_LOCAL_SECONDS + 1, tick=False):
        assert cached("k", compute) == "fresh"  # from the shared cache again
    assert compute.call_count == 1


def test_forget_drops_the_local_copy_at_once():
    cached("k", lambda: "old")
    forget("k")
    assert cached("k", lambda: "new") == "new"


def test_turned_off_with_zero_seconds(settings):
    settings.CACHE_LOCAL_SECONDS = 0
    cached("k", lambda: "v")
    with mock.patch.object(cache, "get", return_value="shared") as get:
        assert cached("k", lambda: "v") == "shared"
    assert get.called


def test_refreshed_serves_the_value_while_fresh_then_one_caller_recounts():
    from safeschools.cache import refreshed

    first, counted = refreshed("figures", lambda: 1, fresh=60)
    assert first == 1
    assert refreshed("figures", lambda: 2, fresh=60) == (1, counted)  # still fresh
    with time_machine.travel(time.time() + 61, tick=False):
        assert cache.add("figures:recomputing", 1)  # another request is recounting
        assert refreshed("figures", lambda: 3, fresh=60) == (1, counted)  # the previous figures
        cache.delete("figures:recomputing")
        value, later = refreshed("figures", lambda: 4, fresh=60)
        assert value == 4 and later > counted
        assert not cache.get("figures:recomputing")  # the lock is given back


def test_refreshed_computes_when_the_cache_is_down():
    from safeschools.cache import refreshed

    with mock.patch.object(cache, "get", side_effect=ConnectionError("redis down")):
        assert refreshed("figures", lambda: 5, fresh=60)[0] == 5
