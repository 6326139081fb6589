/**
 * The Sluice control plane, by feature.
 *
 * <ul>
 *   <li>{@code rules}: the rule API and the transactional {@code RuleStore}, evaluate (dry run);
 *   <li>{@code history}: past versions and their storage form;
 *   <li>{@code agents}: the live agent inventory mirrored from etcd, rollout, unprotected targets;
 *   <li>{@code security}: bearer tokens, roles, service-name checks;
 *   <li>{@code etcd}: the client, the prefix mirror, the embedded etcd;
 *   <li>{@code web}: problem details, the event stream, OpenAPI, request limits.
 * </ul>
 *
 * <p>Problems are thrown as {@link io.sluice.controlplane.ApiException} with a {@link
 * io.sluice.controlplane.ProblemType} and answered by one advice in {@code web}.
 */
package io.sluice.controlplane;
