Feature: Third-party code and the releases we ship
  Integrity of what goes into the system and of what we hand to users. Decided by the security
  lead.

  @SEC-009 @q-resistance
  Scenario: Third-party dependencies have no known vulnerability
    Decided by the security lead.
    Fill in: the requirements file (or project folder) pip-audit reads. Any known vulnerability
    blocks; record an accepted one, with the reason, by pinning around it. Pending where pip-audit
    is not installed or cannot reach its vulnerability database.

    Then the dependency audit of "TBD" finds no known vulnerability

  @SEC-010 @q-integrity
  Scenario: Released packages can be verified as built from this repository
    Decided by the security lead with whoever cuts releases.
    Fill in: the provenance or signing scheme, e.g. "signed build provenance, SLSA level 2".

    Then the release process conforms to "TBD"
