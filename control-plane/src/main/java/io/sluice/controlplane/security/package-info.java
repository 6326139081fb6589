/**
 * Who may do what: bearer tokens with the roles {@code reader}, {@code writer} and {@code admin},
 * stored as SHA-256 hashes and compared in constant time; the caller's token name becomes the
 * author in history; short-lived single-use tickets that open the event stream without a token in
 * its URL. Also the service-name check that keeps every key inside its namespace.
 */
package io.sluice.controlplane.security;
