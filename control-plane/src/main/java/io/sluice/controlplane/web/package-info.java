/**
 * What the API shares across features: RFC 9457 problem details from one advice, the request-body
 * cap, whole-number parameters read as decimal digits only, the server-sent event stream for the
 * web UI, and the OpenAPI document.
 */
package io.sluice.controlplane.web;
