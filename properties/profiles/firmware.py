"""Rules of the Firmware Management profile (OCPP 1.6 §5.9, §5.19) for :class:`properties.machine.OcppMachine`.

UpdateFirmware with retrieveDate now or in 60 s, retries 0..2 and
retryInterval 30 or 60; GetDiagnostics with retries, retryInterval and a
start/stop time or not; the faults SetFirmwareFailure and SetUploadFailure.
A request may be followed by waiting (AdvanceTime) long enough for a stage or
for the whole transfer, as the OCTT waits after it (TC_044_x, TC_045_x).
A new request waits until the model has no transfer of its kind under way:
what a Charge Point does with a second update during the first is not in the
spec. Date-times are computed from the model's clock, so traces replay
identically.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from ..preconditions import precondition

from vocabulary.dates import iso

from model.firmware import under_way

FIRMWARE_URL = "ftp://127.0.0.1/firmware.bin"
DIAGNOSTICS_URL = "ftp://127.0.0.1/diagnostics/"
STAGES = (None, "Download", "Install")
WAITS = (0, 61, 400)
"""Seconds to wait after a request: none, a stage of the bundled charge point, a whole transfer (with
its retries: :func:`whole`)."""


def whole(wait: int, retries: int | None, interval: int) -> int:
    """A wait for a whole transfer lasts through every retry (§5.9, §5.19: retries, retryInterval)."""
    return wait + (retries or 0) * (interval + wait) if wait == WAITS[-1] else wait




class FirmwareRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``can`` and ``connectors``."""

    @precondition(lambda self: self.online() and not under_way(self.model, "update"))
    @rule(later=st.sampled_from((0, 60)), retries=st.integers(0, 2), interval=st.sampled_from((30, 60)),
          failure=st.sampled_from(STAGES), wait=st.sampled_from(WAITS), ask=st.booleans())
    def update_firmware(self, later, retries, interval, failure, wait, ask):
        """The firmware at the location downloads and installs, or fails at ``failure`` (OCTT TC_044_x); then
        (``ask``) the Central System asks how it goes, if it still goes (§5.17)."""
        if self.model.firmware.firmware_failure != failure and self.can("SetFirmwareFailure"):
            self.do({"op": "SetFirmwareFailure", "stage": failure})
        self.do({"op": "UpdateFirmware", "location": FIRMWARE_URL, "retrieveDate": iso(self.model.time + later),
                 "retries": retries, "retryInterval": interval})
        self.wait(whole(wait, retries if failure == "Download" else 0, interval))
        if ask and self.online() and under_way(self.model, "update"):
            self.ask_progress(True)

    @precondition(lambda self: self.online() and not under_way(self.model, "upload"))
    @rule(retries=st.sampled_from((None, 0, 1, 2)), interval=st.sampled_from((30, 60)), window=st.booleans(),
          failing=st.booleans(), wait=st.sampled_from(WAITS))
    def get_diagnostics(self, retries, interval, window, failing, wait):
        """The upload works, or fails while ``failing`` (OCTT TC_045_x)."""
        if self.model.firmware.upload_failing != failing and self.can("SetUploadFailure"):
            self.do({"op": "SetUploadFailure", "failing": failing})
        step = {"op": "GetDiagnostics", "location": DIAGNOSTICS_URL}
        if retries is not None:
            step.update(retries=retries, retryInterval=interval)
        if window:
            step.update(startTime=iso(self.model.time - 3600), stopTime=iso(self.model.time))
        self.do(step)
        self.wait(whole(wait, retries if failing else 0, interval))

    def wait(self, seconds: int) -> None:
        if seconds and self.can("AdvanceTime"):
            self.do({"op": "AdvanceTime", "seconds": seconds})

    @precondition(lambda self: self.online() and (under_way(self.model, "update") or under_way(self.model, "upload")))
    @rule(firmware=st.booleans())
    def ask_progress(self, firmware):
        """§5.17: "what if a firmware update is in progress and the last status notification ... was much
        longer ago than could reasonably be expected?" The Central System asks."""
        message = "FirmwareStatusNotification" if firmware else "DiagnosticsStatusNotification"
        self.do({"op": "TriggerMessage", "requestedMessage": message})
