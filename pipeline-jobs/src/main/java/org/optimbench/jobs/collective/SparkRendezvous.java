package org.optimbench.jobs.collective;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;

/**
 * Connects the tasks of one Spark barrier stage into a ring: each task listens on an ephemeral port
 * of the address its executor advertises, exchanges "rank@host:port" with ONE {@link
 * BarrierTaskContext#allGather} (about a second, so only at start-up, never per step), then
 * connects to its neighbours, each connection authenticated with {@link CollectiveOptions#secret()}
 * for this stage id and stage attempt.
 */
public final class SparkRendezvous {
  private SparkRendezvous() {}

  /**
   * {@code opts} must be the same value on every task, its secret made on the driver (it arrives in
   * the task closure); options created on the executors would hold different secrets, and the
   * handshake refuses them.
   */
  public static AllReduce connect(BarrierTaskContext ctx, CollectiveOptions opts)
      throws IOException {
    int rank = ctx.partitionId();
    int size = ctx.getTaskInfos().length;
    if (size == 1) return AllReduce.single();
    String host = advertisedHost();
    ServerSocketChannel server = ServerSocketChannel.open();
    try {
      server.bind(new InetSocketAddress(InetAddress.getByName(host), 0), 64);
    } catch (IOException e) {
      server.close();
      throw new CollectiveException("rank " + rank + " could not listen on " + host + ": " + e, e);
    }
    int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
    String[] all;
    try {
      all = ctx.allGather(rank + "@" + host + ":" + port);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    List<InetSocketAddress> peers = new ArrayList<>(Arrays.asList(new InetSocketAddress[size]));
    for (String m : all) {
      int at = m.indexOf('@');
      int colon = m.lastIndexOf(':');
      int r = Integer.parseInt(m.substring(0, at));
      peers.set(
          r,
          new InetSocketAddress(
              m.substring(at + 1, colon), Integer.parseInt(m.substring(colon + 1))));
    }
    if (peers.contains(null)) {
      server.close();
      throw new CollectiveException("rendezvous incomplete, got " + Arrays.toString(all));
    }
    Runnable cancel =
        () -> {
          if (ctx.isInterrupted())
            throw new CollectiveException("rank " + rank + ": Spark killed the task");
        };
    // The stage attempt is authenticated with the ring: Spark reruns a failed barrier stage with
    // the
    // same closure, so the same secret, and a task of the failed attempt must not join the new one.
    return RingAllReduce.connect(
        rank, peers, server, ctx.stageId(), ctx.stageAttemptNumber(), opts, cancel);
  }

  /** The host the executor's block manager advertises (reachable by the other executors). */
  static String advertisedHost() throws IOException {
    SparkEnv env = SparkEnv.get();
    if (env != null && env.blockManager() != null && env.blockManager().blockManagerId() != null) {
      return env.blockManager().blockManagerId().host();
    }
    return InetAddress.getLocalHost().getHostAddress();
  }
}
