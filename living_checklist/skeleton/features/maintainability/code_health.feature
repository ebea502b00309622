Feature: Keeping the system easy to change
  Testability, analysability and modifiability of the system's own code. Decided by the tech
  lead.

  @MAINT-001 @q-testability
  Scenario: Automated tests cover the agreed share of the code
    Decided by the tech lead.
    Fill in: the coverage report the test job writes before the checklist runs (coverage.py's
    "coverage json" or "coverage xml", or any Cobertura XML), and the minimum line coverage in
    percent.

    Then the coverage report "TBD" shows at least TBD percent of the lines covered

  @MAINT-002 @q-analysability @q-modifiability
  Scenario: The code passes the agreed static checks
    Decided by the tech lead.
    Fill in: the command of each linter or type checker, run from the project folder with its
    configuration there, e.g. "ruff check ."; add a line for each.

    Then the static checks "TBD" pass

  @MAINT-003 @q-testability
  Scenario: The full set of automated checks finishes quickly enough to run on every change
    Decided by the tech lead; it must stay well under the CI time limit.
    Fill in: the command that runs all automated checks, and the minutes it may take.

    Then the automated checks "TBD" finish in at most TBD minutes

  @MAINT-004 @q-modifiability
  Scenario: A new developer can build and test the system from the documentation
    Decided by the tech lead.
    Fill in: the Markdown file of the developer documentation. Every "$ command" line in its code
    blocks must run and succeed in order, from the project folder (one command per line, no shell).

    Then every command shown in "TBD" succeeds

  @MAINT-005 @q-analysability
  Scenario: Every failure is logged with its cause
    Decided by the tech lead with the operations lead, who read the logs.
    Fill in: a fault injected through a setting (an environment variable pointing a dependency
    at an address where nothing answers), the arguments of a run, and what the log line must
    contain: its level and the cause, e.g. "ERROR".

    Given the environment variable "TBD" is "TBD"
    When I run the system with arguments "TBD"
    Then the error output contains "TBD"

  @MAINT-006 @q-modularity
  Scenario: A change to one component needs changes in few others
    Decided by the tech lead.
    Fill in: the most other components one change may touch; the evidence is the change history or
    a dependency analysis of the code, read by the tech lead.

    Then a change to one component changes at most TBD other components

  @MAINT-007 @q-reusability
  Scenario: The agreed components are used unchanged elsewhere
    Decided by the tech lead with the architect, who name the components meant for reuse.
    Fill in: one component and the other system or project it must serve; copy the slot for each.
    The evidence is that component built and tested there without changes.

    Then the component "TBD" is used unchanged in "TBD"
