"""check-log, OCPP 1.6 §4.5, §5.19 (issue 17; SAP simulator fuzz seed 91 trace, frame 719: a false FirmwareStatusOutOfOrder,
'FirmwareStatusNotification Installed after the request').

A final status said again by the update process that reported it is taken as it is (Worlds._final_again, sap-51), but
only with no new request since. The SAP simulator's update runs on a timer that outlives its reboots: it said Installed
at its boot, skipped a new UpdateFirmware ("a firmware update lifecycle is already in flight"), answered a triggered
status Idle, then said Installed again from that timer. The log cannot tell the processes apart while the new one has
reported nothing: the repeat is allowed then too; once the new one has begun, its statuses are judged in order.
"""

from __future__ import annotations

from pathlib import Path

from properties.checklog import check
from test_checklog import BOOT, Log, T0, rules
from vocabulary.dates import iso

FIRMWARE = {"configurationKey": [
    {"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,FirmwareManagement,RemoteTrigger"}]}


def _update(log: Log, t: float) -> Log:
    return log.cs(t, "UpdateFirmware", {"location": "ftp://127.0.0.1/firmware.bin", "retrieveDate": iso(T0 + t + 2)}, {})


def _fw(log: Log, t: float, status: str) -> Log:
    return log.cp(t, "FirmwareStatusNotification", {"status": status})


def _installed_then_a_new_request(begun: bool) -> Log:
    """An update installed across its reboot (Installed at the boot), a new UpdateFirmware, a triggered Idle, then
    Installed again 20 s later. ``begun``: the new process reported Downloading first."""
    log = Log().boot(connectors=1).cs(1, "GetConfiguration", {"key": ["SupportedFeatureProfiles"]}, FIRMWARE)
    _update(log, 5)
    _fw(_fw(_fw(log, 10, "Downloading"), 20, "Downloaded"), 30, "Installing")
    log.cp(40, "BootNotification", BOOT, {"status": "Accepted", "currentTime": iso(T0 + 40), "interval": 300})
    log.status(40.01, 0, "Available").status(40.02, 1, "Available")
    _fw(log, 40.03, "Installed")
    _update(log, 50)
    log.cs(55, "TriggerMessage", {"requestedMessage": "FirmwareStatusNotification"}, {"status": "Accepted"})
    _fw(log, 55.01, "Idle")
    if begun:
        _fw(log, 60, "Downloading")
    _fw(log, 70, "Installed")
    return log.cp(100, "Heartbeat", {}, {"currentTime": iso(T0 + 100)})


def test_4_5_a_final_status_again_after_a_request_not_begun_is_taken_as_it_is(tmp_path: Path):
    """Before: FirmwareStatusOutOfOrder at the second Installed."""
    path = _installed_then_a_new_request(begun=False).jsonl(tmp_path / "again.jsonl")
    assert rules(check([path])) == set()


def test_4_5_installed_right_after_downloading_of_the_new_request_is_still_out_of_order(tmp_path: Path):
    path = _installed_then_a_new_request(begun=True).jsonl(tmp_path / "begun.jsonl")
    assert rules(check([path])) == {"FirmwareStatusOutOfOrder"}
