"""Errata 3.49, §4.5: a connector the Charge Point made Unavailable for a firmware update stays allowed Unavailable
across an outage (SAP simulator fuzz seed 91 on 0b4e27f: a false StatusNotReported).

The SAP simulator reports its free connectors Unavailable at the retrieveDate, then Downloading (errata 3.49: "It is
RECOMMENDED to set connectors that are not in use to UNAVAILABLE"). The model allowed Unavailable only while the update
was surely busy (model/firmware.py ``busy``); after NetworkDown and NetworkUp the update is ``unseen`` (its statuses may
have been lost offline, §4.5), no longer surely busy, and the connector still Unavailable was flagged "now Available".
Offline, the statuses that would end the update may have been lost, not the update: it may still be under way.
"""

from __future__ import annotations

from test_model_core import down, result, sn, step, up
from test_model_firmware import fw, update, wait
from test_model_trigger import with_trigger


def test_errata_3_49_unavailable_for_an_update_across_an_outage():
    """Before: StatusNotReported at the NetworkUp (connector 1 last reported Unavailable, but it is now Available)."""
    trace = with_trigger()
    trace.ok(update(trace), result(), sn(1, "Unavailable"), fw("Downloading"))
    trace.ok(step("NetworkDown"), down())
    trace.ok(step("NetworkUp"), up())
    trace.ok(wait(2))


def test_4_9_unavailable_after_an_outage_with_the_update_over_is_still_flagged():
    """The update was over before the outage (DownloadFailed with retries 0, §6.55): nothing makes connector 1
    Unavailable then, nor after the outage."""
    trace = with_trigger()
    trace.ok(update(trace, retries=0), result(), sn(1, "Unavailable"), fw("Downloading"))
    assert trace.do(wait(1), fw("DownloadFailed")) == ["StatusNotReported"]
    trace.ok(step("NetworkDown"), down())
    assert trace.do(step("NetworkUp"), up()) == ["StatusNotReported"]
