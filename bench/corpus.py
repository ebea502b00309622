"""The corpus workload (F2, F3): the shape of a real requirements corpus, not of a micro-benchmark."""

from __future__ import annotations

# The corpus (F2): the shape of a real requirements corpus, not of a micro-benchmark.
# Thousands of scenarios with ids, a Background per file, long step texts, some data tables and doc
# strings, outlines with many rows, a few TBD values, and most steps undefined.
CORPUS_FILES = 38
CORPUS_SCENARIOS = 95  # plain scenarios per file
CORPUS_OUTLINES = 3  # outlines per file
CORPUS_ROWS = 23  # Examples rows per outline
CORPUS_DEFINED_EVERY = 10  # every 10th plain scenario has every step defined (and passes)
CORPUS_TBD_EVERY = 17  # every 17th plain scenario has a TBD value (pending, reason tbd)

CORPUS_STEPS = """\
from pytest_bdd import given, parsers, then, when


@given(parsers.parse("the subsystem {area:d} is deployed with the reference configuration of the operations "
                     "handbook, section {section}, including its retention, replication and alerting settings"))
def _(area: int, section: str) -> None:
    pass


@given(parsers.parse("a client that sends request {number:d} with a payload of {size:d} bytes over a warm "
                     "connection from the same region as the primary replica"), target_fixture="request_size")
def _(number: int, size: int) -> int:
    return size


@when(parsers.parse("the system handles the request while the nightly compaction and the backup of "
                    "subsystem {area:d} run at their scheduled times"))
def _(area: int) -> None:
    pass


@then(parsers.parse("the response arrives within {ms:d} milliseconds and carries the whole payload of "
                    "{size:d} bytes"))
def _(request_size: int, ms: int, size: int) -> None:
    assert request_size == size
"""


def corpus_features(files: int = CORPUS_FILES) -> dict[str, str]:
    out = {}
    for f in range(files):
        lines = [
            f"@area-{f:02d}",
            f"Feature: Subsystem {f:02d} keeps its service levels under the load profiles agreed with operations",
            "  The requirements below were collected from the service-level agreement, the operations",
            "  handbook and the incident reviews of the last two years; each one names its source document.",
            "",
            "  Background:",
            f"    Given the subsystem {f} is deployed with the reference configuration of the operations handbook, "
            f"section {f}.2, including its retention, replication and alerting settings",
            "",
        ]
        for n in range(CORPUS_SCENARIOS):
            rid = f"CORP-{f:02d}{n:03d}"
            lines += [f"  @{rid}", f"  Scenario: Request {n} of subsystem {f} is answered in time"]
            if n % CORPUS_DEFINED_EVERY == 0:
                size = 1000 + n
                lines += [
                    f"    Given a client that sends request {n} with a payload of {size} bytes over a warm connection "
                    "from the same region as the primary replica",
                    f"    When the system handles the request while the nightly compaction and the backup of "
                    f"subsystem {f} run at their scheduled times",
                    f"    Then the response arrives within {200 + n} milliseconds and carries the whole payload of "
                    f"{size} bytes",
                ]
            else:
                limit = "TBD" if n % CORPUS_TBD_EVERY == 0 else str(50 + n)
                lines += [
                    f"    Given an operator who has enabled audit logging for tenant {n} with a retention of "
                    f"{30 + n % 60} days and forwarding to the central archive of region {f % 4}",
                    f"    And the tenant {n} has {n * 13 % 997} active users whose sessions were opened in the last "
                    "hour from at least three different client applications",
                    f"    When the operator exports the audit trail of tenant {n} for the last {1 + n % 28} days as "
                    "a signed archive while the nightly compaction runs",
                    f"    Then the export of tenant {n} completes within {limit} seconds and the archive verifies "
                    "against the published signing key of the archive service",
                ]
                if n % 7 == 3:
                    lines += [
                        "    And the archive lists these fields for every entry:",
                        "      | field      | type      | required |",
                        "      | timestamp  | RFC 3339  | yes      |",
                        "      | actor      | user id   | yes      |",
                        "      | action     | verb      | yes      |",
                        "      | resource   | URN       | no       |",
                    ]
                if n % 11 == 5:
                    lines += [
                        "    And the summary of the export reads:",
                        '      """',
                        f"      Audit export for tenant {n}: every entry is signed, ordered by time and complete;",
                        "      entries older than the retention window are listed as expired, not dropped.",
                        '      """',
                    ]
            lines.append("")
        for o in range(CORPUS_OUTLINES):
            rid = f"CORP-{f:02d}9{o:02d}"
            lines += [
                f"  @{rid}",
                f"  Scenario Outline: Throughput {o} of <kind> requests of subsystem {f} under sustained load",
                "    Given a load profile of <rate> requests per second sustained for <minutes> minutes against the "
                "<kind> endpoint with payloads of <size> bytes",
                "    When the system processes the load while the background compaction and the replication jobs "
                "run at their nightly schedule",
                "    Then at least <ratio> percent of the <kind> requests complete within <ms> milliseconds as "
                "measured at the client",
                "",
                "    Examples:",
                "      | kind   | rate | minutes | size  | ratio | ms   |",
            ]
            kinds = ("read", "write", "search", "export")
            for r in range(CORPUS_ROWS):
                lines.append(
                    f"      | {kinds[r % 4]:<6} | {100 * (r + 1):<4} | {5 + r % 30:<7} | {512 * (1 + r % 9):<5} | "
                    f"{90 + r % 10:<5} | {50 * (1 + r % 20):<4} |"
                )
            lines.append("")
        out[f"subsystem_{f:02d}.feature"] = "\n".join(lines)
    return out


def corpus_expected(files: int = CORPUS_FILES) -> dict[str, int]:
    """What a run of the corpus reports: the defined scenarios pass, every other case is pending (xfail)."""
    passed = files * len(range(0, CORPUS_SCENARIOS, CORPUS_DEFINED_EVERY))
    cases = files * (CORPUS_SCENARIOS + CORPUS_OUTLINES * CORPUS_ROWS)
    return {"passed": passed, "xfailed": cases - passed}
