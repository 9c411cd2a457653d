"""§3.5, §4.9 A2/B1, §4.8: a second card presented at a connector where another idTag is authorized and waits for its
cable. The spec does not say which of the two counts: the new one may replace the first, or be ignored (the
MicroOcppSimulator kept the first and started its transaction when the cable came, the second taken from its Local
Authorization List: h51 mo-61, session 8). Either may start the transaction."""

from __future__ import annotations

from test_model_core import OTHER, TAG, Trace, authorize, sn, start_tx, step


def two_cards() -> Trace:
    """OTHER is cached Accepted (LocalPreAuthorize: taken at once, §3.5), then TAG waits at connector 1 and OTHER is
    presented there too."""
    trace = Trace(LocalPreAuthorize=True)
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), authorize(OTHER), sn(2, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), sn(1, "Preparing"))
    return trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER))


def test_4_8_the_first_card_may_still_start_when_the_second_is_ignored():
    assert two_cards().do(step("PlugIn", connectorId=1), start_tx(1, TAG), sn(1, "Charging")) == []


def test_4_8_the_second_card_may_start_too():
    assert two_cards().do(step("PlugIn", connectorId=1), start_tx(1, OTHER), sn(1, "Charging")) == []


def test_3_5_an_idtag_never_presented_there_may_not_take_the_owed_start():
    """The start owed when the cable came is the authorized card's (§3.6, §4.8): a StartTransaction for an idTag
    never presented nor authorized there is StartTransactionWithoutAuthorization, even while that start is owed."""
    trace = Trace()
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), sn(1, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER))
    found = trace.do(step("PlugIn", connectorId=1), start_tx(1, "TAG3"), sn(1, "Charging"))
    assert "StartTransactionWithoutAuthorization" in found
