"""The table of `ocpp-verify mutants` (properties/mutants.py): the issue-4 measures at its foot."""

from __future__ import annotations

from properties.mutants import KillResult, octt_kills, table


def result(name, killed=True, seconds=1.0, shrunk=3, minimal=3, octt=None):
    return KillResult(mutant=name, killed=killed, seconds=seconds if killed else None,
                      examples=5 if killed else None, shrunk_length=shrunk if killed else None,
                      minimal_length=minimal, finding="f.json" if killed else None,
                      rule="R" if killed else None, octt=octt)


def test_totals_give_killed_share_median_time_and_shrink_quality():
    text = table([result("A", seconds=1.0), result("B", seconds=3.0, shrunk=6), result("C", killed=False)])
    assert "killed 2/3" in text
    assert "median 2.00s, max 3.00s" in text
    assert "shrunk <= minimal + 1: 1/2" in text
    assert "OCTT" not in text


def test_a_mutant_that_breaks_only_a_recommendation_is_no_bug_and_must_not_be_killed():
    """§3.5.2: LocalListLostAtReboot (the SAP simulator's list lost at a reboot) breaks a SHOULD: it counts as
    expected when the run reports the recommendation and finds nothing, and is left out of the killed share."""
    kept = KillResult(mutant="L", killed=False, seconds=None, examples=None, shrunk_length=None, minimal_length=3,
                      finding=None, rule=None, recommendation="LocalListNotPersisted", reported=True)
    text = table([result("A"), kept])
    assert "killed 1/1" in text and "L  " in text and " rec " in text
    assert "no bug, a recommendation not followed (rec: reported, no finding): L (LocalListNotPersisted)" in text
    assert kept.as_expected and result("A").as_expected and not result("B", killed=False).as_expected
    killed = KillResult(mutant="L", killed=True, seconds=1.0, examples=5, shrunk_length=3, minimal_length=3,
                        finding="f.json", rule="R", recommendation="LocalListNotPersisted", reported=True)
    assert not killed.as_expected and "NOT as expected" in table([killed])


def test_octt_column_names_the_mutants_the_catalogue_misses():
    text = table([result("A", octt=("TC_016_CS",)), result("B", octt=())])
    assert "missed by the OCTT catalogue alone: B" in text


def test_octt_kills_a_core_mutant_by_its_case():
    assert "TC_016_CS" in octt_kills("SoftResetReportsHardReset")


def test_a_signal_stops_the_mutants_command_after_the_mutant_under_way(monkeypatch, capsys):
    """SIGINT/SIGTERM: the table shows the mutants run so far and the exit code says the run is
    incomplete (properties/stopping.py)."""
    from properties import mutants, stopping
    from properties.cli import EXIT_ERROR, main

    def run_mutant(name, *args, **kwargs):
        stopping._requested.set()  # as the signal handler does
        return result(name)

    monkeypatch.setattr(mutants, "run_mutant", run_mutant)
    assert main(["mutants", "ConnectorZeroStatusNotReported", "MeterStopBelowMeterStart"]) == EXIT_ERROR
    out, err = capsys.readouterr()
    assert "ConnectorZeroStatusNotReported" in out and "MeterStopBelowMeterStart" not in out
    assert "stopped by a signal" in err


def test_no_shrink_gives_the_time_to_kill_without_the_shrink_quality(capsys):
    import json

    from properties.cli import main

    assert main(["mutants", "BootRetryCappedAtOwnInterval", "--no-shrink", "--max-examples", "25", "--seed", "2",
                 "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["killed"] and row["examples"] <= 25 and row["shrunk_length"] is None
    assert "; not shrunk" in table([result("A", shrunk=None)])
