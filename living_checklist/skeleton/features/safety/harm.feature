Feature: Harm the system could cause
  Risk identification, fail-safe behaviour and operational limits. Decided by the product owner
  with a safety assessor, starting from the worst harm a failure of the system could cause to
  people, property or the environment. If the assessment finds no credible harm, SAFE-001 records
  that and the other slots are removed in the same change.

  @SAFE-001 @q-risk-identification
  Scenario: The system is developed to the safety standard its worst credible failure calls for
    Decided by a safety assessor with the product owner.
    Fill in: the standard and integrity level, e.g. "IEC 61508 SIL 1", or "no safety standard:
    no credible harm" with the assessment kept with the seeds.

    Then the development process conforms to "TBD"

  @SAFE-002 @q-fail-safe
  Scenario: On an internal fault the system falls back to its safe state
    Decided by the safety assessor with the tech lead.
    Fill in: the fault and the safe state, e.g. "stops and keeps the last consistent data".

    When the fault "TBD" occurs
    Then the system enters the safe state "TBD"

  @SAFE-003 @q-operational-constraint @q-hazard-warning
  Scenario: Actions outside the safe operating limits are refused with a warning
    Decided by the safety assessor with the product owner, who state the operating limits.
    Fill in: the arguments of an action beyond a limit, the exit status of a refusal, and a phrase
    of the warning the user sees.

    When I run the system with arguments "TBD"
    Then the exit status is TBD
    And the error output contains "TBD"

  @SAFE-004 @q-safe-integration
  Scenario: Combined with the agreed other systems, the system still reaches its safe state
    Decided by the safety engineer, who names the systems it is combined with and the faults that
    cross between them. Evidence that counts: an integration test or hazard analysis of the
    combination, accepted by the safety engineer.

    Given the system is combined with "TBD"
    When the fault "TBD" occurs
    Then the system enters the safe state "TBD"
