Feature: Who may do what
  Authentication, authorization and accountability. Decided by the product owner (roles and
  what each may do) with the security lead (how it is enforced). A system with a single local
  user may have none of this: remove the slots and record why in the commit message.

  @SEC-005 @q-authenticity
  Scenario: Protected functions are refused to anyone who has not signed in
    Decided by the product owner: which functions are protected.
    Fill in: one protected request (method and path) and the status that refuses it (401 by
    HTTP convention); copy the slot for others that matter. Needs checklist_url.

    When I send a TBD request to "TBD"
    Then the response status is TBD

  @SEC-006 @q-authenticity
  Scenario: Users sign in by the agreed authentication method
    Decided by the security lead.
    Fill in: the method and its strength, e.g. "OpenID Connect with multi-factor authentication".

    Then the sign-in conforms to "TBD"

  @SEC-007 @q-confidentiality @q-integrity
  Scenario: A user cannot do what their role does not permit
    Decided by the product owner with the security lead, from a table of roles and permissions.
    Fill in: the credentials of a test user with the role (an Authorization header), a request
    that role must not make, and the status that refuses it (403 by HTTP convention); copy the slot
    for each pair that matters. Needs checklist_url.

    Given the requests carry the header "Authorization" with value "TBD"
    When I send a TBD request to "TBD"
    Then the response status is TBD

  @SEC-008 @q-accountability
  Scenario: Security-relevant actions are kept in an audit trail for the agreed time
    Decided by the security lead with legal counsel.
    Fill in: which actions are recorded (sign-ins, permission changes, exports, ...) and how many
    days the records are kept.

    Then records of "TBD" are kept for at least TBD days

  @SEC-011 @q-non-repudiation
  Scenario: Actions that commit a user leave proof that the user cannot later deny
    Decided by the security lead with legal counsel, who list the actions that commit a user
    (approving, signing, paying) and the proof that counts (e.g. "a signature with the user's key").
    Fill in: one such action and the proof; copy the slot for each. The evidence is a review of the
    stored proof for a sample of those actions.

    When the user attempts "TBD"
    Then the system keeps proof of who did it by "TBD"
