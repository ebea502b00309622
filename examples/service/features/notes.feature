Feature: The notes service
  A small HTTP service, started by the checklist (checklist_service) and checked at checklist_url.

  @SVC-001
  Scenario: The service answers its health check
    When I send a GET request to "/health"
    Then the response status is 200
    And the response body contains "ok"
    And the response header "Content-Type" contains "text/plain"

  @SEC-005
  Scenario: Adding a note is refused to anyone who has not signed in
    When I send a POST request to "/notes" with body "hello"
    Then the response status is 401

  @SVC-002
  Scenario: A signed-in user adds a note and finds it in the list
    Given the requests carry the header "Authorization" with value "Bearer demo-token"
    When I send a POST request to "/notes" with body "buy milk"
    Then the response status is 201
    When I send a GET request to "/notes"
    Then the response body contains "buy milk"
    And the response header "Content-Type" contains "application/json"

  @PERF-006
  Scenario: The service serves 8 simultaneous users within its latency budget
    When 8 clients send 25 requests each to "/health"
    Then the 95th percentile response time is at most 500 ms
    And the median response time is at most 250 ms
    And at most 0 percent of the requests fail
    And the request rate is at least 20 per second

  @PERF-007
  Scenario: The report page answers within 10 ms
    When 2 clients send 5 requests each to "/report"
    Then the 95th percentile response time is at most 10 ms
