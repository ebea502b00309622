Feature: Exchanging data with other systems and versions
  The formats the system reads and writes, and what it must keep reading as it changes. Decided
  by the tech lead with the teams that produce or consume the data.

  @COMPAT-001 @q-interoperability
  Scenario: The output conforms to the documented interchange format
    Decided by the tech lead with the consumers of the output.
    Fill in: an input, and the format: "JSON", "JSON Lines", "CSV" (RFC 4180), or "JSON schema
    <path>" / "JSON Lines schema <path>" for a JSON Schema kept with the tests.

    When I run the system with input "TBD"
    Then the output conforms to "TBD"

  @COMPAT-002 @q-interoperability
  Scenario: Input produced by the agreed upstream tool is accepted
    Decided by the tech lead with the team that owns the upstream tool.
    Fill in: the folder of sample files the upstream tool wrote (kept with the tests; say which tool
    and version in a README there). Each file is given to the system on standard input.

    When the system reads every file in "TBD"
    Then the exit status is 0

  @COMPAT-003 @q-interoperability
  Scenario: Data written by the previous release is still read by this one
    Decided by the product owner: how many releases back data must stay readable.
    Fill in: the folder of files the oldest such release wrote (kept with the tests), and the
    arguments that open one, with {file} where its path goes.

    When the system opens every file in "TBD" with arguments "TBD"
    Then the exit status is 0
