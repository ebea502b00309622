# Requirements from the sqlite3 command-line shell's documentation, https://sqlite.org/cli.html.
@system-sqlite
Feature: The sqlite3 command-line shell

  @SQL-001
  Scenario: SQL read on standard input is run and its result printed
    When I run the system with arguments ":memory:" and input "select 6 * 7;"
    Then the exit status is 0
    And the output contains "42"
    And the error output is empty

  @SQL-002
  Scenario: --safe refuses dot-commands that reach outside the database (".shell")
    # "--safe ... disable all features of the CLI that might cause any changes to the host computer"
    When I run the system with arguments "-safe :memory:" and input ".shell echo touched"
    Then the exit status is non-zero
    And the output does not contain "touched"
    And the error output contains "safe mode"

  @SQL-003
  Scenario: -bail stops at the first error
    When I run the system with arguments "-bail :memory:" and input "select 1;\nselect nosuch;\nselect 2;"
    Then the exit status is non-zero
    And the output does not contain "2"
    And the error output contains "no such column"

  @SQL-004
  Scenario: without -bail the shell goes on after an error
    When I run the system with arguments ":memory:" and input "select 1;\nselect nosuch;\nselect 2;"
    Then the output contains "2"

  @SQL-005
  Scenario: -json prints the result as JSON
    When I run the system with arguments "-json :memory:" and input "select 1 as a, 'x' as b;"
    Then the exit status is 0
    And the output conforms to "JSON"
    And the output contains "{\"a\":1,\"b\":\"x\"}"

  @SQL-006
  Scenario: -version prints the library's version, 3 or later
    When I run the system with arguments "-version"
    Then the exit status is 0
    And the first number in the output is at least 3

  @SQL-007
  Scenario: arbitrary input in safe mode never crashes the shell
    When the system is fed 20 arbitrary inputs with arguments "-safe :memory:"
    Then it never crashes or hangs longer than 10 s
