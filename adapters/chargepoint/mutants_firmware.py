"""Injected bugs of the Firmware Management (OCPP 1.6 §4.4, §4.5, §5.9, §5.19) profile (see :mod:`.mutants`)."""

from __future__ import annotations

from .charge_point import ChargePoint

UPDATE = {"op": "UpdateFirmware", "location": "ftp://127.0.0.1/firmware.bin", "retrieveDate": "2025-01-01T00:00:00Z"}


class FirmwareStatusOutOfOrder(ChargePoint):
    """§5.19 Figure 41, OCTT TC_044_1_CS (rule FirmwareStatusOutOfOrder): Downloaded comes before
    Installing; this one goes from Downloading straight to Installing."""

    minimal_trace = [UPDATE, {"op": "AdvanceTime", "seconds": 30}]

    def _downloaded(self) -> None:
        self._install_when_idle()


class NoBootNotificationAfterFirmwareInstall(ChargePoint):
    """§5.19 Figure 41, OCTT TC_044_1_CS step 9 (rule BootNotificationAfterFirmwareInstall): the
    charge point reboots into the new firmware; this one reports Installed and never reboots."""

    minimal_trace = [UPDATE, {"op": "AdvanceTime", "seconds": 300}, {"op": "AdvanceTime", "seconds": 300}]

    def _finish_install(self) -> None:
        self._set_firmware("Installed")


class FirmwareRetriesIgnored(ChargePoint):
    """§6.55 retries (rule FirmwareDownloadRetries): a failed download is retried ``retries`` times
    before DownloadFailed (tried ``retries`` times, in the literal reading); this one gives up after
    the first attempt."""

    minimal_trace = [{"op": "SetFirmwareFailure", "stage": "Download"}, {**UPDATE, "retries": 2, "retryInterval": 30},
                     {"op": "AdvanceTime", "seconds": 300}, {"op": "AdvanceTime", "seconds": 300}]

    def _download_retries(self, firmware: dict) -> int:
        return 0


class FirmwareRetryIntervalIgnored(ChargePoint):
    """§6.55 retryInterval, "The interval in seconds after which a retry may be attempted" (rule
    FirmwareDownloadRetryInterval): a failed download is retried retryInterval seconds after the failure;
    this one retries at once (blind bug #8 of /work/blind2 waited a fixed 30 s instead)."""

    minimal_trace = [{"op": "SetFirmwareFailure", "stage": "Download"}, {**UPDATE, "retries": 1, "retryInterval": 60},
                     {"op": "AdvanceTime", "seconds": 61}]

    def _download_retry_interval(self, firmware: dict) -> int:
        return 0


class DiagnosticsUploadedWithoutUploading(ChargePoint):
    """§5.9, errata 3.31, OCTT TC_045_1_CS (rule DiagnosticsStatusOutOfOrder): the upload reports
    Uploading before Uploaded; this one only reports the end."""

    minimal_trace = [{"op": "GetDiagnostics", "location": "ftp://127.0.0.1/diagnostics/"},
                     {"op": "AdvanceTime", "seconds": 30}]

    def _report_uploading(self) -> None:
        self._upload["status"] = "Uploading"


class TriggeredFirmwareStatusAlwaysIdle(ChargePoint):
    """§4.5, §7.25 (rule IdleStatusWhileBusy): a triggered FirmwareStatusNotification reports Idle only
    when no update is under way; this one always says Idle."""

    minimal_trace = [UPDATE, {"op": "TriggerMessage", "requestedMessage": "FirmwareStatusNotification"}]

    def _progress_now(self, action: str) -> str:
        return "Idle"


MUTANTS: tuple[type[ChargePoint], ...] = (
    FirmwareStatusOutOfOrder, NoBootNotificationAfterFirmwareInstall, FirmwareRetriesIgnored,
    DiagnosticsUploadedWithoutUploading, TriggeredFirmwareStatusAlwaysIdle, FirmwareRetryIntervalIgnored,
)
