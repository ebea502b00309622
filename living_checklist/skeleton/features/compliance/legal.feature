Feature: Laws, licences and personal data
  Obligations from outside the team. Decided by legal counsel and the data protection officer;
  the product owner supplies where the system is used and what data it holds.

  @LEGAL-001
  Scenario: The system meets the regulations that apply to it
    Decided by legal counsel.
    Fill in: the regulations that apply, e.g. "GDPR", or "none identified" with the reasoning kept
    with the seeds. Add a slot for each specific obligation they impose.

    Then the system conforms to "TBD"

  @LEGAL-002
  Scenario: Every third-party licence permits the way the system is distributed
    Decided by legal counsel.
    Fill in: the licence policy, e.g. "permissive licences only (MIT, BSD, Apache-2.0)".

    Then the licence of every third-party component conforms to "TBD"

  @LEGAL-003
  Scenario: Stored records are deleted when their retention period ends
    Decided by the data protection officer or legal counsel.
    Fill in: the kind of record, the days, and the event the days count from, e.g. "the account is
    closed".

    Then records of "TBD" are deleted at most TBD days after "TBD"

  @LEGAL-004
  Scenario: Personal data is erased within the agreed time after a valid request
    Only if the system holds personal data (SEC-001). Decided by the data protection officer.
    Fill in: the days allowed; the law may set an upper bound.

    Then records of "the person's personal data" are deleted at most TBD days after "the erasure request"

  @LEGAL-005
  Scenario: Stored data and its backups stay in the agreed jurisdiction
    Decided by legal counsel with the data protection officer.
    Fill in: the jurisdiction or region, e.g. "the European Union".

    Then the stored data stays within "TBD"
