Feature: Sharing a machine with other software
  The system keeps to its share of the machine, so that it and its neighbours all meet their
  requirements. Decided by the operations lead.

  @COMPAT-004 @q-co-existence
  Scenario: The system keeps to its time and memory budget while it shares the machine
    Decided by the operations lead, who knows what else runs on the production machine.
    Fill in: the command that starts the other software (or a stand-in load; it runs for the rest
    of the scenario), the runs and arguments of a typical task, the 95th percentile budget under
    that load, and the memory the system may take from the shared total.

    Given the machine also runs "TBD"
    When the system runs TBD times with arguments "TBD"
    Then the 95th percentile wall time is at most TBD ms
    And the peak memory is at most TBD MiB
