Feature: Reaching every intended user
  Accessibility, languages and user documentation. Decided by the product owner; accessibility
  and language obligations may also come from law or contract (see features/compliance).

  @UX-004 @q-inclusivity
  Scenario: The user interface meets the agreed accessibility standard
    Decided by the product owner, with legal counsel where a law or contract requires it.
    Fill in: the standard and level, e.g. "WCAG 2.2 level AA".

    Then the user interface conforms to "TBD"

  @UX-005 @q-inclusivity
  Scenario: The user interface is offered in the agreed languages
    Decided by the product owner from where the users are.
    Fill in: one language as the locale that selects it (e.g. de_DE.UTF-8), arguments of a run, and
    a phrase of its output in that language; copy the slot for each language.

    Given the environment variable "LANG" is "TBD"
    When I run the system with arguments "TBD"
    Then the output contains "TBD"

  @UX-006 @q-user-assistance @q-learnability
  Scenario: User documentation explains how to perform the primary task
    Decided by the product owner.
    Fill in: the Markdown file of the user documentation. Every "$ command" line in its code blocks
    must run and succeed (one command per line, no shell). Whether it explains the task well is for
    the product owner to judge in a review with users; this checks that what it shows works.

    Then every command shown in "TBD" succeeds
