Feature: Start-up time and memory

  @PERF-001
  Scenario: The usage is printed within the start-up budget
    When the system runs 60 times with arguments "--help"
    Then the median wall time is at most 2000 ms
    And the 95th percentile wall time is at most 3000 ms
    And the peak memory is at most 200 MiB
    And the throughput is at least 0.5 runs per second

  @PERF-002
  Scenario: The usage is printed within 1 ms (fails honestly: no Python starts that fast)
    When the system runs 5 times with arguments "--help"
    Then the median wall time is at most 1 ms
