Feature: Keeping the system easy to change
  Testability, analysability and modifiability of the system's own code. Decided by the tech
  lead.

  @MAINT-001
  Scenario: Automated tests cover the agreed share of the code
    Decided by the tech lead.
    Fill in: the minimum line coverage in percent.

    Then the automated tests cover at least TBD percent of the lines

  @MAINT-002
  Scenario: The code passes the agreed static checks
    Decided by the tech lead.
    Fill in: the linters and type checkers with their configuration, e.g. "ruff and mypy --strict
    as configured in pyproject.toml".

    Then the code conforms to "TBD"

  @MAINT-003
  Scenario: The full set of automated checks finishes quickly enough to run on every change
    Decided by the tech lead; it must stay well under the CI time limit.
    Fill in: the minutes the whole run may take.

    Then the automated checks finish in at most TBD minutes

  @MAINT-004
  Scenario: A new developer can build and test the system from the documentation
    Decided by the tech lead.
    Fill in: where the developer documentation lives.

    Then the documentation at "TBD" explains "building and testing from a clean checkout"

  @MAINT-005
  Scenario: Every failure is logged with its cause
    Decided by the tech lead with the operations lead, who read the logs.
    Fill in: a fault to inject and the log level it must be recorded at, e.g. "ERROR".

    When the fault "TBD" occurs
    Then the log records the cause at level "TBD"
