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
