Feature: How fast the system responds
  Timing budgets, measured by running checklist_system repeatedly on the machine of HW-001 to
  HW-004. The product owner sets them from what users will tolerate; the tech lead checks them
  against measurements. Budgets are in milliseconds; the run count is how many runs a statistic is
  computed from (at 95 % confidence, at least 5 for a median and 59 for a 95th percentile).

  @PERF-001 @q-time-behaviour
  Scenario: The system starts and prints its help within the start-up budget
    Decided by the product owner; start-up time is what every invocation pays.
    Fill in: the number of runs and the median budget.

    When the system runs TBD times with arguments "--help"
    Then the median wall time is at most TBD ms

  @PERF-002 @q-time-behaviour
  Scenario: The primary task completes within its latency budget
    Decided by the product owner for the primary task of BEH-004.
    Fill in: the number of runs, the arguments that perform a typical task, the median budget and
    the 95th percentile budget.

    When the system runs TBD times with arguments "TBD"
    Then the median wall time is at most TBD ms
    And the 95th percentile wall time is at most TBD ms

  @PERF-003 @q-time-behaviour
  Scenario: The system sustains the required throughput on a batch of work
    Decided by the product owner from the expected volume of work per day.
    Fill in: the number of runs, the arguments that process one batch, and the batches per second
    the system must sustain.

    When the system runs TBD times with arguments "TBD"
    Then the throughput is at least TBD runs per second
