"""Placeholder steps: requirements whose check cannot be written yet.

Every step here raises ``living_checklist.Pending`` saying what is missing and who provides it, so the
requirement counts as pending and is never lost:

- while a value in the step is ``TBD``, the missing piece is the decision (reason ``tbd``);
- once every value is written, the missing piece is the evidence (reason ``placeholder``): the
  message says what evidence counts and who provides or judges it (a usability test, a legal
  review, a recovery drill: things a program cannot decide here). Replace the step here with one
  that gathers the evidence, and the requirement becomes live.

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
        f"decided, not checked by a program: it needs {check}, which {who} provide or judge. Replace this "
        "placeholder in steps/placeholders.py with a live step once that evidence can be gathered automatically.",
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



@given(parsers.parse('the system is combined with "{other}"'))
def combined_with(other: str) -> None:
    """Another system or component the system runs together with, for safe-integration requirements."""
    _missing(
        other,
        decision="the systems or components this one is combined with",
        who="the safety engineer",
        check=f"a test set-up where the system runs together with {other}",
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


# Not "the output conforms to": that one is live (a format checked by the library).
@then(parsers.re(r'the (?P<subject>(?!output ).+?) conforms to "(?P<standard>.*)"'))
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


@then(parsers.parse('the system reads and writes no file outside "{directory}"'))
def confined_to_directory(directory: str) -> None:
    """The system's file access is confined to its own working area."""
    _missing(
        directory,
        decision="the directories the system may read and write",
        who="the security lead with the tech lead",
        check=f"a run under file-access tracing that flags any path outside {directory}",
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


@then(parsers.parse("the operator is alerted within {minutes} minutes"))
def operator_alerted(minutes: str) -> None:
    """Monitoring: operations learn of an outage before users report it."""
    _missing(
        minutes,
        decision="how soon an operator must be alerted",
        who="the operations lead",
        check="a monitoring drill that times the alert after the fault",
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


@then(parsers.parse('the user tells within {minutes} minutes whether the system suits "{task}"'))
def recognizes_fit(minutes: str, task: str) -> None:
    """Appropriateness recognizability: a prospective user sees whether the system fits their need."""
    _missing(
        minutes,
        task,
        decision="the task prospective users come with and the minutes they may take to judge the fit",
        who="the product owner with a usability specialist",
        check=f"a first-impression test in which users judge within {minutes} minutes whether it suits {task}",
    )


@then(parsers.parse('users of that role rate the system at least {score} on "{scale}"'))
def rated_at_least(score: str, scale: str) -> None:
    """User engagement: how users rate their experience, on a named questionnaire."""
    _missing(
        score,
        scale,
        decision="the questionnaire and the lowest acceptable score",
        who="the product owner with a usability specialist",
        check=f"the {scale} questionnaire answered by real users after real use",
    )


@then(parsers.parse("the system runs {hours} hours of normal operation with at most {failures} failures"))
def faultless_operation(hours: str, failures: str) -> None:
    """Faultlessness: failures counted over a stated period of normal operation."""
    _missing(
        hours,
        failures,
        decision="the period of normal operation and the most failures allowed in it",
        who="the operations lead with the product owner",
        check=f"the incident log of {hours} hours of production-like operation",
    )


@then(parsers.parse('the system keeps proof of who did it by "{proof}"'))
def proof_of_action(proof: str) -> None:
    """Non-repudiation: an action that commits a user leaves proof the user cannot deny."""
    _missing(
        proof,
        decision="the proof that an action was taken by its user (e.g. a signature with the user's key)",
        who="the security lead with legal counsel",
        check=f"a review of the stored proof ({proof}) for a sample of such actions",
    )


@then(parsers.parse("a change to one component changes at most {count} other components"))
def change_spread(count: str) -> None:
    """Modularity: how far one change spreads through the code."""
    _missing(
        count,
        decision="the most other components one change may touch",
        who="the tech lead",
        check="a dependency analysis or the change history of the code",
    )


@then(parsers.parse('the component "{component}" is used unchanged in "{other}"'))
def reused_unchanged(component: str, other: str) -> None:
    """Reusability: a component serves another system or project without changes."""
    _missing(
        component,
        other,
        decision="the component meant for reuse and where it must serve",
        who="the tech lead with the architect",
        check=f"{component} built and tested in {other} without changes",
    )
