"""§3.5.2: the Local Authorization List "SHOULD be maintained by the Charge Point in non-volatile memory, and SHOULD
be persisted across reboots and power outages" (model/localauth.py, ``LocalList.lost``).

A SHOULD: a Charge Point that loses its list at a reboot (the SAP simulator keeps it in memory) deviates from
nothing. After a reboot the model keeps both lists, the one persisted and the empty one of version 0, until an
observation tells which; one that tells the list was lost is a recommendation not followed (LocalListNotPersisted),
never a finding. Each test is both ways: the Charge Point that lost its list or kept it is not flagged, one that
breaks a rule whichever list it holds (or lost entries without a reboot) still is.
"""

from __future__ import annotations

import pytest

import test_model_core as core
from model import Connection
from test_model_core import result, step
from test_model_localauth import OTHER, TAG, Trace, authorize, send, sn, start_tx

NOT_PERSISTED = ["LocalListNotPersisted"]
"""The recommendation of §3.5.2 not followed: reported, never a finding (model/violations.py RECOMMENDATIONS)."""


def rebooted(trace: Trace, how: str = "Reset") -> Trace:
    """A Soft Reset Accepted, or a power cycle, then the boot (§4.2) and the connectors' statuses (§4.9)."""
    if how == "Reset":
        return trace.ok(step("Reset", type="Soft"), result(status="Accepted"), *core.reboot_observations(*core.IDLE))
    trace.ok(step("PowerLoss"), core.down())
    return trace.ok(step("PowerOn"), core.up(), core.boot(), *core.statuses(*core.IDLE))


def listed_then_rebooted(how: str = "Reset", **config) -> Trace:
    return rebooted(Trace(**config).installed(5, (TAG, "Accepted")), how)


# -- GetLocalListVersion (§5.10) -----------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["Reset", "PowerCycle"])
def test_3_5_2_after_a_reboot_the_list_may_be_kept_or_lost(how):
    assert listed_then_rebooted(how).version(5) == []
    assert listed_then_rebooted(how).version(0) == NOT_PERSISTED
    assert listed_then_rebooted(how).version(4) == ["LocalListVersion"]


def test_3_5_2_without_a_reboot_a_list_that_reports_version_0_lost_its_entries():
    """§3.5.2: the Charge Point changes its list by no other means than SendLocalList (a power loss without the power
    back is no reboot yet)."""
    trace = Trace().installed(5, (TAG, "Accepted"))
    trace.ok(step("ClearCache"), result(status="Accepted"))
    trace.ok(step("NetworkDown"), core.down())
    trace.ok(step("NetworkUp"), core.up())
    assert trace.version(0) == ["LocalListVersion"]


def test_3_5_2_the_version_tells_once_then_each_world_is_judged_as_it_is():
    trace = listed_then_rebooted()
    assert trace.version(0) == NOT_PERSISTED
    assert trace.version(0) == [] and trace.version(5) == ["LocalListVersion"]
    trace = listed_then_rebooted()
    assert trace.version(5) == [] and trace.version(0) == ["LocalListVersion"]


def test_3_5_2_an_empty_list_has_nothing_to_lose():
    trace = rebooted(Trace())
    assert not trace.state.local_list.lost and trace.version(0) == []


@pytest.mark.parametrize("rebooting", [True, False])
def test_3_5_2_an_emptied_list_of_a_version_above_0_may_come_back_as_version_0(rebooting):
    """sim-sap final6 (F14): fresh() empties SAP's list by a Full update of version 7 (SAP refuses version 0), so the
    example starts from no entries at version 7; SAP loses even that at a Soft Reset and takes a Differential update
    at 7. Without the reboot, VersionMismatch is still required (§5.15, §7.47)."""
    from properties.external import start_from

    trace = Trace()
    trace.state = start_from(trace.state, {"localList": ([], 7)})
    if rebooting:
        trace.ok(step("Reset", type="Soft"), result(status="Accepted"), *core.reboot_observations(*core.IDLE))
    found = trace.do(send(7, "Differential", (TAG, "Accepted")), result(status="Accepted"))
    assert found == (NOT_PERSISTED if rebooting else ["SendLocalListStatus"])


# -- SendLocalList (§5.15, §7.47) ----------------------------------------------------------------------------


def test_3_5_2_a_list_lost_at_a_reboot_takes_a_differential_update_at_its_old_version():
    """sim-sap final2: the SAP simulator, its list lost at a reboot, Accepted a Differential update at the old version
    (a false SendLocalListStatus, VersionMismatch required of the list kept). Without a reboot that is still one."""
    trace = listed_then_rebooted()
    assert trace.do(send(3, "Differential", (OTHER, "Accepted")), result(status="Accepted")) == NOT_PERSISTED
    assert trace.version(3) == [] and trace.state.local_list.entries == ((OTHER, "Accepted", None, None),)
    trace = Trace().installed(5, (TAG, "Accepted"))
    assert trace.do(send(3, "Differential", (OTHER, "Accepted")), result(status="Accepted")) == ["SendLocalListStatus"]


def test_3_5_2_a_version_mismatch_tells_the_list_was_kept():
    trace = listed_then_rebooted()
    assert trace.do(send(3, "Differential", (OTHER, "Accepted")), result(status="VersionMismatch")) == []
    assert trace.version(0) == ["LocalListVersion"]


def test_3_5_2_an_update_both_lists_take_keeps_both_until_told():
    """A Differential update of a newer version is Accepted whichever list was held: the kept list gets the entry
    added, the lost one holds that entry alone; a Full update leaves one list, whatever was lost."""
    trace = listed_then_rebooted()
    trace.ok(send(6, "Differential", (OTHER, "Accepted")), result(status="Accepted"))
    assert trace.version(6) == [] and len(trace.state.local_list.lost) == 1
    trace.ok(send(7, "Full", (OTHER, "Accepted")), result(status="Accepted"))
    assert not trace.state.local_list.lost and trace.version(7) == []


def test_3_5_2_a_second_reboot_keeps_every_list_the_charge_point_may_hold():
    """Persisted at the first reboot and lost at the second, or lost at the first only: three lists."""
    trace = listed_then_rebooted()
    trace.ok(send(6, "Differential", (OTHER, "Accepted")), result(status="Accepted"))
    rebooted(trace)
    assert len(trace.state.local_list.lost) == 2
    assert trace.do(send(2, "Differential", (OTHER, None)), result(status="Accepted")) == NOT_PERSISTED


# -- authorization (§3.5.3, §3.5.4, §4.1) ---------------------------------------------------------------------


def offline_card(trace: Trace, tag: str = TAG) -> Trace:
    trace.ok(step("NetworkDown"), core.down())
    trace.ok(step("PlugIn", connectorId=1))
    return trace.ok(step("PresentIdTag", connectorId=1, idTag=tag))


def test_3_5_2_offline_a_card_of_the_lost_list_may_be_refused_as_unknown():
    """§3.5: an idTag the Charge Point does not know offline starts only under AllowOfflineTxForUnknownId (false here):
    a Charge Point that lost its list at the reboot refuses the card it listed; one that kept it starts it
    (LocalAuthorizeOffline). Neither is flagged."""
    refused = offline_card(listed_then_rebooted())
    refused.ok(step("NetworkUp"), core.up(), sn(1, "Preparing"))
    started = offline_card(listed_then_rebooted())
    started.ok(step("NetworkUp"), core.up(), start_tx(), sn(1, "Charging"))


def test_3_5_2_a_card_listed_only_in_the_list_lost_still_needs_an_authorization():
    """The list told lost (version 0), a card only it listed is unknown: started offline without
    AllowOfflineTxForUnknownId it is StartTransactionWithoutAuthorization, as for a Charge Point that never had it."""
    trace = listed_then_rebooted()
    assert trace.version(0) == NOT_PERSISTED
    offline_card(trace)
    assert trace.do(step("NetworkUp"), core.up(), start_tx(), sn(1, "Charging")) == [
        "StartTransactionWithoutAuthorization"]


def test_3_5_2_a_card_unknown_to_either_list_is_refused_offline_as_before():
    trace = offline_card(listed_then_rebooted(), OTHER)
    assert trace.do(step("NetworkUp"), core.up(), start_tx(tag=OTHER), sn(1, "Charging")) == [
        "StartTransactionWithoutAuthorization"]


def test_3_5_2_online_a_card_of_the_lost_list_is_authorized_as_usual():
    """LocalPreAuthorize (§9.1.13): the list kept starts the card at once, a Charge Point that lost it asks
    (Authorize.req) and starts on the answer; one that starts it without either after telling the list lost is
    flagged."""
    for observed in ([start_tx(), sn(1, "Charging")], [authorize(), start_tx(), sn(1, "Charging")]):
        trace = listed_then_rebooted(LocalPreAuthorize=True)
        trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
        trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), *observed)
    trace = listed_then_rebooted(LocalPreAuthorize=True)
    assert trace.version(0) == NOT_PERSISTED
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(), sn(1, "Charging")) == [
        "StartTransactionWithoutAuthorization"]


def test_3_5_2_a_blocked_card_of_the_lost_list_may_be_refused_silently_or_asked_for():
    """§4.1: a listed idTag that is not Accepted may be refused without Authorize.req; a Charge Point that lost the
    list does not know it and asks. Not asking with no list to explain it is IdTagNotAuthorized."""
    for observed in ([], [authorize(TAG, "Blocked")]):
        trace = rebooted(Trace().installed(5, (TAG, "Blocked")))
        trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
        trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), *observed)
    trace = rebooted(Trace().installed(5, (TAG, "Blocked")))
    assert trace.version(0) == NOT_PERSISTED
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=TAG)) == ["IdTagNotAuthorized"]


def test_3_5_2_a_conflict_is_owed_only_when_the_list_is_known_to_be_held():
    """§3.5.2 LocalListConflict: a StartTransaction.conf Invalid for a card the list has Accepted. Started after an
    Authorize.conf Accepted, a Charge Point that may have lost the list may have no conflict to report; one that
    told it kept the list (its version) owes it."""
    def started(trace: Trace) -> list[str]:
        trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
        return trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(), start_tx(status="Invalid"),
                        sn(1, "SuspendedEVSE"))
    assert started(listed_then_rebooted(StopTransactionOnInvalidId=False)) == []
    trace = listed_then_rebooted(StopTransactionOnInvalidId=False)
    assert trace.version(5) == []
    assert started(trace) == ["LocalListConflictNotReported"]


def test_3_5_3_an_idtag_listed_in_every_list_is_still_not_cached():
    """§3.5.3 (ListedIdTagCached) holds for an idTag every list the Charge Point may hold has."""
    trace = listed_then_rebooted(LocalPreAuthorize=True)
    trace.ok(send(6, "Differential", (OTHER, "Accepted")), result(status="Accepted"))
    trace.ok(step("PresentIdTag", connectorId=2, idTag=OTHER), authorize(OTHER), sn(2, "Preparing"))
    assert trace.state.cache == () and trace.state.local_list.withheld


def test_3_5_2_a_start_only_the_list_kept_authorizes_tells_it_was_kept():
    """LocalPreAuthorize, no Authorize.req: only the list persisted (TAG1 Accepted) authorizes the start, so the
    Charge Point kept it; a version 0 after that is LocalListVersion, not the recommendation, and a conflict of the
    StartTransaction.conf with its entry is owed (§3.5.2)."""
    trace = listed_then_rebooted(LocalPreAuthorize=True)
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(), sn(1, "Charging"))
    assert not trace.state.local_list.lost
    assert trace.version(0) == ["LocalListVersion"]
    trace = listed_then_rebooted(LocalPreAuthorize=True, StopTransactionOnInvalidId=False)
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), start_tx(status="Invalid"),
                    sn(1, "SuspendedEVSE")) == ["LocalListConflictNotReported"]


def test_3_5_2_a_list_told_kept_by_its_version_must_still_hold_its_entries():
    """A Charge Point that reports the old version after a reboot holds the list (§5.10): one that lost the entries
    but kept the version, then starts offline a card its list has Blocked (unknown to it, AllowOfflineTxForUnknownId),
    breaks §3.5.4 ("MUST be rejected"); so does one that kept the whole list. Without the version asked, the card
    may be unknown (the list lost): no finding."""
    def offline_start(trace: Trace) -> list[str]:
        offline_card(trace)
        return trace.do(step("NetworkUp"), core.up(), start_tx(), sn(1, "Charging"))
    trace = rebooted(Trace(AllowOfflineTxForUnknownId=True).installed(5, (TAG, "Blocked")))
    assert trace.version(5) == []
    assert offline_start(trace) == ["StartTransactionWithoutAuthorization", "LocalListConflictNotReported"]
    assert offline_start(rebooted(Trace(AllowOfflineTxForUnknownId=True).installed(5, (TAG, "Blocked")))) == []


def rebooted_into_new_firmware_unseen() -> Trace:
    """The list installed (version 5); a firmware update reaches Installing (§5.19); the connection goes (the network
    down, so not taken as the firmware's own reboot) and after it a BootNotification: the reboot into the new firmware,
    unseen (model/firmware.py boot), then the statuses and Installed."""
    from test_model_firmware import downloaded, fw, wait

    trace = downloaded(Trace(SupportedFeatureProfiles="Core,LocalAuthListManagement,FirmwareManagement")
                       .installed(5, (TAG, "Accepted")))
    trace.ok(wait(1), fw("Installing"))
    trace.ok(step("NetworkDown"), core.down())
    return trace.ok(step("NetworkUp"), core.up(), core.boot(), *core.statuses(*core.IDLE), fw("Installed"))


@pytest.mark.parametrize("reported, found", [(5, []), (0, NOT_PERSISTED), (4, ["LocalListVersion"])])
def test_3_5_2_5_19_the_reboot_into_new_firmware_may_lose_the_list_too(reported, found):
    """§3.5.2 with §5.19: the reboot into new firmware is a reboot like a Reset's; seen only at its BootNotification
    (the connection lost to something else first) it may lose the list as well (the shrunk kill of the mutant
    LocalListLostAtReboot on the RuleChoice machine: 'answered 0, expected 1' after such a reboot, while at a Reset
    or a power cycle version 0 was the recommendation only). A version neither list has is still LocalListVersion."""
    assert rebooted_into_new_firmware_unseen().version(reported) == found
