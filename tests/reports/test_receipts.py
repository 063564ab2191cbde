"""SECURITY.md 9-10: receipts from ``secrets``, 125 bits, Crockford base32, forgiving input."""

import math

import pytest

from reports.intake import receipts, tokens


def test_receipt_shape_and_entropy():
    receipt = receipts.generate()
    groups = receipt.split("-")
    assert [len(g) for g in groups] == [5, 5, 5, 5, 5]
    assert set("".join(groups)) <= set(receipts.ALPHABET)
    assert receipts.BITS == 25 * math.log2(len(receipts.ALPHABET)) == 125
    assert len({receipts.generate() for _ in range(2000)}) == 2000


def test_alphabet_leaves_out_confusable_letters():
    assert not set("ILOU") & set(receipts.ALPHABET)
    assert len(receipts.ALPHABET) == 32


def test_normalisation_forgives_case_spaces_and_confusables():
    receipt = "AB1CD-0EFGH-JKMNP-QRSTV-WXYZ2"
    canonical = receipts.normalize(receipt)
    assert receipts.normalize("ab1cd 0efgh jkmnp qrstv wxyz2") == canonical
    assert receipts.normalize("ABlCD-OEFGH-JKMNP-QRSTV-WXYZ2") == canonical  # l→1, O→0
    assert receipts.normalize("ABICD-oEFGH-JKMNP-QRSTV-WXYZ2") == canonical  # I→1, o→0
    assert receipts.normalize("too short") is None
    assert receipts.normalize("AB1CD-0EFGH-JKMNP-QRSTV-WXYZU") is None  # U is not a symbol


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
