package io.sluice.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.NameResolverRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code sluice-etcd:///} target and its provider's place among gRPC's name resolvers. */
class ProxiedEtcdResolverProviderTest {

  @Test
  void listsEveryEndpointOnce() {
    assertThat(
            ProxiedEtcdResolverProvider.target(
                List.of(
                    new EtcdAddress("etcd_1", 2379, false),
                    new EtcdAddress("10.0.0.2", 2379, true),
                    new EtcdAddress("etcd_1", 2379, false))))
        .isEqualTo("sluice-etcd:///etcd_1:2379,10.0.0.2:2379");
  }

  /**
   * Found through {@code META-INF/services}, and never the default scheme: with the priority of
   * gRPC's DNS resolver it took that place, listed first, and a target without a scheme ({@code
   * 127.0.0.1:2379}) went to it.
   */
  @Test
  void isRegisteredWithoutTakingTheDefaultScheme() {
    NameResolverRegistry registry = NameResolverRegistry.getDefaultRegistry();

    assertThat(registry.getProviderForScheme(ProxiedEtcdResolverProvider.SCHEME))
        .isInstanceOf(ProxiedEtcdResolverProvider.class);
    assertThat(registry.getDefaultScheme()).isEqualTo("dns");
  }
}
