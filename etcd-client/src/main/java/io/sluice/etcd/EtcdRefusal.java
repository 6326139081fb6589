package io.sluice.etcd;

/**
 * Tells etcd refusing a caller's credentials or access from etcd being unreachable: the first is a
 * configuration mistake to fix, the second an outage to wait out, and a caller that logs one
 * warning per stretch of failures owes the operator one of each, in whichever order they come.
 *
 * <p>Shared by the agent's rule source and status reporter, so both tell the same failures apart.
 */
public final class EtcdRefusal {

  private EtcdRefusal() {}

  /**
   * Whether etcd answered with a refusal of the credentials or of access (a wrong password, a user
   * without a role on the prefix, authentication not enabled on a cluster given a user), as gRPC
   * words etcd's errors.
   */
  public static boolean refusedAccess(Throwable error) {
    String message = String.valueOf(rootCause(error).getMessage());
    return message.startsWith("UNAUTHENTICATED")
        || message.startsWith("PERMISSION_DENIED")
        || message.contains("etcdserver: authentication")
        || message.contains("etcdserver: permission denied")
        || message.contains("etcdserver: user name")
        || message.contains("invalid user ID or password");
  }

  private static Throwable rootCause(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }
}
