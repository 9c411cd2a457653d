"""The rules of the Firmware Management and Diagnostics (OCPP 1.6 §4.4, §4.5, §5.9, §5.19) profile.

This module must not import :mod:`model.state` or :mod:`model.core` at module
level: :mod:`model.state` imports this profile's state classes from here.

A firmware update (UpdateFirmware.req, §5.19) and a diagnostics upload
(GetDiagnostics.req, §5.9) are each a :class:`Transfer`: the last status the
Charge Point reported and what it still owes. The statuses follow the sequence
diagrams of §5.19 (Figure 41, errata 3.47) and §5.9 (errata 3.31):

* firmware: Downloading, Downloaded, Installing, Installed; DownloadFailed
  (Downloading may be skipped: "the download may fail immediately", OCTT
  TC_044_2_CS) and InstallationFailed (Installing may be skipped, TC_044_3_CS);
* diagnostics: Uploading, then Uploaded or UploadFailed.

Freedoms kept open: how long each stage takes (the model gives
:data:`WINDOW` seconds per stage); whether a failed attempt is reported before
the retry (DownloadFailed then Downloading, or Downloading again); whether
retryInterval counts from a failed attempt's start or its failure (§6.25,
§6.55: judged from its start, the earlier); whether
Installed comes before or after the BootNotification of the reboot (OCTT
TC_044_1_CS steps 9-13 "can be in a different order"); whether a failed
installation reboots (TC_044_3_CS); waiting with the installation while a
transaction runs, with free connectors Unavailable meanwhile (errata 3.49);
installing during a transaction and stopping it with reason Reboot; whether
the CP keeps or abandons a transfer across a power loss or reboot (a reset,
or the reboot into new firmware for a diagnostics upload), and so whether a
kept update reports Downloading at its retrieveDate after answering a
triggered status Idle; which statuses it reports again or skips after being
offline.

The OCTT (TC_044_1_CS step 9) requires the automatic reboot after
installation, so a BootNotification is owed after Installing, although §5.19
also shows a "manual reboot" alternative.
"""

from __future__ import annotations

import attrs

from vocabulary.dates import seconds

from .trigger import triggered

WINDOW = 300.0
"""Seconds the model gives the Charge Point for each stage of a transfer."""
FIRMWARE_REBOOT = "firmware installation"
FIRMWARE, DIAGNOSTICS = "Firmware", "Diagnostics"


@attrs.frozen(cache_hash=True)
class Transfer:
    """A firmware update or a diagnostics upload in progress.

    ``unseen``: the Charge Point was offline since ``last``, so statuses may have
    been lost; ``uncertain``: it lost power, rebooted or got a second request,
    so it may have abandoned the transfer: nothing is owed, anything goes;
    ``idle``: since then it answered a triggered status Idle (§4.4, §4.5): not
    busy, but it may still keep the transfer, waiting for its retrieveDate or a
    retry, so a status that follows begins an attempt.

    ``retry_from``: the earliest time the next attempt seen may begin (§6.25,
    §6.55 retryInterval), None when not judged; ``repeatable``: the last status
    may be reported again for the same attempt (it was triggered or not
    answered with a CALLRESULT).
    """

    start_at: float
    retries: int | None = None
    retry_interval: int | None = None
    last: str | None = None
    attempts: int = 0
    unseen: bool = False
    uncertain: bool = False
    idle: bool = False
    retry_from: float | None = None
    repeatable: bool = False


@attrs.frozen(cache_hash=True)
class FirmwareState:
    """The profile's part of :class:`model.state.ChargePointState`."""

    update: Transfer | None = None
    upload: Transfer | None = None
    firmware_failure: str | None = None
    upload_failing: bool = False


@attrs.frozen
class Kind:
    """What differs between a firmware update and a diagnostics upload."""

    action: str
    field: str
    marker: str
    next: dict
    busy: frozenset
    final: frozenset
    failed: str
    attempt: str
    section: str
    prefix: str
    transfer: str
    retry_section: str


FIRMWARE_KIND = Kind(
    "FirmwareStatusNotification", "update", FIRMWARE,
    {None: {"Downloading", "DownloadFailed"}, "Downloading": {"Downloading", "Downloaded", "DownloadFailed"},
     "DownloadFailed": {"Downloading", "DownloadFailed"}, "Downloaded": {"Installing", "InstallationFailed"},
     "Installing": {"Installed", "InstallationFailed"}},
    frozenset({"Downloading", "Downloaded", "Installing"}), frozenset({"Installed", "InstallationFailed"}),
    "DownloadFailed", "Downloading", "OCPP 1.6 §4.5, §5.19, §7.25", "Firmware", "Download",
    "OCPP 1.6 §6.55 retryInterval, §5.19")
DIAGNOSTICS_KIND = Kind(
    "DiagnosticsStatusNotification", "upload", DIAGNOSTICS,
    {None: {"Uploading", "UploadFailed"}, "Uploading": {"Uploading", "Uploaded", "UploadFailed"},
     "UploadFailed": {"Uploading", "UploadFailed"}},
    frozenset({"Uploading"}), frozenset({"Uploaded"}),
    "UploadFailed", "Uploading", "OCPP 1.6 §4.4, §5.9, §7.24", "Diagnostics", "Upload",
    "OCPP 1.6 §6.25 retryInterval, §5.9")
KINDS = {k.action: k for k in (FIRMWARE_KIND, DIAGNOSTICS_KIND)}

NEXT_RULE = {
    "Downloading": ("FirmwareDownloadNotFinished", "no status after Downloading"),
    "Downloaded": ("FirmwareNotInstalled", "Downloaded, but not installed as soon as it is able to (errata 3.48)"),
    "Installing": ("FirmwareInstallationNotFinished", "no Installed or InstallationFailed after Installing"),
    "Uploading": ("DiagnosticsUploadNotFinished", "no Uploaded or UploadFailed after Uploading"),
}


def parse_time(text, default: float) -> float:
    stamp = seconds(text)
    return default if stamp is None else stamp


def optional_int(value) -> int | None:
    return value if isinstance(value, int) else None


def under_way(state, field: str) -> bool:
    """The firmware update (``field`` "update") or upload ("upload") is busy or owes a status."""
    kind = FIRMWARE_KIND if field == "update" else DIAGNOSTICS_KIND
    owing = any(o.action == kind.action and kind.marker in o.reasons for o in state.owed)
    return busy(getattr(state.firmware, field), kind) or owing


def busy(transfer: Transfer | None, kind: Kind) -> bool:
    """Surely downloading, installing or uploading: a triggered status cannot be Idle (§4.4, §4.5)."""
    return transfer is not None and not (transfer.unseen or transfer.uncertain) and transfer.last in kind.busy


def may_be_busy(transfer: Transfer | None, kind: Kind) -> bool:
    """Busy, or offline since (``unseen``): the statuses that would end it may have been lost, not the transfer (§4.5)."""
    return transfer is not None and not transfer.uncertain and (busy(transfer, kind) or transfer.unseen)


def quiet(transfer: Transfer | None) -> bool:
    """Answered a triggered Idle, "not busy downloading/installing" (§4.5; uploading, §4.4), and reachable since: it
    reports what it begins next (a status lost offline is the only one unseen)."""
    return transfer is not None and transfer.idle and not transfer.unseen


class FirmwareRules:
    """Mixed into :class:`model.judge.Judgement` before :class:`model.core.CoreRules`."""

    cause: str | None = None
    """The op of the step being judged: a disconnect it caused is no reboot of the Charge Point's own."""
    unanswered: bool = False
    """The last CALL of the Charge Point was left unanswered: a disconnect right after it is the Central System's."""

    # -- helpers --------------------------------------------------------------

    def transfer(self, kind: Kind) -> Transfer | None:
        return getattr(self.state.firmware, kind.field)

    def set_transfer(self, kind: Kind, transfer: Transfer | None) -> None:
        if self.transfer(kind) != transfer:
            firmware = attrs.evolve(self.state.firmware, **{kind.field: transfer})
            self.state = attrs.evolve(self.state, firmware=firmware)

    def drop_progress(self, kind: Kind) -> None:
        while self.discharge(lambda o: o.action == kind.action and kind.marker in o.reasons):
            pass

    def owe_progress(self, kind: Kind, rule: str, detail: str, due: float) -> None:
        self.drop_progress(kind)
        self.owe_message(kind.action, rule, kind.section, detail, due=due + self.state.options.tolerance,
                         reasons=frozenset({kind.marker}))

    def active(self, kind: Kind) -> bool:
        return under_way(self.state, kind.field)

    def install_reboot_owed(self) -> bool:
        return any(o.rule == "BootNotificationAfterFirmwareInstall" for o in self.state.owed)

    # -- UpdateFirmware (§5.19, §6.55) and GetDiagnostics (§5.9, §6.25) ----------

    def answer_UpdateFirmware(self, stimulus, payload) -> None:
        start = parse_time(stimulus.get("retrieveDate"), self.state.time)
        self.start_transfer(FIRMWARE_KIND, stimulus, start)

    def answer_GetDiagnostics(self, stimulus, payload) -> None:
        """§5.9: a fileName when diagnostics are available (then the upload follows), none otherwise."""
        if payload.get("fileName"):
            self.start_transfer(DIAGNOSTICS_KIND, stimulus, self.state.time)

    def start_transfer(self, kind: Kind, stimulus, start: float) -> None:
        earlier = self.transfer(kind)  # one that may go on (a reboot, an outage since) makes this request a second too
        again = self.active(kind) or (earlier is not None and (earlier.uncertain or earlier.unseen))
        interval = optional_int(stimulus.get("retryInterval"))
        judged = interval is not None and interval > 0 and self.transfer(kind) is None  # an earlier one may go on
        transfer = Transfer(start_at=start, retries=optional_int(stimulus.get("retries")), retry_interval=interval,
                            uncertain=again, retry_from=max(start, self.state.time) if judged else None)
        self.set_transfer(kind, transfer)
        self.drop_progress(kind)
        if not again:
            self.owe_progress(kind, f"{kind.prefix}{kind.transfer}NotStarted",
                              f"the {kind.prefix.lower()} transfer did not start", max(start, self.state.time) + WINDOW)

    # -- the notifications ----------------------------------------------------------

    def cp_FirmwareStatusNotification(self, call) -> None:
        self.notification(FIRMWARE_KIND, call)

    def cp_DiagnosticsStatusNotification(self, call) -> None:
        self.notification(DIAGNOSTICS_KIND, call)

    def notification(self, kind: Kind, call) -> None:
        status, transfer = call.payload.get("status"), self.transfer(kind)
        asked = triggered(self.state.owed, kind.action)
        if status == "Idle":
            self.idle(kind, asked, transfer)
            if transfer is not None and transfer.uncertain:
                self.set_transfer(kind, attrs.evolve(transfer, idle=True, unseen=False))
        elif transfer is None:
            rule = "TriggeredStatusNotIdle" if asked else f"{kind.prefix}StatusWithoutRequest"
            self.fail(rule, f"{kind.section}, OCTT TC_054_CS",
                      f"{kind.action} {status} while no {kind.prefix.lower()} transfer is in progress")
        elif asked and status == transfer.last:
            return
        else:
            self.progress(kind, transfer, status, call.time, repeatable=asked or call.answer is None)

    def idle(self, kind: Kind, asked: bool, transfer: Transfer | None) -> None:
        """§4.4, §4.5, §7.24, §7.25: Idle only in answer to a TriggerMessage, and only when not busy."""
        if not asked:
            self.fail("IdleStatusNotTriggered", kind.section, f"{kind.action} Idle that no TriggerMessage asked for")
        elif busy(transfer, kind):
            self.fail("IdleStatusWhileBusy", kind.section, f"{kind.action} Idle while the transfer is {transfer.last}")

    def progress(self, kind: Kind, transfer: Transfer, status: str, now: float, repeatable: bool = False) -> None:
        lenient = transfer.unseen or transfer.uncertain
        expected = kind.next[None] if transfer.idle else kind.next.get(transfer.last, set())
        if (not lenient or (transfer.idle and not transfer.unseen)) and status not in expected:
            self.fail(f"{kind.prefix}StatusOutOfOrder", kind.section,
                      f"{kind.action} {status} after {transfer.last or 'the request'}")
        if kind is FIRMWARE_KIND and status == "Downloading" and transfer.attempts == 0 \
                and now + self.state.options.tolerance < transfer.start_at:
            self.fail("FirmwareDownloadBeforeRetrieveDate", "OCPP 1.6 §5.19, §6.55",
                      f"Downloading {transfer.start_at - now:.0f}s before retrieveDate")
        new_attempt = status == kind.attempt or (status == kind.failed and transfer.last != kind.attempt)
        retry_from = self.retry_interval(kind, transfer, status, now, new_attempt)
        retries = None if transfer.unseen else transfer.retries  # an attempt's status may have been lost offline (§3.7)
        transfer = attrs.evolve(transfer, last=status, attempts=transfer.attempts + new_attempt, retries=retries,
                                unseen=False, uncertain=False, idle=False, retry_from=retry_from, repeatable=repeatable)
        self.set_transfer(kind, transfer)
        self.drop_progress(kind)
        self.after_status(kind, transfer, status, now, lenient)

    def retry_interval(self, kind: Kind, transfer: Transfer, status: str, now: float, new_attempt: bool) -> float | None:
        """§6.25, §6.55 retryInterval: "The interval in seconds after which a retry may be attempted". Read from the
        previous attempt's start (the earliest reading; its failure is later), the k-th attempt begins no earlier
        than retryInterval x (k - 1) after the request (or its retrieveDate), and reports its Downloading (Uploading)
        no earlier. Attempts not reported, or lost offline, only make k a lower bound. Judged only on a report that
        surely begins a new attempt: online since, after an own, answered Downloading or DownloadFailed; a reboot,
        a power loss or a second request ends the judging (the Charge Point may start the transfer afresh)."""
        if transfer.retry_from is None or transfer.uncertain or transfer.idle:
            return None
        if transfer.attempts == 0:
            return transfer.retry_from + transfer.retry_interval if new_attempt else transfer.retry_from
        surely_new = (status == kind.attempt and transfer.last in (kind.attempt, kind.failed)
                      and not (transfer.unseen or transfer.repeatable))
        if not surely_new:
            return transfer.retry_from
        if now + self.state.options.tolerance < transfer.retry_from:
            self.fail(f"{kind.prefix}{kind.transfer}RetryInterval", kind.retry_section,
                      f"{kind.attempt} of a retry {transfer.retry_from - now:.0f}s before retryInterval "
                      f"{transfer.retry_interval}s allows it")
        return transfer.retry_from + transfer.retry_interval

    def after_status(self, kind: Kind, transfer: Transfer, status: str, now: float, lenient: bool) -> None:
        if status in kind.final:  # an earlier example's transfer may say it again (below)
            self.set_transfer(kind, attrs.evolve(transfer, uncertain=True) if self.left_over(lenient) else None)
            if status == "InstallationFailed":
                self.discharge(lambda o: o.rule == "BootNotificationAfterFirmwareInstall")
            return
        if status == kind.failed:
            self.after_failure(kind, transfer, now, lenient)
            return
        if status == "Installing":
            self.owe_message("BootNotification", "BootNotificationAfterFirmwareInstall",
                             "OCPP 1.6 §5.19 Figure 41, OCTT TC_044_1_CS",
                             "the Charge Point reboots after installing firmware",
                             due=now + WINDOW + self.state.options.tolerance, reasons=frozenset({FIRMWARE}))
        rule, detail = NEXT_RULE[status]
        self.owe_progress(kind, rule, detail, now + WINDOW)

    def left_over(self, lenient: bool) -> bool:
        """A transfer the model cannot follow on a Charge Point that carries earlier examples' transfers (leftovers):
        its final status may come again (the SAP simulator's update goes on across our graceful power cycles and
        reports Installed at its boot and from its own timer, sim-triage session 3)."""
        return lenient and self.state.options.leftovers

    def after_failure(self, kind: Kind, transfer: Transfer, now: float, lenient: bool) -> None:
        """retries: how many times to retry the upload before giving up (§6.25, errata 3.50); for a
        download §6.55 still reads "how many times Charge Point must try", so either reading is accepted."""
        if lenient:
            self.set_transfer(kind, attrs.evolve(transfer, uncertain=True))
            return
        if transfer.retries is None:
            return
        self.handled.add(f"rule:{kind.prefix}{kind.transfer}Retries")  # the attempts are counted now, met or not
        needed = max(1, transfer.retries) if kind is FIRMWARE_KIND else transfer.retries + 1
        if transfer.attempts > transfer.retries:
            self.set_transfer(kind, None)
        if transfer.attempts >= needed:
            return
        self.owe_progress(kind, f"{kind.prefix}{kind.transfer}Retries",
                          f"{kind.failed} after {transfer.attempts} attempt(s), but retries is {transfer.retries}",
                          now + (transfer.retry_interval or 0) + WINDOW)

    # -- Core hooks ---------------------------------------------------------------

    def stimulus(self, stimulus, answer) -> None:
        self.cause = stimulus.op
        self.unanswered = False
        super().stimulus(stimulus, answer)

    def cp_call(self, call) -> None:
        super().cp_call(call)
        self.unanswered = call.answer is None and call.error is None

    def connection(self, event) -> None:
        """Offline, statuses may be lost; a disconnect of its own after Installing is the firmware's reboot. One that
        follows a CALL the Central System left unanswered is the Central System's (FailNext ConnectionLost)."""
        own = self.cause not in ("NetworkDown", "PowerLoss") and not self.unanswered
        if not event.connected and own and self.install_reboot_owed() and not self.state.rebooting:
            self.reboot(FIRMWARE_REBOOT)
        super().connection(event)
        for kind in KINDS.values():
            transfer = self.transfer(kind)
            off = quiet(transfer) and not self.state.powered  # powered off, a transfer not begun stays so
            if transfer is not None and not event.connected and not off:
                self.set_transfer(kind, attrs.evolve(transfer, unseen=True))
        if event.connected and any(o.reasons & {FIRMWARE, DIAGNOSTICS} for o in self.state.owed):
            later = self.state.time + WINDOW + self.state.options.tolerance
            self.state = attrs.evolve(self.state, owed=tuple(
                attrs.evolve(o, due=max(o.due, later)) if o.reasons & {FIRMWARE, DIAGNOSTICS} else o
                for o in self.state.owed))

    def reboot(self, why: str) -> None:
        """The reboot into new firmware goes on with the update; like any reboot, it may end an upload."""
        super().reboot(why)
        if why == FIRMWARE_REBOOT:
            self.abandon(DIAGNOSTICS_KIND)
        else:
            self.abandon_transfers()

    def boot(self, call) -> None:
        """A boot while offline after Installing is the reboot into new firmware, unseen: it may end an upload."""
        if not self.state.rebooting and self.install_reboot_owed():
            self.abandon(DIAGNOSTICS_KIND)
        if self.install_reboot_owed():  # it stopped a transaction still running (§7.36 Reboot), maybe queued (§3.7)
            for c in self.connectors():
                if c.tx is not None:
                    self.update(c.id, offline_causes=c.offline_causes | {"Reboot"})
                else:  # one the Central System has not seen start (queued behind a retry, §3.7, or begun offline,
                    self.hidden_cause("Reboot", c.id)  # §3.5) too: its StartTransaction comes after the boot
                    if c.offline_tags:
                        self.offline_cause(c.id, "Reboot")
        super().boot(call)

    def on_PowerLoss(self, stimulus) -> None:
        super().on_PowerLoss(stimulus)
        self.abandon_transfers()

    def abandon_transfers(self) -> None:
        for kind in KINDS.values():
            self.abandon(kind)
        self.discharge(lambda o: o.rule == "BootNotificationAfterFirmwareInstall")

    def abandon(self, kind: Kind) -> None:
        """The Charge Point may keep the transfer or forget it: nothing is owed, anything goes; but one that was
        not busy (``quiet``) is not busy after it either: a status that follows begins an attempt."""
        transfer = self.transfer(kind)
        if transfer is not None:
            self.set_transfer(kind, attrs.evolve(transfer, uncertain=True, idle=quiet(transfer)))
        self.drop_progress(kind)

    def unowed_stop(self, c, reason: str) -> None:
        """Errata 3.49 leaves installing during a transaction to the Charge Point; its reboot stops it (§7.36 Reboot).
        An update the model cannot follow (``uncertain``: an earlier example's, whose statuses may be lost) may be
        installing too (the SAP simulator's reboots after Installed, sim-triage session 2), unless it answered a
        triggered Idle and has been reachable since (``quiet``): it would have reported Downloading, Downloaded and
        Installing first (§4.5, errata 3.47)."""
        update = self.state.firmware.update
        installing = self.install_reboot_owed() or (update is not None and not quiet(update)
                                                    and (update.last == "Installing" or update.uncertain))
        if reason == "Reboot" and installing:
            self.discharge(lambda o: o.action == "StopTransaction" and o.connector == c.id)
            return
        super().unowed_stop(c, reason)

    def settle(self) -> None:
        """Errata 3.49: the installation may wait until no transaction runs."""
        waiting = any(o.rule == "FirmwareNotInstalled" for o in self.state.owed)
        if waiting and any(c.tx is not None or self.hidden_tx(c) for c in self.connectors()):
            later = self.state.time + WINDOW + self.state.options.tolerance
            self.state = attrs.evolve(self.state, owed=tuple(
                attrs.evolve(o, due=max(o.due, later)) if o.rule == "FirmwareNotInstalled" else o
                for o in self.state.owed))
        super().settle()

    def settled_statuses(self, c) -> set[str]:
        """Errata 3.49: connectors not in use may be Unavailable while an update waits or installs."""
        allowed = super().settled_statuses(c)
        if c.tx is None and self.updating():
            allowed = allowed | {"Unavailable"}
        return allowed

    def updating(self) -> bool:
        """An update waits, installs, or is Installed and owes the reboot into the new firmware (§5.19 Figure 41):
        until that reboot the connectors the Charge Point made Unavailable for it may stay so (errata 3.49; the SAP
        simulator, fuzz seed 101: Installed, its free connectors still Unavailable until its reboot)."""
        return may_be_busy(self.state.firmware.update, FIRMWARE_KIND) or self.install_reboot_owed()

    def usable(self, c) -> bool:
        return super().usable(c) and not (self.updating() and c.reported == "Unavailable")

    def unavailable_for_update(self, c) -> bool:
        """A free connector the Charge Point made Unavailable itself while an update waits or installs (errata 3.49),
        not a ChangeAvailability: it may come back for a user (§4.9 H2), or stay Unavailable."""
        return (self.updating() and c.reported == "Unavailable" and c.tx is None
                and not (c.inoperative or self.state.connector(0).inoperative))

    # -- physical actions ---------------------------------------------------------

    def on_PresentIdTag(self, stimulus) -> None:
        """A connector the Charge Point made Unavailable itself for an update (errata 3.49) may come back for a
        user's card (§4.9 H2) or ignore it: the card may start there, and need not."""
        connector_id = stimulus.get("connectorId")
        own_choice = self.unavailable_for_update(self.state.connector(connector_id))
        super().on_PresentIdTag(stimulus)
        if own_choice and not self.authorizes_offline():
            self.update(connector_id, authorized=stimulus.get("idTag"), authorized_at=self.state.time, uncertain=True)

    def answer_RemoteStartTransaction(self, stimulus, payload) -> None:
        """The same for a remote start Accepted on such a connector (the SAP simulator starts it, sim-triage
        session 2): it may start there, and need not."""
        connector_id = stimulus.get("connectorId")
        c = self.state.connector(connector_id) if self.valid_connector(connector_id) else None
        own_choice = c is not None and self.unavailable_for_update(c)
        super().answer_RemoteStartTransaction(stimulus, payload)
        if own_choice and (payload or {}).get("status") == "Accepted":
            self.update(c.id, authorized=stimulus.get("idTag"), authorized_at=self.state.time, uncertain=True)

    def on_SetFirmwareFailure(self, stimulus) -> None:
        firmware = attrs.evolve(self.state.firmware, firmware_failure=stimulus.get("stage"))
        self.state = attrs.evolve(self.state, firmware=firmware)

    def on_SetUploadFailure(self, stimulus) -> None:
        firmware = attrs.evolve(self.state.firmware, upload_failing=bool(stimulus.get("failing")))
        self.state = attrs.evolve(self.state, firmware=firmware)
