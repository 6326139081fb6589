package io.sluice.demo.deploy;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a parsed Envoy sidecar config says about the mesh, and the references Envoy's schema does
 * not check (a route to a cluster that does not exist, a tracer whose collector cluster is missing,
 * two listeners on one port).
 *
 * @param adminPort the admin interface's port
 * @param listeners each listener by name: its address and the clusters its routes go to
 * @param clusters each cluster by name: its endpoint addresses
 * @param tracingClusters collector clusters named by the listeners' tracers
 */
record Sidecar(
    int adminPort,
    Map<String, ListenerInfo> listeners,
    Map<String, List<HostPort>> clusters,
    Set<String> tracingClusters) {

  /** A host and port, as Envoy and compose write them. */
  record HostPort(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  /**
   * @param address where the listener binds
   * @param inbound whether its traffic direction is INBOUND
   * @param routedClusters the clusters its routes send to
   * @param tracedWithZipkin whether every HTTP connection manager on it traces in Zipkin (B3) mode
   * @param removedRequestHeaders request headers its route configs remove before forwarding
   */
  record ListenerInfo(
      HostPort address,
      boolean inbound,
      Set<String> routedClusters,
      boolean tracedWithZipkin,
      Set<String> removedRequestHeaders) {}

  static Sidecar of(Bootstrap bootstrap) throws InvalidProtocolBufferException {
    Map<String, ListenerInfo> listeners = new LinkedHashMap<>();
    Set<String> tracing = new HashSet<>();
    for (Listener listener : bootstrap.getStaticResources().getListenersList()) {
      Set<String> routed = new HashSet<>();
      Set<String> removed = new HashSet<>();
      boolean zipkin = true;
      int managers = 0;
      for (FilterChain chain : listener.getFilterChainsList()) {
        for (Filter filter : chain.getFiltersList()) {
          Any config = filter.getTypedConfig();
          if (!config.is(HttpConnectionManager.class)) {
            continue;
          }
          managers++;
          HttpConnectionManager manager = config.unpack(HttpConnectionManager.class);
          removed.addAll(manager.getRouteConfig().getRequestHeadersToRemoveList());
          for (VirtualHost host : manager.getRouteConfig().getVirtualHostsList()) {
            for (Route route : host.getRoutesList()) {
              routed.add(route.getRoute().getCluster());
            }
          }
          Any tracer = manager.getTracing().getProvider().getTypedConfig();
          if (tracer.is(ZipkinConfig.class)) {
            tracing.add(tracer.unpack(ZipkinConfig.class).getCollectorCluster());
          } else {
            zipkin = false;
          }
        }
      }
      listeners.put(
          listener.getName(),
          new ListenerInfo(
              hostPort(listener.getAddress().getSocketAddress()),
              listener.getTrafficDirection() == TrafficDirection.INBOUND,
              Set.copyOf(routed),
              zipkin && managers > 0,
              Set.copyOf(removed)));
    }
    Map<String, List<HostPort>> clusters = new LinkedHashMap<>();
    for (Cluster cluster : bootstrap.getStaticResources().getClustersList()) {
      List<HostPort> endpoints = new ArrayList<>();
      for (LocalityLbEndpoints locality : cluster.getLoadAssignment().getEndpointsList()) {
        for (LbEndpoint endpoint : locality.getLbEndpointsList()) {
          endpoints.add(hostPort(endpoint.getEndpoint().getAddress().getSocketAddress()));
        }
      }
      clusters.put(cluster.getName(), List.copyOf(endpoints));
    }
    return new Sidecar(
        bootstrap.getAdmin().getAddress().getSocketAddress().getPortValue(),
        listeners,
        clusters,
        Set.copyOf(tracing));
  }

  /** Every dangling reference or clash, in words; empty when the config hangs together. */
  static List<String> referenceProblems(Bootstrap bootstrap) throws InvalidProtocolBufferException {
    Sidecar sidecar = of(bootstrap);
    List<String> problems = new ArrayList<>();
    sidecar.listeners.forEach(
        (name, listener) -> {
          for (String cluster : listener.routedClusters()) {
            if (!sidecar.clusters.containsKey(cluster)) {
              problems.add("listener " + name + " routes to unknown cluster '" + cluster + "'");
            }
          }
        });
    for (String cluster : sidecar.tracingClusters) {
      if (!sidecar.clusters.containsKey(cluster)) {
        problems.add("tracer sends to unknown cluster '" + cluster + "'");
      }
    }
    for (Cluster cluster : bootstrap.getStaticResources().getClustersList()) {
      if (!cluster.getLoadAssignment().getClusterName().equals(cluster.getName())) {
        problems.add(
            "cluster "
                + cluster.getName()
                + " has load_assignment.cluster_name '"
                + cluster.getLoadAssignment().getClusterName()
                + "'");
      }
      if (sidecar.clusters.get(cluster.getName()).isEmpty()) {
        problems.add("cluster " + cluster.getName() + " has no endpoint");
      }
    }
    Set<Integer> ports = new HashSet<>();
    ports.add(sidecar.adminPort);
    sidecar.listeners.forEach(
        (name, listener) -> {
          if (!ports.add(listener.address().port())) {
            problems.add("listener " + name + " reuses port " + listener.address().port());
          }
        });
    return problems;
  }

  private static HostPort hostPort(SocketAddress address) {
    return new HostPort(address.getAddress(), address.getPortValue());
  }
}
