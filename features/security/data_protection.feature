Feature: Protecting the data the system handles
  Confidentiality and integrity of data at rest, in transit, and in what the system prints and
  logs. Decided by the security lead once the data owner has classified the data.

  @SEC-001 @q-confidentiality
  Scenario: Stored data is protected according to its classification
    Decided by the data owner (classification) and the security lead (protection).
    Fill in: the classification, e.g. public, internal, personal or secret, and the protection at
    rest, e.g. "AES-256 volume encryption", or "none needed" for public data.

    Given the data the system stores is classified as "TBD"
    Then the data at rest is protected by "TBD"

  @SEC-002 @q-confidentiality @q-integrity
  Scenario: Data in transit is protected according to its classification
    Decided by the security lead.
    Fill in: the classification (as in SEC-001) and the protection on the wire, e.g. "TLS 1.3".

    Given the data the system stores is classified as "TBD"
    Then the data in transit is protected by "TBD"

  @SEC-003 @q-confidentiality
  Scenario: Secrets never appear in output or logs
    Decided by the security lead, who lists the secrets the system handles (passwords, keys,
    tokens).
    Fill in: an input that carries a planted test secret, the folder (or file) the system logs to,
    and that secret.

    When I run the system with input "TBD"
    Then neither the output nor the logs in "TBD" contain "TBD"

  @SEC-004 @q-resistance @q-integrity
  Scenario: Untrusted input cannot make the system read or write files outside its working area
    Decided by the security lead with the tech lead.
    Fill in: a hostile input (e.g. a path that climbs out of the working area) and the directory
    the system is confined to.

    When I run the system with input "TBD"
    Then the system reads and writes no file outside "TBD"
