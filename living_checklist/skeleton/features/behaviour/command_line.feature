Feature: Command-line contract
  How the system is started, asks for help and reports misuse. These slots run for real once
  checklist_system in pyproject.toml holds the command that starts the system and every TBD below
  is replaced. A system without a command line of its own gets a thin client or wrapper there.

  @BEH-001 @q-user-assistance @q-self-descriptiveness
  Scenario: The system prints usage help when asked
    Decided by the product owner when the command line is designed.
    Fill in: a word or phrase the help text must contain, such as the program name or a key option.

    When I run the system with arguments "--help"
    Then the exit status is 0
    And the output contains "TBD"

  @BEH-002 @q-self-descriptiveness
  Scenario: The system reports its version
    Decided by the tech lead with whoever cuts releases.
    Fill in: text the version report must contain, such as the product name (not the number itself,
    which changes with every release).

    When I run the system with arguments "--version"
    Then the exit status is 0
    And the output contains "TBD"

  @BEH-003 @q-user-error-protection
  Scenario: An unknown option is refused with a usage error
    Decided by the tech lead.
    Fill in: the exit status for usage errors (2 by POSIX and argparse convention) and a phrase the
    error message must contain, such as "usage".

    When I run the system with arguments "--no-such-option"
    Then the exit status is TBD
    And the error output contains "TBD"
