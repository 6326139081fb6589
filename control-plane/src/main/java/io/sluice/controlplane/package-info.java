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
 * io.sluice.controlplane.ProblemType} and answered by one advice in {@code web}. What several
 * features must agree on lives here too: {@link io.sluice.controlplane.ApiLimits} (body and
 * document sizes) and {@link io.sluice.controlplane.EventSettings} ({@code sluice.events.*}: the
 * event stream's limits in {@code web}, its tickets in {@code security}).
 */
package io.sluice.controlplane;
