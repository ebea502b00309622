# Requirements from nginx's documentation, https://nginx.org/en/docs/ (ngx_http_core_module,
# ngx_http_rewrite_module). nginx runs from nginx/nginx.conf, started and stopped by the checklist.
@service-web
Feature: nginx serving this example's folder

  Background:
    Given the program "nginx" is installed

  @WEB-001
  Scenario: a file under root is served
    When I send a GET request to "/index.html"
    Then the response status is 200
    And the response body contains "the checklist example"

  @WEB-002
  Scenario: "return 200 text" answers with that text
    When I send a GET request to "/hello"
    Then the response status is 200
    And the response body contains "hello from nginx"

  @WEB-003
  Scenario: a file that does not exist is 404
    When I send a GET request to "/no-such-file"
    Then the response status is 404

  @WEB-004
  Scenario: server_tokens off keeps the version out of the Server header
    When I send a GET request to "/hello"
    Then the response header "Server" does not contain "nginx/"
