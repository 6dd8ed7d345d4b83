package org.optimbench.jobs.collective;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * N ring workers in this JVM over loopback, for tests and benchmarks (each worker then runs in its
 * own thread).
 */
public final class LoopbackRing {
  private LoopbackRing() {}

  /** Opens and connects {@code workers} all-reduces; element i has rank i. */
  public static List<AllReduce> open(int workers, CollectiveOptions opts) throws Exception {
    List<ServerSocketChannel> servers = new ArrayList<>();
    List<InetSocketAddress> addrs = new ArrayList<>();
    InetAddress lo = InetAddress.getLoopbackAddress();
    for (int i = 0; i < workers; i++) {
      ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress(lo, 0));
      servers.add(s);
      addrs.add((InetSocketAddress) s.getLocalAddress());
    }
    long ringId = ThreadLocalRandom.current().nextLong();
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      List<Future<AllReduce>> fs = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        int rank = i;
        fs.add(
            pool.submit(
                () -> RingAllReduce.connect(rank, addrs, servers.get(rank), ringId, opts, null)));
      }
      List<AllReduce> out = new ArrayList<>();
      for (Future<AllReduce> f : fs) out.add(f.get());
      return out;
    } finally {
      pool.shutdown();
      for (ServerSocketChannel s : servers) {
        try {
          s.close();
        } catch (IOException ignored) {
          // already closed by connect
        }
      }
    }
  }

  /** What each worker runs in {@link #onAll}. */
  public interface Body<R> {
    R run(AllReduce ar) throws Exception;
  }

  /**
   * Runs {@code body} on every worker of {@code ring} at once, each in a thread of its own (a
   * collective call returns only when every worker has made it), and returns the results in rank
   * order; waits at most a minute for each.
   */
  public static <R> List<R> onAll(List<AllReduce> ring, Body<R> body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(ring.size());
    try {
      List<Future<R>> fs = new ArrayList<>();
      for (AllReduce ar : ring) fs.add(pool.submit(() -> body.run(ar)));
      List<R> out = new ArrayList<>();
      for (Future<R> f : fs) out.add(f.get(60, TimeUnit.SECONDS));
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
