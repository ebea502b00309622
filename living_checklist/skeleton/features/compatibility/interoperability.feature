Feature: Exchanging data with other systems and versions
  The formats the system reads and writes, and what it must keep reading as it changes. Decided
  by the tech lead with the teams that produce or consume the data.

  @COMPAT-001
  Scenario: The output conforms to the documented interchange format
    Decided by the tech lead with the consumers of the output.
    Fill in: an input, and the format with its version, e.g. "JSON per schema output-v1" or
    "CSV per RFC 4180".

    When I run the system with input "TBD"
    Then the output conforms to "TBD"

  @COMPAT-002
  Scenario: Input produced by the agreed upstream tool is accepted
    Decided by the tech lead with the team that owns the upstream tool.
    Fill in: the tool and version, and a sample of its output as input.

    Given the input was written by "TBD"
    When I run the system with input "TBD"
    Then the exit status is 0

  @COMPAT-003
  Scenario: Data written by the previous release is still read by this one
    Decided by the product owner: how many releases back data must stay readable.
    Fill in: the oldest version whose data must be read, and the arguments that open a file it
    wrote (kept with the tests).

    Given the input was written by "the system's version TBD"
    When I run the system with arguments "TBD"
    Then the exit status is 0
