Feature: What the system does for its users
  The system's purpose has not been described yet. The product owner names its primary task and
  gives worked examples; each further task gets a copy of BEH-004 with a new id. Until
  checklist_system is set, these slots are pending.

  @BEH-004 @q-functional-completeness @q-functional-appropriateness
  Scenario: The system performs its primary task on a worked example
    Decided by the product owner, who writes one realistic input and the essential part of the
    output it must produce.
    Fill in: the input text, and a phrase the output must contain. Copy this slot for each further
    task or important variant.

    When I run the system with input "TBD"
    Then the exit status is 0
    And the output contains "TBD"

  @BEH-005 @q-user-error-protection
  Scenario: Malformed input is refused with a message that names the problem
    Decided by the product owner (what counts as malformed) with the tech lead (exit status).
    Fill in: one malformed input, the exit status for bad input, and the phrase the error message
    must contain to tell the user what to fix.

    When I run the system with input "TBD"
    Then the exit status is TBD
    And the error output contains "TBD"

  @BEH-006 @q-functional-correctness
  Scenario: Results agree with an independent reference within the stated tolerance
    Decided by the product owner with a domain expert: what defines a correct result (a published
    table, hand-checked cases, the system being replaced) and how close is close enough.
    Fill in: the input, the file holding the reference output (kept with the tests, path from the
    project folder), and the tolerance: exact, <x> percent, or an absolute <x>. The text around the
    numbers must match; each number must lie within the tolerance.

    When I run the system with input "TBD"
    Then the result agrees with the reference "TBD" to within TBD

  @BEH-007 @q-functional-correctness
  Scenario: The same input always gives the same output
    Decided by the product owner with the tech lead.
    Fill in: the input, how many repeated runs to compare, and a regular expression for the parts of
    the output that may legitimately differ between runs (e.g. a timestamp), or "nothing".

    When I run the system with input "TBD"
    Then TBD repeated runs give identical output apart from "TBD"
