Feature: The machine the system runs on
  The smallest machine the system is specified for. These checks probe the machine that runs the
  checklist, so run them on a machine of the production kind; the performance budgets in
  features/performance are measured on the same machine. Decided by the operations lead, with
  measurements from the tech lead.

  @HW-001
  Scenario: The machine running the system has the minimum number of CPU cores
    Decided by the operations lead from the throughput and latency measurements.
    Fill in: the number of cores.

    Given the machine has at least TBD CPU cores

  @HW-002
  Scenario: The machine running the system has the minimum amount of memory
    Decided by the operations lead; allow for the system's peak memory (PERF-004) plus the
    operating system and any software it shares the machine with (COMPAT-004).
    Fill in: the memory in GiB.

    Given the machine has at least TBD GiB of memory

  @HW-003
  Scenario: The machine running the system has the minimum free disk space
    Decided by the operations lead; allow for the installed system, its stored data over the
    retention periods (SEC-008, LEGAL-003) and its logs.
    Fill in: the free space in GiB.

    Given the machine has at least TBD GiB of free disk space

  @HW-004
  Scenario: The machine runs the production operating system and architecture
    Decided by the operations lead. Further supported platforms are listed in FLEX-002.
    Fill in: the operating system and the architecture, e.g. Linux on x86_64.

    Given the machine runs TBD on TBD

  @HW-005
  Scenario: The machine has the number of GPUs the system needs
    Decided by the tech lead.
    Fill in: the number of GPUs; write 0 to record that the system needs none.

    Given the machine has at least TBD GPUs
