Feature: Availability and long-running stability
  How much of the time the system is there for its users, and whether it stays healthy when it
  runs for long. Decided by the product owner and the operations lead. If the system never runs
  as a service, remove the service-only slots and record why in the commit message.

  @REL-005 @q-availability
  Scenario: The system is available for the agreed share of time
    Service only. Decided by the product owner with the operations lead.
    Fill in: the deployment form, the availability in percent (e.g. 99.5) and the period it is
    measured over (e.g. calendar month), and whether planned maintenance counts as downtime.

    Given the system is deployed as "TBD"
    Then the system is available for at least TBD percent of each TBD

  @REL-006 @q-availability @q-resource-utilization
  Scenario: Memory stays bounded during long continuous operation
    Decided by the operations lead: the longest the system runs between restarts.
    Fill in: the hours of continuous operation, the arguments that keep it working, and the peak
    memory in MiB. This soak run is too long for every commit; run it before releases.

    When the system runs continuously for TBD hours with arguments "TBD"
    Then the peak memory is at most TBD MiB

  @REL-007 @q-availability
  Scenario: Operators are alerted soon after the system stops working
    Service only. Decided by the operations lead.
    Fill in: the deployment form and the minutes within which an operator must be alerted.

    Given the system is deployed as "TBD"
    When the fault "the system stops responding" occurs
    Then the operator is alerted within TBD minutes

  @REL-008 @q-faultlessness
  Scenario: The system runs through normal operation without failures
    Decided by the operations lead with the product owner.
    Fill in: the hours of normal operation observed (an acceptance period or a soak run with
    production-like work) and the most failures allowed in them; the evidence is the incident log
    of that period, counted by the operations lead.

    Then the system runs TBD hours of normal operation with at most TBD failures
