/**
 * The demo mesh: {@code gateway → orders → payments, inventory} over HTTP/JSON.
 *
 * <p>{@link io.sluice.demo.mesh.DemoService} starts one service from its {@link
 * io.sluice.demo.mesh.ServiceSettings}. Payments and inventory inject faults on demand ({@code
 * /admin/faults}); orders turns a failing or breaker-rejected payment into a {@code pending} order,
 * and the gateway accepts a pending order with a friendly message, so a breaker's effect is visible
 * to a user as fast "accepted, payment delayed" answers instead of slow errors.
 */
package io.sluice.demo.mesh;
