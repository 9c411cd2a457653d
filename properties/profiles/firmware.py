"""Rules of the Firmware Management profile (OCPP 1.6 §5.9, §5.19) for :class:`properties.machine.OcppMachine`.

UpdateFirmware with retrieveDate now or in 60 s, retries 0..2 and
retryInterval 30 or 60; GetDiagnostics with retries, retryInterval and a
start/stop time or not; the faults SetFirmwareFailure and SetUploadFailure.
A new request waits until the model has no transfer of its kind under way:
what a Charge Point does with a second update during the first is not in the
spec. Date-times are computed from the model's clock, so traces replay
identically.
"""

from __future__ import annotations

import datetime

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

FIRMWARE_URL = "ftp://127.0.0.1/firmware.bin"
DIAGNOSTICS_URL = "ftp://127.0.0.1/diagnostics/"
STAGES = (None, "Download", "Install")


def iso(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def idle(transfer) -> bool:
    """No transfer under way: none, one the Charge Point may have abandoned, or one that failed for good."""
    failed = transfer is not None and transfer.last in ("DownloadFailed", "UploadFailed") and transfer.retries is None
    return transfer is None or transfer.uncertain or failed


class FirmwareRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``can`` and ``connectors``."""

    @precondition(lambda self: self.online() and idle(self.model.firmware.update))
    @rule(later=st.sampled_from((0, 60)), retries=st.integers(0, 2), interval=st.sampled_from((30, 60)))
    def update_firmware(self, later, retries, interval):
        self.do({"op": "UpdateFirmware", "location": FIRMWARE_URL, "retrieveDate": iso(self.model.time + later),
                 "retries": retries, "retryInterval": interval})

    @precondition(lambda self: self.online() and idle(self.model.firmware.upload))
    @rule(retries=st.sampled_from((None, 0, 1, 2)), interval=st.sampled_from((30, 60)), window=st.booleans())
    def get_diagnostics(self, retries, interval, window):
        step = {"op": "GetDiagnostics", "location": DIAGNOSTICS_URL}
        if retries is not None:
            step.update(retries=retries, retryInterval=interval)
        if window:
            step.update(startTime=iso(self.model.time - 3600), stopTime=iso(self.model.time))
        self.do(step)

    @precondition(lambda self: self.can("SetFirmwareFailure"))
    @rule(stage=st.sampled_from(STAGES))
    def set_firmware_failure(self, stage):
        if self.model.firmware.firmware_failure != stage:
            self.do({"op": "SetFirmwareFailure", "stage": stage})

    @precondition(lambda self: self.can("SetUploadFailure"))
    @rule(failing=st.booleans())
    def set_upload_failure(self, failing):
        if self.model.firmware.upload_failing != failing:
            self.do({"op": "SetUploadFailure", "failing": failing})
