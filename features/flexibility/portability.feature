Feature: Installing, moving and scaling the system
  Installability, adaptability, scalability and replaceability. Decided by the operations lead
  and the product owner.

  @FLEX-001 @q-installability
  Scenario: The system installs on a clean machine with one documented command
    Decided by the operations lead with the tech lead.
    Fill in: the install command and the minutes installing may take. It runs in an empty folder
    with an empty home folder; {root} in it is the project. For a truly clean machine, make the
    command build a container or a fresh virtual machine.

    Then the system installs on a clean machine with "TBD" within TBD minutes

  @FLEX-002 @q-adaptability
  Scenario Outline: The system runs on every supported platform
    Decided by the product owner with the operations lead. HW-004 names the production platform;
    this list adds every other platform users may run.
    Fill in: one Examples row per platform, e.g. Linux | aarch64. Each row is checked on a machine
    of that platform.

    Given the machine runs <os> on <arch>
    When I run the system with arguments "--version"
    Then the exit status is 0

    Examples:
      | os  | arch |
      | TBD | TBD  |

  @FLEX-003 @q-adaptability @q-modifiability
  Scenario: Settings that differ between deployments are changed without changing code
    Decided by the operations lead, who lists what differs between deployments (addresses, paths,
    limits, credentials).
    Fill in: one such setting as the environment variable that carries it, a value, arguments of a
    run that uses it, and what the output shows when it took effect; copy the slot for each.

    Given the environment variable "TBD" is "TBD"
    When I run the system with arguments "TBD"
    Then the output contains "TBD"

  @FLEX-004 @q-scalability
  Scenario: Throughput grows with a larger machine
    Decided by the product owner from the expected growth in volume, with the operations lead.
    Fill in: the core count of the larger machine, the runs and arguments of a batch, and the
    throughput it must reach there (compare PERF-003 on the standard machine).

    Given the machine has at least TBD CPU cores
    When the system runs TBD times with arguments "TBD"
    Then the throughput is at least TBD runs per second

  @FLEX-005 @q-replaceability
  Scenario: All stored data can be exported for use by a replacement system
    Decided by the product owner.
    Fill in: the arguments that export all stored data to standard output, and its open format:
    "JSON", "JSON Lines", "CSV", or "JSON Lines schema <path>" for a schema kept with the tests.

    When I run the system with arguments "TBD"
    Then the output conforms to "TBD"
