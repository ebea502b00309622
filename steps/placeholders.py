"""Placeholder steps: requirements whose check cannot be written yet.

Every step here raises ``living_checklist.Pending`` saying what is missing and who provides it, so the
requirement counts as pending and is never lost:

- while a value in the step is ``TBD``, the missing piece is the decision (reason ``tbd``);
- once every value is written, the missing piece is a live check (reason ``placeholder``): replace
  the step here with one that gathers the evidence, and the requirement becomes live.

The phrases are a small shared vocabulary, reused across areas. None of them may match a phrase
of the live library ``living_checklist.steps`` (``living-checklist steps`` lists them), or the
step would be ambiguous.
"""

from __future__ import annotations

import re
from typing import NoReturn

from pytest_bdd import given, parsers, then, when

from living_checklist import Pending

_TBD = re.compile(r"\bTBD\b")


def _missing(*values: str, decision: str = "", who: str, check: str) -> NoReturn:
    """Raise Pending: the decision while any value is TBD, otherwise the live check still to write."""
    if any(_TBD.search(value) for value in values):
        raise Pending(f"TBD: {decision}; decided by {who}. Write it in place of TBD.", reason="tbd")
    raise Pending(
        f"decided, not yet checked: {check}. Replace this placeholder in steps/placeholders.py with a live step.",
        reason="placeholder",
    )


# Given: the context a requirement depends on.


@given(parsers.parse('the data the system stores is classified as "{level}"'))
def data_classification(level: str) -> None:
    """The sensitivity class of the stored data (e.g. public, internal, personal, secret)."""
    _missing(
        level,
        decision="the classification of the data the system stores",
        who="the data owner with the security lead",
        check=f"an inventory of where the system keeps {level} data, for the protection checks to inspect",
    )


@given(parsers.parse('the system is deployed as "{form}"'))
def deployment_form(form: str) -> None:
    """How the system reaches its users: command-line tool, library, long-running service, ..."""
    _missing(
        form,
        decision="the form in which the system is deployed (command-line tool, library, service, ...)",
        who="the product owner with the operations lead",
        check=f"a way to deploy the system as {form} on a test machine",
    )


@given(parsers.parse('a user with the role "{role}"'))
def user_with_role(role: str) -> None:
    """A user of a named role or user group, for access-control and usability requirements."""
    _missing(
        role,
        decision="the role or user group this requirement is about",
        who="the product owner (roles and user groups) with the security lead (permissions)",
        check=f"a test account or test participant with the role {role}",
    )


@given(parsers.parse('the input was written by "{producer}"'))
def input_producer(producer: str) -> None:
    """Input data that another tool, or an earlier version of the system, produced."""
    _missing(
        producer,
        decision="the tool or earlier version whose output the system must read",
        who="the tech lead with the teams that produce the data",
        check=f"sample files written by {producer}, kept with the tests",
    )


@given(parsers.parse('the machine also runs "{software}"'))
def coexisting_software(software: str) -> None:
    """Other software that shares the machine with the system."""
    _missing(
        software,
        decision="the other software the system shares its machine with",
        who="the operations lead",
        check=f"a test machine that runs {software} alongside the system",
    )


# When: the event a requirement is about.


@when(parsers.parse('the fault "{fault}" occurs'))
def fault_occurs(fault: str) -> None:
    """A fault injected into the system or its surroundings (lost dependency, killed process, full disk)."""
    _missing(
        fault,
        decision="the fault to inject (which dependency fails, which process dies, which resource runs out)",
        who="the tech lead with the operations lead",
        check=f"a fault-injection step that makes '{fault}' happen to a running system",
    )


@when(parsers.parse("{count} users use the system at the same time"))
def concurrent_users(count: str) -> None:
    """Simultaneous use by many users, for capacity requirements."""
    _missing(
        count,
        decision="the number of simultaneous users the system must serve",
        who="the product owner from the expected peak use",
        check=f"a load generator that drives {count} simultaneous users and records their wall times",
    )


@when(parsers.parse("the system runs continuously for {hours} hours"))
def continuous_operation(hours: str) -> None:
    """A long uninterrupted run, for stability (leaks, slowdowns) requirements."""
    _missing(
        hours,
        decision="how long the system must run without a restart",
        who="the operations lead",
        check=f"a soak run of {hours} hours that records peak memory, outside the per-commit checks",
    )


@when(parsers.parse('the user attempts "{action}"'))
def user_attempts(action: str) -> None:
    """A user tries one action of the system."""
    _missing(
        action,
        decision="the user action this requirement is about",
        who="the product owner",
        check=f"a way to perform '{action}' against the system as the given user",
    )


# Then: the outcome that must hold.


@then(parsers.parse('the result agrees with the reference "{reference}" to within {tolerance}'))
def agrees_with_reference(reference: str, tolerance: str) -> None:
    """Functional correctness against an independent reference (oracle)."""
    _missing(
        reference,
        tolerance,
        decision="the reference that defines correct results and the tolerance allowed",
        who="the product owner with a domain expert",
        check=f"a comparison of the system's output with {reference}, allowing {tolerance}",
    )


@then(parsers.parse('repeated runs give identical output apart from "{parts}"'))
def deterministic_output(parts: str) -> None:
    """Determinism: the same input gives the same output, except for named parts."""
    _missing(
        parts,
        decision="which parts of the output may differ between runs (or 'nothing')",
        who="the product owner with the tech lead",
        check=f"repeated runs on the same input whose outputs are compared, ignoring {parts}",
    )


@then(parsers.parse('the {subject} conforms to "{standard}"'))
def conforms_to(subject: str, standard: str) -> None:
    """Conformance of some part of the system or its process to a named standard or policy."""
    _missing(
        standard,
        decision=f"the standard, format or policy the {subject} must conform to",
        who="the owner named in the scenario's description",
        check=f"a validator that checks the {subject} against {standard}",
    )


@then(parsers.parse("at most {seconds} seconds of confirmed work are lost"))
def work_lost_at_most(seconds: str) -> None:
    """Recovery point objective: how much confirmed work a fault may lose."""
    _missing(
        seconds,
        decision="the recovery point objective (0 means nothing confirmed may be lost)",
        who="the product owner with the operations lead",
        check="a comparison of the work confirmed before the fault with the work present after recovery",
    )


@then(parsers.parse("the system is back in service within {minutes} minutes"))
def back_in_service(minutes: str) -> None:
    """Recovery time objective: how soon the system serves users again after a fault."""
    _missing(
        minutes,
        decision="the recovery time objective",
        who="the operations lead with the product owner",
        check="a timed recovery drill from the fault to the first successful request",
    )


@then(parsers.parse("the system is available for at least {percent} percent of each {period}"))
def availability(percent: str, period: str) -> None:
    """Availability over a stated period, as monitored in production."""
    _missing(
        percent,
        period,
        decision="the availability target and the period it is measured over",
        who="the product owner with the operations lead",
        check=f"uptime data from production monitoring, summed per {period}",
    )


@then(parsers.parse('the data {state} is protected by "{measure}"'))
def data_protected(state: str, measure: str) -> None:
    """Confidentiality and integrity of data at rest or in transit."""
    _missing(
        measure,
        decision=f"how the data {state} is protected (e.g. which encryption), given its classification",
        who="the security lead",
        check=f"an inspection that the data {state} is protected by {measure}",
    )


@then(parsers.parse('neither the output nor the logs contain "{text}"'))
def no_secret_leaks(text: str) -> None:
    """A secret the system handles never shows in what it prints or logs."""
    _missing(
        text,
        decision="the test secret to plant and look for",
        who="the security lead",
        check="a run that captures the output and every log the system writes and searches them",
    )


@then(parsers.parse('the system reads and writes no file outside "{directory}"'))
def confined_to_directory(directory: str) -> None:
    """The system's file access is confined to its own working area."""
    _missing(
        directory,
        decision="the directories the system may read and write",
        who="the security lead with the tech lead",
        check=f"a run under file-access tracing that flags any path outside {directory}",
    )


@then("the attempt is refused")
def attempt_refused() -> None:
    """The action just attempted is refused, and nothing it would have changed is changed."""
    _missing(
        who="the product owner with the security lead",
        check="a check that the attempted action was refused and changed nothing",
    )


@then(parsers.parse('records of "{kind}" are kept for at least {days} days'))
def kept_at_least(kind: str, days: str) -> None:
    """Minimum retention of a kind of record (audit trail, logs)."""
    _missing(
        kind,
        days,
        decision="which records must be kept and for how many days",
        who="the security lead with legal counsel",
        check=f"a check that the oldest records of {kind} are at least {days} days old or date from the start",
    )


@then(parsers.parse('records of "{kind}" are deleted at most {days} days after "{event}"'))
def deleted_at_most(kind: str, days: str, event: str) -> None:
    """Maximum retention of a kind of record, counted from an event (creation, a request, an account closing)."""
    _missing(
        kind,
        days,
        event,
        decision="which records must be deleted, how many days after which event",
        who="the data protection officer or legal counsel",
        check=f"a check that no record of {kind} outlives {event} by more than {days} days",
    )


@then(parsers.parse('the dependency audit finds no known vulnerability of severity "{level}" or higher'))
def dependency_audit(level: str) -> None:
    """No third-party dependency has a published vulnerability at or above a severity."""
    _missing(
        level,
        decision="the lowest vulnerability severity that blocks a release",
        who="the security lead",
        check="a dependency audit of the locked dependencies against a vulnerability database",
    )


@then(parsers.parse("the user completes it within {minutes} minutes without help"))
def user_completes_task(minutes: str) -> None:
    """Learnability: a user of the named group finishes the task unaided within a time."""
    _missing(
        minutes,
        decision="how long a user of that group may take for the task",
        who="the product owner with a usability specialist",
        check="the result of a usability test with real users of the group, recorded with the tests",
    )


@then("the system asks for confirmation before it goes ahead")
def asks_for_confirmation() -> None:
    """User error protection: an action that cannot be undone needs a confirmation."""
    _missing(
        who="the product owner",
        check="a run that declines the confirmation and checks that nothing changed",
    )


@then(parsers.parse("the system shows progress at least every {seconds} seconds"))
def shows_progress(seconds: str) -> None:
    """Self-descriptiveness: a long operation keeps the user informed."""
    _missing(
        seconds,
        decision="the longest silence allowed during a long operation",
        who="the product owner",
        check="a run of a long operation that time-stamps each progress report",
    )


@then(parsers.parse('the user interface is available in "{languages}"'))
def available_in_languages(languages: str) -> None:
    """The languages the user interface and its messages are offered in."""
    _missing(
        languages,
        decision="the languages the user interface must offer",
        who="the product owner",
        check=f"a check that every user-visible text has a translation into {languages}",
    )


@then(parsers.parse('the documentation at "{location}" explains "{topic}"'))
def documentation_explains(location: str, topic: str) -> None:
    """A named piece of documentation exists and covers a topic."""
    _missing(
        location,
        topic,
        decision="where the documentation lives and what it must explain",
        who="the owner named in the scenario's description",
        check=f"a review, or a doctest-style run, showing that {location} explains {topic}",
    )


@then(parsers.parse("the automated tests cover at least {percent} percent of the lines"))
def test_coverage(percent: str) -> None:
    """Testability: the share of the system's code that its automated tests execute."""
    _missing(
        percent,
        decision="the minimum line coverage of the system's automated tests",
        who="the tech lead",
        check="a coverage report of the system's own test suite, read by this step",
    )


@then(parsers.parse("the automated checks finish in at most {minutes} minutes"))
def checks_duration(minutes: str) -> None:
    """Testability: the full set of automated checks stays fast enough to run on every change."""
    _missing(
        minutes,
        decision="the longest the full set of automated checks may take",
        who="the tech lead",
        check="the duration of the CI run, read by this step",
    )


@then(parsers.parse('the log records the cause at level "{level}"'))
def log_records_cause(level: str) -> None:
    """Analysability: a failure leaves a log entry that names its cause."""
    _missing(
        level,
        decision="the log level failures are recorded at (and where the log goes)",
        who="the tech lead with the operations lead",
        check=f"a captured log searched for a {level} entry naming the injected fault",
    )


@then(parsers.parse("the operator is alerted within {minutes} minutes"))
def operator_alerted(minutes: str) -> None:
    """Monitoring: operations learn of an outage before users report it."""
    _missing(
        minutes,
        decision="how soon an operator must be alerted",
        who="the operations lead",
        check="a monitoring drill that times the alert after the fault",
    )


@then(parsers.parse('the system installs on a clean machine with "{command}" within {minutes} minutes'))
def installs_cleanly(command: str, minutes: str) -> None:
    """Installability: one documented command sets the system up on a fresh machine."""
    _missing(
        command,
        minutes,
        decision="the install command and how long installing may take",
        who="the operations lead with the tech lead",
        check=f"a timed run of {command} in a fresh container or virtual machine",
    )


@then(parsers.parse('the setting "{name}" can be changed without changing the code'))
def configurable_setting(name: str) -> None:
    """Adaptability: a value that differs between deployments lives in configuration."""
    _missing(
        name,
        decision="which setting differs between deployments",
        who="the operations lead with the tech lead",
        check=f"two runs with different values of {name}, each taking effect without a rebuild",
    )


@then(parsers.parse('all stored data can be exported as "{export_format}"'))
def exportable_data(export_format: str) -> None:
    """Replaceability: the data can leave the system in an open format."""
    _missing(
        export_format,
        decision="the open format the stored data must be exportable in",
        who="the product owner",
        check=f"an export of a populated test instance, validated as {export_format} and complete",
    )


@then(parsers.parse('the system enters the safe state "{state}"'))
def enters_safe_state(state: str) -> None:
    """Fail safe: after a fault the system stops in a state that causes no harm."""
    _missing(
        state,
        decision="the safe state the system must fall back to",
        who="the safety assessor with the product owner",
        check=f"a fault-injection run that observes the system reach {state}",
    )


@then(parsers.parse('the stored data stays within "{jurisdiction}"'))
def data_residency(jurisdiction: str) -> None:
    """Data residency: where the stored data (and its backups) may physically be."""
    _missing(
        jurisdiction,
        decision="the jurisdiction the stored data and its backups must stay in",
        who="legal counsel with the data protection officer",
        check=f"an inspection of every storage and backup location against {jurisdiction}",
    )
