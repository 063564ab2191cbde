"""The acts listed in RSMo 167.115.1, as the statute stood after the 2017 criminal code
revision (sections as renumbered then). Loaded by a data migration; coordinators keep the
list current in the admin (Casework → Safe Schools Act offences): an act that leaves the
statute is switched off, not deleted, so older notices keep naming it."""

from __future__ import annotations

OFFENCES = [
    ("First-degree murder", "section 565.020"),
    ("Second-degree murder", "section 565.021"),
    ("Kidnapping in the first degree", "section 565.110"),
    ("First-degree assault", "section 565.050"),
    ("Rape in the first degree", "section 566.030"),
    ("Sodomy in the first degree", "section 566.060"),
    ("Burglary in the first degree", "section 569.160"),
    ("Robbery in the first degree", "section 570.023 (formerly 569.020)"),
    ("Distribution of drugs / manufacture of a controlled substance", "section 579.055 (formerly 195.211)"),
    ("Distribution of drugs to a minor / delivery of a controlled substance", "section 579.020 (formerly 195.212)"),
    ("Arson in the first degree", "section 569.040"),
    ("Voluntary manslaughter", "section 565.023"),
    ("Involuntary manslaughter", "section 565.024"),
    ("Second-degree assault", "section 565.052 (formerly 565.060)"),
    ("Rape in the second degree", "section 566.031"),
    ("Kidnapping in the second degree (formerly felonious restraint)", "section 565.120"),
    ("Property damage in the first degree", "section 569.100"),
    ("Possession of a weapon", "chapter 571"),
    ("Child molestation in the first degree", "section 566.067"),
    ("Sodomy in the second degree", "section 566.061"),
    ("Sexual misconduct involving a child", "section 566.083"),
    ("Sexual abuse in the first degree", "section 566.100"),
]


def load(offence_model) -> None:
    """Add the listed acts that are missing (``offence_model``: the model, or the
    migration's historical model)."""
    for order, (name, statute) in enumerate(OFFENCES, start=1):
        offence_model.objects.get_or_create(name=name, defaults={"statute": statute, "display_order": order * 10})
