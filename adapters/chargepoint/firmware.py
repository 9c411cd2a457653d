"""The Firmware Management and Diagnostics (OCPP 1.6 §4.4, §4.5, §5.9, §5.19) profile of the bundled charge point.

Active when SupportedFeatureProfiles lists FirmwareManagement; otherwise every
operation of the profile is refused (:func:`.unsupported.refuse`).

Choices where the specification leaves freedom:

* A firmware update starts at retrieveDate (at once when it has passed). Each
  download attempt reports Downloading and takes :data:`DOWNLOAD_TIME`
  seconds; a failed attempt is retried after retryInterval, ``retries`` times
  (none when absent), and only the last failure reports DownloadFailed.
* The downloaded firmware is installed as soon as no transaction runs (errata
  3.48, 3.49): Installing, :data:`INSTALL_TIME` seconds, then a reboot, after
  which the BootNotification, the connector statuses and Installed follow.
  Transactions started meanwhile are stopped with reason Reboot. A firmware
  that does not install reports InstallationFailed and does not reboot.
  Connectors are never set Unavailable for an update.
* The update survives reboots and power loss (``store["firmware"]``): an
  interrupted download starts again, an interrupted installation completes.
* GetDiagnostics always has a file: the answer names it and the upload starts
  at once (Uploading, :data:`UPLOAD_TIME` seconds, Uploaded), retried like a
  download. The upload is forgotten at a reboot.
* Status notifications that could not be delivered (offline, not yet
  Accepted) are not queued: once online and Accepted again, the latest
  status is sent if it differs from the last one delivered (as §4.9 does for
  connector statuses).
* Failures come from the physical actions ``SetFirmwareFailure`` (stage
  Download or Install) and ``SetUploadFailure``.
"""

from __future__ import annotations

import asyncio

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from adapters.clock import parse_iso

from .keys import Key
from .state import Outgoing
from .unsupported import refuse

PROFILE = "FirmwareManagement"
FIRMWARE = "FirmwareStatusNotification"
DIAGNOSTICS = "DiagnosticsStatusNotification"
DOWNLOAD_TIME = 30.0
INSTALL_TIME = 30.0
UPLOAD_TIME = 20.0
INSTALL_POLL = 10.0
DEFAULT_RETRY_INTERVAL = 30
BUSY = frozenset({"Downloading", "Downloaded", "Installing", "Uploading"})
FILE_TRANSFER_PROTOCOLS = "FTP,FTPS,HTTP,HTTPS"


def keys(settings) -> list[Key]:
    """This profile's configuration keys, added to the key table when the profile is supported."""
    return [Key("SupportedFileTransferProtocols", FILE_TRANSFER_PROTOCOLS, lambda value, _=None: value,
                read_only=True)]  # errata 3.88


class FirmwareManagement:
    """Mixed into :class:`.charge_point.ChargePoint`."""

    _firmware_failure: str | None = None
    """The stage that fails (physical action ``SetFirmwareFailure``): "Download", "Install" or None."""
    _upload_failing = False
    _firmware_timer = None
    _upload_timer = None
    _upload: dict | None = None
    """The diagnostics upload in progress (volatile)."""

    # ---- UpdateFirmware (§5.19)

    @on(Action.update_firmware, skip_schema_validation=True)
    def on_update_firmware(self, **_):
        if not self._supports(PROFILE):
            return refuse(Action.update_firmware)
        return call_result.UpdateFirmware()

    @after(Action.update_firmware)
    def after_update_firmware(self, retrieve_date: str, retries: int | None = None,
                              retry_interval: int | None = None, **_):
        now = self.clock.now()
        try:
            retrieve = parse_iso(retrieve_date)
        except ValueError:
            retrieve = now
        self.store["firmware"] = {"status": None, "reported": None, "retrieve": retrieve, "attempt": 0,
                                  "retries": retries or 0, "interval": retry_interval or DEFAULT_RETRY_INTERVAL}
        self.store.save()
        self._firmware_at(max(now, retrieve), self._download_attempt)

    def _firmware(self) -> dict | None:
        return self.store.data.get("firmware")

    def _firmware_at(self, when: float, step) -> None:
        self._cancel(self._firmware_timer)
        self._firmware_timer = self._timer_at(when, step)

    def _set_firmware(self, status: str) -> None:
        self._firmware()["status"] = status
        self.store.save()
        self._send_progress(FIRMWARE, status)

    def _download_attempt(self) -> None:
        self._firmware()["attempt"] += 1
        self._set_firmware("Downloading")
        self._firmware_at(self.clock.now() + DOWNLOAD_TIME, self._download_done)

    def _download_done(self) -> None:
        firmware = self._firmware()
        if self._firmware_failure != "Download":
            self._downloaded()
        elif firmware["attempt"] <= self._download_retries(firmware):
            self._firmware_at(self.clock.now() + self._download_retry_interval(firmware), self._download_attempt)
        else:
            self._set_firmware("DownloadFailed")

    def _download_retries(self, firmware: dict) -> int:
        """§6.55 retries: how many times to retry before giving up."""
        return firmware["retries"]

    def _download_retry_interval(self, firmware: dict) -> int:
        """§6.55 retryInterval: the seconds after which a retry may be attempted (here: after the failure)."""
        return firmware["interval"]

    def _downloaded(self) -> None:
        self._set_firmware("Downloaded")
        self._install_when_idle()

    def _install_when_idle(self) -> None:
        """Errata 3.49: installing stops charging here, so it waits until no transaction runs."""
        if any(c.transaction is not None for c in self.connectors[1:]):
            self._firmware_at(self.clock.now() + INSTALL_POLL, self._install_when_idle)
            return
        self._set_firmware("Installing")
        self._firmware_at(self.clock.now() + INSTALL_TIME, self._install_done)

    def _install_done(self) -> None:
        if self._firmware_failure == "Install":
            self._set_firmware("InstallationFailed")
        else:
            self._finish_install()

    def _finish_install(self) -> None:
        """§5.19 Figure 41, automatic reboot; Installed is sent after the boot (:meth:`_resume_firmware`)."""
        self._spawn(self._reboot_into_firmware())

    async def _reboot_into_firmware(self) -> None:
        for c in self.connectors[1:]:
            if c.transaction is not None:
                self._stop_transaction(c, "Reboot")
        await self._flush()
        await self._reboot()

    def _resume_firmware(self) -> None:
        """At power-on: an interrupted installation completes, an interrupted download starts again."""
        self._upload = None
        firmware = self._firmware()
        if firmware is None:
            return
        if firmware["status"] == "Installing":
            self._set_firmware("InstallationFailed" if self._firmware_failure == "Install" else "Installed")
        elif firmware["status"] in (None, "Downloading", "Downloaded"):
            self._firmware_at(max(self.clock.now(), firmware["retrieve"]), self._download_attempt)

    # ---- GetDiagnostics (§5.9)

    @on(Action.get_diagnostics, skip_schema_validation=True)
    def on_get_diagnostics(self, **_):
        if not self._supports(PROFILE):
            return refuse(Action.get_diagnostics)
        return call_result.GetDiagnostics(file_name=self._diagnostics_file())

    def _diagnostics_file(self) -> str | None:
        return f"diagnostics-{int(self.clock.now())}.log"

    @after(Action.get_diagnostics)
    def after_get_diagnostics(self, retries: int | None = None, retry_interval: int | None = None, **_):
        if self._diagnostics_file() is None:
            return
        self._cancel(self._upload_timer)
        self._upload = {"status": None, "reported": None, "attempt": 0, "retries": retries or 0,
                        "interval": retry_interval or DEFAULT_RETRY_INTERVAL}
        self._upload_attempt()

    def _set_upload(self, status: str) -> None:
        self._upload["status"] = status
        self._send_progress(DIAGNOSTICS, status)

    def _upload_attempt(self) -> None:
        self._upload["attempt"] += 1
        self._report_uploading()
        self._upload_timer = self._timer(UPLOAD_TIME, self._upload_done)

    def _report_uploading(self) -> None:
        self._set_upload("Uploading")

    def _upload_done(self) -> None:
        upload = self._upload
        if not self._upload_failing:
            self._set_upload("Uploaded")
        elif upload["attempt"] <= upload["retries"]:
            self._upload_timer = self._timer(upload["interval"], self._upload_attempt)
        else:
            self._set_upload("UploadFailed")

    # ---- the status notifications (§4.4, §4.5)

    def _progress(self, action: str) -> dict | None:
        return self._firmware() if action == FIRMWARE else self._upload

    def _progress_now(self, action: str) -> str:
        """The status a triggered notification reports: Idle unless busy (§4.4, §4.5, §5.17)."""
        progress = self._progress(action)
        status = progress and progress["status"]
        return status if status in BUSY else "Idle"

    def _send_progress(self, action: str, status: str) -> None:
        item = Outgoing(action, {"status": status}, future=asyncio.get_running_loop().create_future())
        progress = self._progress(action)
        if progress is not None and status != "Idle":
            progress["sending"] = status
        self._enqueue(item)
        self._spawn(self._progress_delivered(action, status, item.future))

    async def _progress_delivered(self, action: str, status: str, future) -> None:
        try:
            reply = await future
        finally:
            progress = self._progress(action)
            if progress is not None and progress.get("sending") == status:
                progress["sending"] = None
        if reply.kind == "result" and progress is not None and status != "Idle":
            progress["reported"] = status
            self.store.save()

    def _report_progress(self) -> None:
        """Online and Accepted again: the latest status, if it was not delivered (see the module doc)."""
        for action in (FIRMWARE, DIAGNOSTICS):
            progress = self._progress(action)
            if progress is None or progress["status"] is None:
                continue
            if progress["status"] not in (progress["reported"], progress.get("sending")):
                self._send_progress(action, progress["status"])

    # ---- faults (physical actions)

    def _physical_SetFirmwareFailure(self, c, step) -> None:
        self._firmware_failure = step.get("stage")

    def _physical_SetUploadFailure(self, c, step) -> None:
        self._upload_failing = step["failing"]
