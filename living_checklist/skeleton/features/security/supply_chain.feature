Feature: Third-party code and the releases we ship
  Integrity of what goes into the system and of what we hand to users. Decided by the security
  lead.

  @SEC-009
  Scenario: Third-party dependencies have no known vulnerability of the blocking severity
    Decided by the security lead.
    Fill in: the lowest severity that blocks a release, e.g. "high" on the CVSS scale.

    Then the dependency audit finds no known vulnerability of severity "TBD" or higher

  @SEC-010
  Scenario: Released packages can be verified as built from this repository
    Decided by the security lead with whoever cuts releases.
    Fill in: the provenance or signing scheme, e.g. "signed build provenance, SLSA level 2".

    Then the release process conforms to "TBD"
