Feature: Arbitrary input

  @ROB-001
  Scenario: No input crashes json.tool or hangs it
    When the system is fed 15 arbitrary inputs
    Then it never crashes or hangs longer than 10 s
