Feature: How people learn and use the system
  Learnability, protection from user error and keeping the user informed. Decided by the product
  owner with a usability specialist; the figures come from usability tests with real users.

  @UX-001 @q-learnability @q-operability
  Scenario: A first-time user completes the primary task without help within the agreed time
    Decided by the product owner with a usability specialist.
    Fill in: the user group (e.g. "first-time analyst"), the task (BEH-004's primary task) and the
    minutes allowed; the evidence is a usability test with at least five users of that group.

    Given a user with the role "TBD"
    When the user attempts "TBD"
    Then the user completes it within TBD minutes without help

  @UX-002 @q-user-error-protection
  Scenario: Actions that cannot be undone ask for confirmation first
    Decided by the product owner, who lists the destructive actions (deleting, overwriting,
    sending).
    Fill in: one such action; copy the slot for each.

    When the user attempts "TBD"
    Then the system asks for confirmation before it goes ahead

  @UX-003 @q-self-descriptiveness @q-operability
  Scenario: Long operations show their progress
    Decided by the product owner.
    Fill in: an operation that takes long, and the longest silence allowed in seconds.

    When the user attempts "TBD"
    Then the system shows progress at least every TBD seconds

  @UX-007 @q-appropriateness-recognizability
  Scenario: A prospective user tells quickly whether the system suits their task
    Decided by the product owner with a usability specialist.
    Fill in: the user group, the task they come with, and the minutes allowed; the evidence is a
    first-impression test (the product page or first screen only) with at least five users of
    that group, judged by the usability specialist.

    Given a user with the role "TBD"
    Then the user tells within TBD minutes whether the system suits "TBD"

  @UX-008 @q-user-engagement
  Scenario: Users rate their experience of the system at least as agreed
    Decided by the product owner with a usability specialist.
    Fill in: the user group, the questionnaire (e.g. "SUS" or "UEQ attractiveness") and the lowest
    acceptable score; the evidence is that questionnaire answered by real users after real use.

    Given a user with the role "TBD"
    Then users of that role rate the system at least TBD on "TBD"
