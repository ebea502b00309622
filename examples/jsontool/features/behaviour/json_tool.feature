Feature: json.tool checks and pretty-prints JSON
  The system under test is Python's `python3 -m json.tool`: it reads a JSON document on standard
  input and prints it indented, or says what is wrong and exits with status 1.

  @JSON-001
  Scenario: A valid document is printed with four-space indentation
    When I run the system with input "{\"b\": [1, 2]}"
    Then the exit status is 0
    And the output contains "    \"b\": ["

  @JSON-002
  Scenario: Malformed JSON is refused with a message and exit status 1
    When I run the system with input "{\"b\": "
    Then the exit status is 1
    And the error output contains "Expecting value"

  @JSON-003
  Scenario: The usage is printed on request
    When I run the system with arguments "--help"
    Then the exit status is 0
    And the output contains "usage"

  @JSON-004
  Scenario Outline: A bare scalar is a valid document
    When I run the system with input "<document>"
    Then the exit status is 0
    And the output contains "<document>"

    # Inside a quoted value a quote is written \" (and a backslash \\).
    Examples:
      | document |
      | 42       |
      | \"text\" |
      | null     |
