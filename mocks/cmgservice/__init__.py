"""The deployed CMGs' own TLS endpoints, opened on loopback for the connection analyzer."""
