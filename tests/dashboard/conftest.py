import pytest


@pytest.fixture
def clayton_tip(make_tip, clayton_high):
    """A tip about Clayton High: routed to Clayton schools and Clayton PD only."""
    return make_tip(
        school=clayton_high,
        description="Someone showed a knife behind the gym.",
        location="Behind the gym",
        contact_details="555-0142",
    ).tip


@pytest.fixture
def kirkwood_tip(make_tip, kirkwood_high):
    return make_tip(school=kirkwood_high, description="Fight planned at the bus loop.").tip
