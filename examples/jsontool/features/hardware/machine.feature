Feature: The machine running the checks

  @HW-001
  Scenario: The machine has a CPU core to spare
    Given the machine has at least 1 CPU cores

  @HW-002
  Scenario: The machine has enough memory and disk for the documents
    Given the machine has at least 0.25 GiB of memory
    And the machine has at least 0.1 GiB of free disk space

  @HW-003
  Scenario: A GPU is present (skipped on a machine without one)
    Given the machine has at least 1 GPUs

  @HW-004
  Scenario: The production platform is not decided yet
    Given the machine runs TBD on TBD
