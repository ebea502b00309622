"""Differential tests: the same project through pytest-bdd's ``scenarios()`` and through the plugin.

Outcomes and every pytest-bdd hook call (with the objects passed) must agree, apart from the
deliberate differences listed in the README (see ``tests/parity.py``). The cases are ported from
pytest-bdd's own test suite (tests/feature, tests/steps, tests/args, tests/datatable).
"""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import HealthCheck, given, settings

from tests.helpers import write_files
from tests.parity import IGNORE_MARKS, PYPROJECT, RECORDER, assert_same, run_both, run_recorded
from tests.strategies import GProject, bdd_projects


def feature(text: str) -> str:
    return textwrap.dedent(text).lstrip()


def check(pytester: pytest.Pytester, files: dict[str, str], steps: str, **outcomes: int) -> None:
    ours, theirs = run_both(pytester, {k: feature(v) for k, v in files.items()}, textwrap.dedent(steps))
    assert theirs.records, theirs.result.stdout.str()
    assert_same(ours, theirs)
    if outcomes:
        ours.result.assert_outcomes(**outcomes)


def test_fixtures_of_every_scope(pytester: pytest.Pytester) -> None:
    """A step may use function, class, module, package and session fixtures (pytest-bdd tests/feature/test_steps.py)."""
    check(
        pytester,
        {
            "features/scopes.feature": """
                Feature: Scopes
                  Scenario: first
                    Given the fixtures
                    Then the module fixture was made 1 time

                  Scenario: second
                    Given the fixtures
                    Then the module fixture was made 1 time
            """
        },
        """
        import pytest
        from pytest_bdd import given, then, parsers

        MADE = []

        @pytest.fixture(scope="session")
        def in_session():
            return "session"

        @pytest.fixture(scope="package")
        def in_package():
            return "package"

        @pytest.fixture(scope="module")
        def in_module():
            MADE.append(1)
            return "module"

        @pytest.fixture(scope="class")
        def in_class():
            return "class"

        @pytest.fixture
        def in_function():
            return "function"

        @given("the fixtures")
        def _(in_session, in_package, in_module, in_class, in_function, request):
            assert request.module is not None
            assert (in_session, in_package, in_module, in_class, in_function) == (
                "session", "package", "module", "class", "function")

        @then(parsers.parse("the module fixture was made {n:d} time"))
        def _(in_module, n):
            assert len(MADE) == n
        """,
        passed=2,
    )


def test_background_doc_string_and_outline_parameter(pytester: pytest.Pytester) -> None:
    """Doc strings are dedented; <param> of an outline is filled in inside Background steps too
    (pytest-bdd tests/feature/test_background.py, tests/steps/test_docstring.py)."""
    check(
        pytester,
        {
            "features/background.feature": '''
                Feature: Background
                  Background:
                    Given a doc string
                      """
                        indented
                          more
                      """
                    And a fruit called <fruit>

                  Scenario Outline: eating
                    When I eat the <fruit>
                    Then I ate <fruit>

                    Examples:
                      | fruit  |
                      | apple  |
                      | banana |

                  Scenario: plain
                    Then the doc string is dedented
            '''
        },
        """
        from pytest_bdd import given, when, then, parsers

        @given("a doc string", target_fixture="text")
        def _(docstring):
            return docstring

        @given(parsers.parse("a fruit called {name}"), target_fixture="fruit")
        def _(name):
            return name

        @when(parsers.parse("I eat the {name}"), target_fixture="eaten")
        def _(name, fruit):
            assert name == fruit
            return name

        @then(parsers.parse("I ate {name}"))
        def _(name, eaten, text):
            assert name == eaten
            assert text == "indented\\n  more"

        @then("the doc string is dedented")
        def _(text):
            assert text == "indented\\n  more"
        """,
        passed=3,
    )


def test_reserved_argument_names(pytester: pytest.Pytester) -> None:
    """A parser field named datatable or docstring is an error, as in pytest-bdd 8.1+."""
    check(
        pytester,
        {
            "features/reserved.feature": '''
                Feature: Reserved
                  Scenario: datatable
                    Given a table called x

                  Scenario: docstring
                    Given a text called y
                      """
                      text
                      """
            '''
        },
        """
        from pytest_bdd import given, parsers

        @given(parsers.parse("a table called {datatable}"))
        def _(datatable):
            pass

        @given(parsers.parse("a text called {docstring}"))
        def _(docstring):
            pass
        """,
        failed=2,
    )


def test_hooks_on_passing_failing_and_undefined_steps(pytester: pytest.Pytester) -> None:
    """Every hook, in pytest-bdd's order, with its objects (pytest-bdd tests/test_hooks.py)."""
    check(
        pytester,
        {
            "features/hooks.feature": """
                @feature_tag
                Feature: Hooks
                  A description
                    over two lines

                  @passing
                  Scenario: passes
                    Given a step
                    When it runs with 3
                    Then it passed

                  Scenario: fails
                    Given a step
                    When it fails

                  Scenario: undefined
                    Given a step
                    When nobody wrote this step
                    Then it passed

                  Rule: a rule
                    Scenario: in a rule
                      Given a step
                      * it runs with 4
            """
        },
        """
        from pytest_bdd import given, when, then, step, parsers

        @given("a step")
        def _():
            pass

        @step(parsers.parse("it runs with {n:d}"))
        def _(n):
            assert n in (3, 4)

        @when("it fails")
        def _():
            raise ValueError("no")

        @then("it passed")
        def _():
            pass
        """,
        passed=2,
        failed=1,
        xfailed=1,
    )


def test_converters_target_fixture_and_yield(pytester: pytest.Pytester) -> None:
    """Converters, target_fixture overriding a fixture, a yield step finishing at teardown
    (pytest-bdd tests/steps/test_given.py, tests/feature/test_steps.py)."""
    check(
        pytester,
        {
            "features/steps.feature": """
                Feature: Steps
                  Scenario: all of it
                    Given there are 5 cucumbers
                    And a resource
                    When I eat 2 cucumbers
                    Then I have 3 cucumbers
                    And the value is overridden
            """
        },
        """
        import pytest
        from pytest_bdd import given, when, then, parsers

        @pytest.fixture
        def value():
            return "original"

        @given(parsers.parse("there are {n} cucumbers"), converters={"n": int}, target_fixture="cucumbers")
        def _(n):
            return {"count": n}

        @given("a resource", target_fixture="value")
        def _():
            yield "overridden"

        @when(parsers.re(r"I eat (?P<n>\\d+) cucumbers"), converters={"n": int})
        def _(cucumbers, n):
            cucumbers["count"] -= n

        @then(parsers.cfparse("I have {n:Number} cucumbers", extra_types={"Number": int}))
        def _(cucumbers, n):
            assert cucumbers["count"] == n

        @then("the value is overridden")
        def _(value):
            assert value == "overridden"
        """,
        passed=1,
    )


def test_a_target_fixture_lives_as_long_as_its_case(pytester: pytest.Pytester) -> None:
    """A case's target_fixture value overrides a fixture for that case only and is released with it.

    pytest-bdd registers each injected value as a fixture that pytest keeps for the whole session;
    the plugin drops it after the case's teardown (at 100k cases that was about 90 MiB)."""
    steps = """
        import gc
        import weakref

        import pytest
        from pytest_bdd import given, then

        VALUES = []

        class Value:
            pass

        @pytest.fixture
        def value():
            return "original"

        @given("an injected value", target_fixture="value")
        def _():
            made = Value()
            VALUES.append(weakref.ref(made))
            return made

        @then("the value is the injected one")
        def _(value):
            assert isinstance(value, Value)

        @then("the value is the original")
        def _(value):
            assert value == "original"

        def pytest_sessionfinish(session):
            gc.collect()
            print(f"\\nALIVE {sum(ref() is not None for ref in VALUES)} OF {len(VALUES)}")
        """
    scenarios = "".join(
        f"""
          Scenario: injected {n}
            Given an injected value
            Then the value is the injected one

          Scenario: original {n}
            Then the value is the original
        """
        for n in range(5)
    )
    check(pytester, {"features/values.feature": "Feature: Values\n" + textwrap.dedent(scenarios)}, steps, passed=10)
    ours = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", "features")
    ours.assert_outcomes(passed=10)
    ours.stdout.fnmatch_lines(["ALIVE 0 OF 5"])


def test_datatable_and_outline_in_tables(pytester: pytest.Pytester) -> None:
    """Data tables reach the step as lists of strings, outline parameters filled in
    (pytest-bdd tests/datatable/test_datatable.py, tests/feature/test_outline.py)."""
    check(
        pytester,
        {
            "features/tables.feature": """
                Feature: Tables
                  Scenario Outline: a table
                    Given the users
                      | name   | role   |
                      | <name> | admin  |
                      | bob    | <role> |
                    Then there are 2 users

                    Examples:
                      | name  | role  |
                      | alice | guest |
                      | carol | owner |
            """
        },
        """
        from pytest_bdd import given, then, parsers

        @given("the users", target_fixture="users")
        def _(datatable):
            return datatable[1:]

        @then(parsers.parse("there are {n:d} users"))
        def _(users, n):
            assert len(users) == n
        """,
        passed=2,
    )


def test_tags_become_markers(pytester: pytest.Pytester) -> None:
    """Tags of the feature, rule, scenario and examples select with -m (pytest-bdd tests/feature/test_tags.py)."""
    files = {
        "features/tags.feature": """
            @feature
            Feature: Tags
              @one
              Scenario: first
                Given a step

              Scenario Outline: second
                Given a step

                @two
                Examples:
                  | x |
                  | 1 |
        """
    }
    steps = """
    from pytest_bdd import given

    @given("a step")
    def _():
        pass
    """
    check(pytester, files, steps, passed=2)
    for expression, count in (("one", 1), ("two", 1), ("feature", 2), ("not one", 1)):
        ours = pytester.runpytest("-p", "no:cacheprovider", "-W", IGNORE_MARKS, "features", "-m", expression)
        theirs = pytester.runpytest(
            "-p", "no:cacheprovider", "-W", IGNORE_MARKS, "-p", "no:living_checklist", "test_bdd.py", "-m", expression
        )
        ours.assert_outcomes(passed=count)
        theirs.assert_outcomes(passed=count)


def test_case_and_type_matching(pytester: pytest.Pytester) -> None:
    """parse ignores case unless asked not to; a typed definition matches only its type; the
    type of And/But/* follows the step before (pytest-bdd tests/steps/test_keyword.py, test_common.py)."""
    check(
        pytester,
        {
            "features/match.feature": """
                Feature: Matching
                  Scenario: case
                    Given I Have 3 APPLES
                    And a given step
                    But a given step
                    * a given step
                    When a when step
                    Then a then step

                  Scenario: wrong type
                    Given a when step
            """
        },
        """
        from pytest_bdd import given, when, then, parsers

        @given(parsers.parse("I have {n:d} apples"))
        def _(n):
            assert n == 3

        @given("a given step")
        def _():
            pass

        @when("a when step")
        def _():
            pass

        @then("a then step")
        def _():
            pass
        """,
        passed=1,
        xfailed=1,
    )


def test_apply_tag_hook(pytester: pytest.Pytester) -> None:
    """A conftest pytest_bdd_apply_tag decides what a tag does (pytest-bdd's documented @todo example)."""
    check(
        pytester,
        {
            "features/tags.feature": """
                Feature: Apply tag
                  @todo
                  Scenario: not done
                    Given a step

                  @fine
                  Scenario: done
                    Given a step
            """
        },
        """
        import pytest
        from pytest_bdd import given

        def pytest_bdd_apply_tag(tag, function):
            if tag == "todo":
                pytest.mark.skip(reason="Not implemented yet")(function)
                return True
            return None

        @given("a step")
        def _():
            pass
        """,
        passed=1,
        skipped=1,
    )


def test_rules_with_backgrounds(pytester: pytest.Pytester) -> None:
    """Feature and Rule backgrounds run before the scenario's steps, in that order
    (pytest-bdd tests/feature/test_rule_example_format.py, tests/feature/test_background.py)."""
    check(
        pytester,
        {
            "features/rules.feature": """
                Feature: Rules
                  Background:
                    Given the list has "feature"

                  Rule: first
                    Background:
                      Given the list has "rule"

                    Scenario: in the rule
                      Then the list is "feature,rule"

                  Rule: second
                    Scenario: no rule background
                      Then the list is "feature"
            """
        },
        """
        import pytest
        from pytest_bdd import given, then, parsers

        @pytest.fixture
        def items():
            return []

        @given(parsers.parse('the list has "{item}"'))
        def _(items, item):
            items.append(item)

        @then(parsers.parse('the list is "{expected}"'))
        def _(items, expected):
            assert ",".join(items) == expected
        """,
        passed=2,
    )


def test_a_closer_conftest_overrides_a_step(pytester: pytest.Pytester) -> None:
    """The definition registered closest to the scenario wins (pytest-bdd tests/library/test_parent.py).
    Under pytest-bdd the test module beside the feature file sees the closer conftest.py."""
    write_files(
        pytester.path,
        {
            "conftest.py": RECORDER
            + textwrap.dedent(
                """
                from pytest_bdd import given, then, parsers

                @given("a value", target_fixture="value")
                def _():
                    return "root"

                @then(parsers.parse('the value is "{expected}"'))
                def _(value, expected):
                    assert value == expected
                """
            ),
            "pyproject.toml": PYPROJECT,
            "features/sub/over.feature": feature(
                """
                Feature: Override
                  Scenario: closest wins
                    Given a value
                    Then the value is "sub"
                """
            ),
            "features/sub/conftest.py": textwrap.dedent(
                """
                from pytest_bdd import given

                @given("a value", target_fixture="value")
                def _():
                    return "sub"
                """
            ),
            "features/sub/test_sub.py": 'from pytest_bdd import scenarios\n\nscenarios("over.feature")\n',
        },
    )
    theirs = run_recorded(pytester, "-p", "no:living_checklist", "features/sub/test_sub.py")
    ours = run_recorded(pytester, "features/sub/over.feature")
    assert_same(ours, theirs)
    ours.result.assert_outcomes(passed=1)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bdd_projects())
def test_generated_projects_behave_as_under_pytest_bdd(pytester: pytest.Pytester, project: GProject) -> None:
    """Generated feature files and step definitions (types, parsers, converters, target_fixture,
    yield, failing steps, doc strings, tables, module fixtures, backgrounds, outlines, undefined
    steps): same outcomes and hook calls as pytest-bdd, apart from the deliberate differences."""
    ours, theirs = run_both(pytester, {"features/generated.feature": project.feature_text()}, project.steps_source())
    assert theirs.records, theirs.result.stdout.str()
    assert_same(ours, theirs, project.undefined_scenarios())
