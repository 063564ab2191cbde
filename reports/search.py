"""Searching tips whose text is encrypted: a keyed blind index of words.

The choice (DESIGN: "search over tip text"): decrypting every visible tip on each search
does not scale to a county's history, and plain-text search columns would undo the
encryption. Instead each word of a tip's text (description, location, people involved, and
the tipster's later messages) is stored as ``HMAC-SHA256(SEARCH_INDEX_KEY, word)``, cut to
128 bits, in ``TipWord``. A search hashes the typed words the same way and matches tips
that contain every one of them.

What it can do: whole words, any order, case and accents ignored ("Jose" finds "José").
What it cannot: parts of words or phrases. What it reveals to someone holding the
database but not the key: which tips share a word, and how many words a tip has — not the
words. Changing ``SEARCH_INDEX_KEY`` requires ``manage.py reindex_search``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.db.models import QuerySet

from reports.models import Message, Tip, TipWord

MIN_LENGTH = 2
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return {w for w in _WORD.findall(plain) if len(w) >= MIN_LENGTH}


def digest(word: str) -> str:
    return hmac.new(settings.SEARCH_INDEX_KEY.encode(), word.encode(), hashlib.sha256).hexdigest()[:32]


def tip_texts(tip: Tip) -> list[str]:
    texts = [tip.description, tip.location, tip.people_involved]
    texts += Message.objects.filter(tip=tip, direction=Message.Direction.FROM_TIPSTER).values_list("body", flat=True)
    return texts


def index_tip(tip: Tip, texts: Iterable[str] | None = None) -> None:
    """(Re)build the index rows of one tip from all of its tipster-written text."""
    found = set().union(*(words(t) for t in (texts if texts is not None else tip_texts(tip)) if t))
    TipWord.objects.filter(tip=tip).delete()
    TipWord.objects.bulk_create(TipWord(tip=tip, digest=digest(w)) for w in sorted(found))


def add_words(tip: Tip, text: str) -> None:
    TipWord.objects.bulk_create(
        (TipWord(tip=tip, digest=digest(w)) for w in sorted(words(text))), ignore_conflicts=True
    )


def matching(tips: QuerySet[Tip], query: str) -> QuerySet[Tip]:
    """Tips of ``tips`` containing every word of ``query``."""
    for word in sorted(words(query)):
        tips = tips.filter(pk__in=TipWord.objects.filter(digest=digest(word)).values("tip_id"))
    return tips
