/**
 * Taking a call's wait for the app's own connection pool out of its duration, for the clients
 * guarded before they lease a connection on the calling thread (Apache HttpClient 4 and 5,
 * classic): the guard's advice makes its call the thread's current one in the bootstrap bridge's
 * {@code PoolWaits}, and a {@link
 * io.sluice.javaagent.instrumentation.poolwait.PoolLeaseInstrumentation} around the client's lease
 * methods hands each lease's wait to it.
 */
package io.sluice.javaagent.instrumentation.poolwait;
