Feature: Reaching every intended user
  Accessibility, languages and user documentation. Decided by the product owner; accessibility
  and language obligations may also come from law or contract (see features/compliance).

  @UX-004
  Scenario: The user interface meets the agreed accessibility standard
    Decided by the product owner, with legal counsel where a law or contract requires it.
    Fill in: the standard and level, e.g. "WCAG 2.2 level AA".

    Then the user interface conforms to "TBD"

  @UX-005
  Scenario: The user interface is offered in the agreed languages
    Decided by the product owner from where the users are.
    Fill in: the languages, e.g. "English, German".

    Then the user interface is available in "TBD"

  @UX-006
  Scenario: User documentation explains how to perform the primary task
    Decided by the product owner.
    Fill in: where the user documentation lives and the task it must explain; copy the slot for
    each user task.

    Then the documentation at "TBD" explains "TBD"
