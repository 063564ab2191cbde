"""SECURITY.md 9-10: receipts from ``secrets``, 80 bits in 16 Crockford symbols (4 groups
of 4), forgiving input; the 25-symbol receipts issued before still open their tips."""

import math

import pytest

from reports.intake import receipts, tokens


def test_receipt_shape_and_entropy():
    receipt = receipts.generate()
    groups = receipt.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4]
    assert set("".join(groups)) <= set(receipts.ALPHABET)
    assert receipts.BITS == 16 * math.log2(len(receipts.ALPHABET)) == 80
    assert len({receipts.generate() for _ in range(2000)}) == 2000


def test_alphabet_leaves_out_confusable_letters():
    assert not set("ILOU") & set(receipts.ALPHABET)
    assert len(receipts.ALPHABET) == 32


def test_normalisation_forgives_case_spaces_and_confusables():
    receipt = "AB1C-D0EF-GHJK-MNPV"
    canonical = receipts.normalize(receipt)
    assert canonical == "AB1CD0EFGHJKMNPV"
    assert receipts.normalize("ab1c d0ef ghjk mnpv") == canonical
    assert receipts.normalize("ABlC-DOEF-GHJK-MNPV") == canonical  # l→1, O→0
    assert receipts.normalize("ABIC-DoEF-GHJK-MNPu") == canonical  # I→1, o→0, u→V (written alike)
    # Pasted from a notes app or typed on a phone: no-break spaces, other dashes, full width.
    assert receipts.normalize("AB1C\u2011D0EF\u2013GHJK\u2014MNPV") == canonical
    assert receipts.normalize("AB1C\u00a0D0EF\u202fGHJK\u2212MNPV\n") == canonical
    assert receipts.normalize("\uff21\uff22\uff11\uff23\uff0dD0EF-GHJK-MNPV") == canonical  # ＡＢ１Ｃ－
    assert receipts.normalize("too short") is None
    assert receipts.normalize("AB1C-D0EF-GHJK-MNP*") is None
    assert receipts.normalize("AB1C-D0EF-GHJK-MNPV-W") is None  # neither 16 nor 25 symbols


def test_receipts_issued_before_keep_working():
    """25-symbol receipts (five groups of five) were given out until the short form: they
    are still read, shown in their own grouping, and hash as they always did."""
    old = "AB1CD-0EFGH-JKMNP-QRSTV-WXYZ2"
    assert receipts.normalize(old.lower().replace("-", " ")) == old.replace("-", "")
    assert receipts.format_receipt(old.replace("-", "")) == old
    assert receipts.receipt_hash(old) == receipts.receipt_hash("ab1cd0efghjkmnpqrstvwxyz2")
    assert receipts.receipt_hash(old) != receipts.receipt_hash(old[:19])


def test_hash_uses_the_pepper_not_the_secret_key(settings):
    receipt = receipts.generate()
    first = receipts.receipt_hash(receipt)
    assert len(first) == 64
    settings.RECEIPT_PEPPER = "another-pepper-" + "x" * 40
    assert receipts.receipt_hash(receipt) != first
    settings.SECRET_KEY = "changed-secret-key-" + "y" * 40
    assert receipts.receipt_hash(receipt) == receipts.receipt_hash(receipt.lower())


def test_pepper_is_not_the_secret_key(settings):
    assert settings.RECEIPT_PEPPER != settings.SECRET_KEY


@pytest.mark.parametrize("_", range(20))
def test_receipt_derived_from_a_form_token_is_well_formed_and_stable(_, settings):
    settings.TIP_FORM_MIN_SECONDS = 0
    token = tokens.check(tokens.issue())
    assert isinstance(token, tokens.FormToken)
    assert receipts.normalize(token.receipt) is not None
    assert token.receipt == tokens.check(token.value).receipt
