Feature: Behaviour under faults and hostile input
  What the system does when its input, its dependencies or its machine misbehave. Decided by the
  tech lead and the operations lead, with the product owner for what users may lose.

  @REL-001 @q-fault-tolerance
  Scenario: No input, however malformed, crashes the system or hangs it
    Decided by the tech lead.
    Fill in: how many generated inputs each run tries, and the longest a single input may take, in
    seconds, before the run counts as a hang.

    When the system is fed TBD arbitrary inputs
    Then it never crashes or hangs longer than TBD s

  @REL-002 @q-fault-tolerance
  Scenario: An unavailable dependency is reported to the user, not hidden
    Decided by the tech lead, who lists the system's external dependencies (database, network
    service, shared files), with the product owner for the wording users see.
    Fill in: the setting that points the system at the dependency, set to an address where nothing
    answers (e.g. DATABASE_URL = postgres://127.0.0.1:9), the arguments of a run that needs it, and
    a phrase of the message. Copy the slot, with a new id, for each dependency.

    Given the environment variable "TBD" is "TBD"
    When I run the system with arguments "TBD"
    Then the error output contains "TBD"

  @REL-003 @q-recoverability
  Scenario: An abrupt stop loses no more than the agreed amount of confirmed work
    Decided by the product owner (the recovery point objective) with the tech lead.
    Fill in: the seconds of confirmed work that may be lost; 0 means none.

    When the fault "the process is killed while it saves work" occurs
    Then at most TBD seconds of confirmed work are lost

  @REL-004 @q-recoverability
  Scenario: After losing its machine the system is restored within the agreed time and loss
    Decided by the operations lead with the product owner: the recovery point and recovery time
    objectives for a disaster. Implies backups kept away from the machine.
    Fill in: the seconds of work that may be lost and the minutes until the system serves again.

    When the fault "the machine and its local disks are lost" occurs
    Then at most TBD seconds of confirmed work are lost
    And the system is back in service within TBD minutes
