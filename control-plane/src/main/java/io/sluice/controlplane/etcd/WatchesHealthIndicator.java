package io.sluice.controlplane.etcd;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * {@code /actuator/health} component {@code watches}: UP while every in-memory mirror of etcd (the
 * agent inventory, the rules watch) holds a complete read; DOWN, naming the mirror and why its read
 * failed, while one does not (with what an operator must change when etcd refused the control
 * plane's credentials or permissions). etcd may answer the health check's small read and still
 * refuse a mirror's, so the {@code etcd} component alone cannot tell.
 *
 * <p>A check while etcd refuses a mirror has it read again in the background (rate-limited: {@link
 * PrefixWatches#retrySoonIfRefused}), so the component turns UP a second or two after an operator
 * fixed etcd's users or roles, not when the refused read's half-minute pause is up. The check
 * itself does not wait for that read: it answers what the mirrors hold now.
 */
final class WatchesHealthIndicator extends AbstractHealthIndicator {

  private final PrefixWatches watches;

  WatchesHealthIndicator(PrefixWatches watches) {
    super("the etcd watches could not be checked");
    this.watches = watches;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    watches.retrySoonIfRefused();
    boolean inSync = true;
    for (Map.Entry<String, PrefixWatch.State> watch : watches.states().entrySet()) {
      PrefixWatch.State state = watch.getValue();
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("inSync", state.inSync());
      if (state.revision() > 0) {
        detail.put("lastReadRevision", state.revision());
      }
      if (state.failure() != null) {
        detail.put("error", state.failure());
        detail.put("failedReads", state.failedReads());
        if (state.notPermitted()) {
          detail.put("action", watches.notPermittedAction());
        }
      } else if (state.revision() == 0) {
        detail.put("error", "not read yet");
      }
      builder.withDetail(watch.getKey(), detail);
      inSync &= state.inSync();
    }
    if (inSync) {
      builder.up();
    } else {
      builder.down();
    }
  }
}
