"""retryInterval of UpdateFirmware.req and GetDiagnostics.req (OCPP 1.6 §6.55, §6.25, §5.19, §5.9, errata 3.50).

"retryInterval: The interval in seconds after which a retry may be attempted. If this field is not present, it is
left to Charge Point to decide how long to wait between attempts." Counted from the previous attempt's start (the
earliest reading) or its failure, the k-th attempt begins no earlier than retryInterval x (k - 1) after the request
(or its retrieveDate). A failed attempt need not be reported, an attempt's Downloading sent offline is lost (§3.7
queues transaction-related messages only), a status may be reported again for the same attempt (triggered, not
answered, after an outage), and a reboot may start the transfer afresh: each of these is accepted.

Blind bug #8 (/work/blind2, B2FirmwareRetryIntervalIgnored): the retry comes 30 s after the failure whatever
retryInterval says: Downloading at 0 s and at 60 s for retryInterval 100.
"""

from __future__ import annotations

import pytest

from model import CpCall
from test_model_core import boot, down, result, statuses, step, up
from test_model_firmware import ALL_AVAILABLE, diag, fw, update, wait
from test_model_trigger import trigger, with_trigger

DOWNLOAD = "FirmwareDownloadRetryInterval"
UPLOAD = "DiagnosticsUploadRetryInterval"


def updating(retries: int = 2, interval: int = 100, later: int = 0):
    trace = with_trigger()
    trace.ok(update(trace, later=later, retries=retries, interval=interval), result())
    if not later:
        trace.ok(wait(0), fw("Downloading", t=0.0))
    return trace


def uploading(retries: int = 2, interval: int = 100):
    trace = with_trigger()
    s = step("GetDiagnostics", location="ftp://127.0.0.1/diagnostics/", retries=retries, retryInterval=interval)
    return trace.ok(s, result(fileName="diag.log"), diag("Uploading", t=0.0))


# -- violations -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("report_failure", [False, True])
def test_6_55_the_blind_bugs_retry_30s_after_the_failure_for_retry_interval_100(report_failure):
    """/work/blind2/minimal/B2FirmwareRetryIntervalIgnored.json: retries 1, retryInterval 100; the attempt fails at
    30 s and is retried at 60 s."""
    trace = updating(retries=1, interval=100)
    failed = [fw("DownloadFailed", t=30.0)] if report_failure else []
    assert trace.do(wait(60), *failed, fw("Downloading", t=60.0)) == [DOWNLOAD]


def test_6_55_the_third_attempt_counts_two_intervals():
    """/work/blind2/minimal/B2FirmwareRetryIntervalIgnored-v2.json: retries 2, retryInterval 300, retries at 60 s
    and 120 s: each is too early."""
    trace = updating(retries=2, interval=300)
    assert trace.do(wait(60), fw("Downloading", t=60.0)) == [DOWNLOAD]
    assert trace.do(wait(60), fw("Downloading", t=120.0)) == [DOWNLOAD]


def test_6_55_the_first_attempt_counts_from_the_retrieve_date():
    trace = updating(retries=1, interval=60, later=60)
    trace.ok(wait(60), fw("Downloading", t=60.0))
    assert trace.do(wait(40), fw("Downloading", t=100.0)) == [DOWNLOAD]


def test_6_25_an_upload_retried_before_the_interval():
    trace = uploading(retries=1, interval=100)
    assert trace.do(wait(50), diag("UploadFailed", t=20.0), diag("Uploading", t=50.0)) == [UPLOAD]


# -- what the spec allows -------------------------------------------------------------------------------


@pytest.mark.parametrize("report_failure", [False, True])
@pytest.mark.parametrize("retry_at", [100.0, 130.0])
def test_6_55_the_interval_may_count_from_the_attempts_start_or_its_failure(report_failure, retry_at):
    """The attempt starts at 0 s and fails at 30 s: a retry at 100 s (from the start) or 130 s (from the failure)."""
    trace = updating(retries=1, interval=100)
    failed = [fw("DownloadFailed", t=30.0)] if report_failure else []
    trace.ok(wait(retry_at), *failed, fw("Downloading", t=retry_at))
    trace.ok(wait(30), fw("DownloadFailed", t=retry_at + 30))


def test_6_55_no_interval_given_leaves_the_wait_to_the_charge_point():
    trace = with_trigger()
    trace.ok(update(trace, retries=None), result(), fw("Downloading", t=0.0))
    trace.ok(wait(31), fw("Downloading", t=31.0))


def test_3_7_an_attempt_reported_offline_is_lost_and_the_next_one_seen_is_in_time():
    """retries 2, retryInterval 100: attempts at 0, 130 (offline, its Downloading lost) and 260 s."""
    trace = updating(retries=2, interval=100)
    trace.ok(wait(40), down(40.0))
    trace.ok(step("NetworkDown"))
    trace.ok(wait(150))
    trace.ok(step("NetworkUp"), up(190.0))
    trace.ok(wait(70), fw("Downloading", t=260.0))
    trace.ok(wait(30), fw("DownloadFailed", t=290.0))


def test_4_5_the_same_attempt_may_be_reported_again_after_an_outage():
    """A Downloading sent just before the connection went may not have been answered: the Charge Point may send it
    again once online. The attempt after it is still judged against the count."""
    trace = updating(retries=2, interval=100)
    trace.ok(step("NetworkDown"), down(5.0))
    trace.ok(wait(5))
    trace.ok(step("NetworkUp"), up(10.0), fw("Downloading", t=10.0))
    trace.ok(wait(120), fw("Downloading", t=130.0))
    assert trace.do(wait(20), fw("Downloading", t=150.0)) == [DOWNLOAD]


def test_4_5_a_status_not_answered_may_be_sent_again():
    """A Downloading the Central System answered with a CALLERROR may be sent again for the same attempt."""
    trace = updating(retries=2, interval=100, later=5)
    unanswered = CpCall("FirmwareStatusNotification", {"status": "Downloading"}, 5.0, answer=None, error="InternalError")
    trace.ok(wait(5), unanswered)
    trace.ok(wait(1), fw("Downloading", t=6.0))
    assert trace.do(wait(1), fw("Downloading", t=7.0)) == [DOWNLOAD]


def test_5_17_a_triggered_status_and_the_attempts_own_report_are_one_attempt():
    """retries 2, retryInterval 100: the second attempt starts at 100 s; a TriggerMessage asks then, and the
    triggered Downloading comes before the attempt's own."""
    trace = updating(retries=2, interval=100)
    trace.ok(wait(30), fw("DownloadFailed", t=30.0))
    trace.ok(wait(70))
    trace.ok(trigger("FirmwareStatusNotification"), result(status="Accepted"), fw("Downloading", t=100.0),
             fw("Downloading", t=101.0))


def test_5_19_after_a_reboot_the_download_may_start_afresh():
    trace = updating(retries=2, interval=100)
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"), down(1.0), up(2.0), boot(t=2.0),
             *statuses(*ALL_AVAILABLE, t=2.0), fw("Downloading", t=2.0))


def test_6_25_an_upload_waiting_the_interval():
    trace = uploading(retries=1, interval=100)
    trace.ok(wait(120), diag("UploadFailed", t=20.0), diag("Uploading", t=120.0))
    trace.ok(wait(20), diag("UploadFailed", t=140.0))


def test_5_19_a_second_request_while_the_first_may_go_on_is_not_judged():
    """The first update, with no retries given, failed and may be retried when the Charge Point decides (§6.55): a
    Downloading after the second request may be either update's, so the second one's attempts are not counted."""
    trace = with_trigger()
    trace.ok(update(trace), result(), fw("Downloading", t=0.0))
    trace.ok(wait(30), fw("DownloadFailed", t=30.0))
    trace.ok(update(trace, retries=1, interval=100), result(), fw("Downloading", t=30.0))
    trace.ok(wait(1), fw("Downloading", t=31.0))
