package org.optimbench.jobs.collective;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.optimbench.optim.HostBytes;

/**
 * {@link AllReduce} over a TCP ring: worker r sends to rank r+1 and receives from rank r-1, one
 * connection each way, non-blocking {@code SocketChannel}s driven by one selector in the caller's
 * thread (sending and receiving at once, so no hop can deadlock on full socket buffers).
 *
 * <p>Arrays above {@link CollectiveOptions#smallBytes()} use reduce-scatter then all-gather
 * (bandwidth-optimal: each worker sends and receives 2(N-1)/N of the array). The array is cut into
 * N chunks; chunk c is summed once, along the ring, ending at its owner, and the owner's bytes are
 * then copied to every other worker, so all workers end with the same bytes. Received bytes go
 * straight from the socket into native ND4J memory: into a reusable segment buffer that is then
 * {@code addi}-ed into the chunk (reduce-scatter), or directly into the array (all-gather). No Java
 * loop touches elements.
 *
 * <p>Small arrays and scalars use an all-gather of the whole inputs (N-1 hops, the latency-optimal
 * choice for a ring) and every worker sums the N inputs in rank order 0..N-1, again identical bytes
 * everywhere. In the combined call the scalars travel with the reduce-scatter messages.
 *
 * <p>Each message starts with a header (call number, hop, operation, length, type, scalar count,
 * sender) that the receiver checks, so workers making different calls fail with a clear message
 * instead of summing garbage.
 *
 * <p>Every connection opens with a mutual HMAC-SHA256 handshake over the run's {@link
 * CollectiveOptions#secret()} ({@link RingHandshake}, driven by {@link RingConnector}). With {@link
 * CollectiveOptions#encryption()} the messages then travel in AES-256-GCM frames ({@link
 * FrameCipher}), each decrypted straight into the segment or array it belongs to; without it the
 * hop code calls the sockets directly, as fast as an unauthenticated ring.
 */
public final class RingAllReduce implements AllReduce {
  private static final int MSG_MAGIC = 0x4172_5364;
  private static final int HEADER_BYTES = 36;
  private static final int OP_RING = 1;
  private static final int OP_GATHER = 2;
  private static final int OP_ALL_GATHER = 3;
  private static final long SELECT_SLICE_MS = 500;
  private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

  private final int rank;
  private final int size;
  private final CollectiveOptions opts;
  private final Runnable cancelCheck;
  private final SocketChannel toRight;
  private final SocketChannel fromLeft;
  private final String rightName;
  private final String leftName;
  private final Selector selector;
  private final SelectionKey sendKey;
  private final SelectionKey recvKey;

  /** AES-GCM ends of the two connections, null unless {@link CollectiveOptions#encryption()}. */
  private final FrameCipher.Sealer sealer;

  private final FrameCipher.Opener opener;
  private final ByteBuffer hdrOut = ByteBuffer.allocateDirect(HEADER_BYTES);
  private final ByteBuffer hdrIn = ByteBuffer.allocateDirect(HEADER_BYTES);
  private final ByteBuffer[] outBufs = new ByteBuffer[3];
  private final ByteBuffer[] inBufs = new ByteBuffer[3];

  private int callSeq;

  /** While in {@link #barrier}: its timeout and what the workers wait for; else 0 and null. */
  private long barrierTimeoutMillis;

  private String barrierWaitingFor;
  private boolean closed;
  private String failure;

  /** Scalar table: N slots of k doubles, slot q holds rank q's input. */
  private ByteBuffer scalarTable = ByteBuffer.allocateDirect(0);

  /** Reduce-scatter receive segment, one per data type in use. */
  private INDArray segArr;

  private ByteBuffer segBuf;

  /** Latency path: N rows of the array, row q holds rank q's input. */
  private INDArray gathered;

  private RingAllReduce(
      int rank,
      int size,
      CollectiveOptions opts,
      Runnable cancelCheck,
      RingConnector.Links links,
      String rightName,
      String leftName)
      throws IOException {
    this.rank = rank;
    this.size = size;
    this.opts = opts;
    this.cancelCheck = cancelCheck == null ? () -> {} : cancelCheck;
    this.toRight = links.toRight();
    this.fromLeft = links.fromLeft();
    this.rightName = rightName;
    this.leftName = leftName;
    this.sealer = links.sendKey() == null ? null : new FrameCipher.Sealer(links.sendKey());
    this.opener = links.receiveKey() == null ? null : new FrameCipher.Opener(links.receiveKey());
    toRight.configureBlocking(false);
    fromLeft.configureBlocking(false);
    this.selector = Selector.open();
    this.sendKey = toRight.register(selector, 0);
    this.recvKey = fromLeft.register(selector, 0);
  }

  /**
   * {@link #connect(int, List, ServerSocketChannel, long, int, CollectiveOptions, Runnable)} of
   * attempt 0.
   */
  public static AllReduce connect(
      int rank,
      List<InetSocketAddress> peers,
      ServerSocketChannel server,
      long ringId,
      CollectiveOptions opts,
      Runnable cancelCheck)
      throws IOException {
    return connect(rank, peers, server, ringId, 0, opts, cancelCheck);
  }

  /**
   * Connects worker {@code rank} to its ring neighbours. {@code server} must already be bound and
   * listening at {@code peers.get(rank)} (open it before exchanging addresses, so a neighbour that
   * connects early lands in the backlog); it is closed on return. {@code ringId} and {@code
   * attempt} must be the same on every worker of this ring, and ({@code ringId}, {@code attempt})
   * must differ between rings that share a secret (Spark: the stage id and the stage attempt), so
   * that a connection meant for another ring or left over from a failed attempt is refused. Every
   * connection is authenticated with {@code opts.secret()} before any data moves, and encrypted
   * when {@code opts.encryption()}. {@code cancelCheck} runs while waiting and may throw to abandon
   * the wait (a killed Spark task). Returns {@link AllReduce#single()} when there is one worker.
   */
  public static AllReduce connect(
      int rank,
      List<InetSocketAddress> peers,
      ServerSocketChannel server,
      long ringId,
      int attempt,
      CollectiveOptions opts,
      Runnable cancelCheck)
      throws IOException {
    int size = peers.size();
    if (rank < 0 || rank >= size)
      throw new IllegalArgumentException("rank " + rank + " out of 0.." + (size - 1));
    if (size == 1) {
      if (server != null) server.close();
      return AllReduce.single();
    }
    int right = (rank + 1) % size;
    int left = (rank + size - 1) % size;
    RingConnector.Links links =
        new RingConnector(rank, peers.get(right), size, server, ringId, attempt, opts, cancelCheck)
            .connect();
    try {
      return new RingAllReduce(
          rank,
          size,
          opts,
          cancelCheck,
          links,
          "rank " + right + " at " + peers.get(right),
          "rank " + left + " at " + peers.get(left));
    } catch (IOException | RuntimeException e) {
      Io.closeQuietly(links.toRight());
      Io.closeQuietly(links.fromLeft());
      throw e;
    }
  }

  @Override
  public void barrier(String waitingFor, long timeoutMillis) {
    if (timeoutMillis <= 0) throw new IllegalArgumentException("timeout " + timeoutMillis + " ms");
    barrierTimeoutMillis = timeoutMillis;
    barrierWaitingFor = waitingFor;
    try {
      sumInPlace(new double[] {0});
    } finally {
      barrierTimeoutMillis = 0;
      barrierWaitingFor = null;
    }
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public void sumInPlace(INDArray flat) {
    if (flat == null) throw new NullPointerException("flat");
    run(flat, new double[0]);
  }

  @Override
  public double[] sumInPlace(double[] scalars) {
    return run(null, scalars);
  }

  @Override
  public double[] sumInPlace(INDArray flat, double[] scalars) {
    if (flat == null) throw new NullPointerException("flat");
    return run(flat, scalars);
  }

  @SuppressWarnings("try") // the workspace scope is only opened and closed
  private double[] run(INDArray flat, double[] scalars) {
    if (scalars == null) throw new NullPointerException("scalars");
    if (closed) {
      throw new CollectiveException(
          "all-reduce of rank "
              + rank
              + " is closed"
              + (failure == null ? "" : " after: " + failure));
    }
    if (flat != null && !flat.dataType().isNumerical()) {
      throw new IllegalArgumentException("cannot sum an array of type " + flat.dataType());
    }
    callSeq++;
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      INDArray work = null;
      if (flat != null && flat.length() > 0) {
        work =
            isDense(flat)
                ? (flat.rank() == 1 ? flat : flat.reshape('c', new long[] {flat.length()}))
                : flat.dup('c').reshape(flat.length());
      }
      int k = scalars.length;
      if (scalarTable.capacity() < size * k * 8)
        scalarTable = ByteBuffer.allocateDirect(size * k * 8).order(ByteOrder.nativeOrder());
      ByteBuffer own = slot(rank, k);
      for (double s : scalars) own.putDouble(s);

      long n = work == null ? 0 : work.length();
      if (work == null || n < size || n * work.dataType().width() <= opts.smallBytes()) {
        gatherPath(work, k);
      } else {
        ringPath(work, k);
      }
      if (work != null && !sameMemory(work, flat)) flat.assign(work.reshape(flat.shape()));
      for (int j = 0; j < k; j++) {
        double acc = 0.0;
        for (int q = 0; q < size; q++) acc += scalarTable.getDouble((q * k + j) * 8);
        scalars[j] = acc;
      }
      return scalars;
    } catch (IOException | RuntimeException e) {
      fail(e);
      if (e instanceof CollectiveException ce) throw ce;
      throw new CollectiveException(
          "all-reduce call #" + callSeq + " failed on rank " + rank + ": " + e, e);
    }
  }

  private void fail(Exception e) {
    failure = String.valueOf(e.getMessage());
    close();
  }

  /**
   * Ring all-gather: worker r's segment {@code [bounds[r], bounds[r+1])} travels N-1 hops to the
   * right, each worker forwarding what it received in the previous hop, so each link carries every
   * segment but its receiver's once ((N-1)/N of the array per worker, no additions).
   */
  @Override
  public void allGatherInPlace(INDArray flat, long[] bounds) {
    if (closed) {
      throw new CollectiveException(
          "all-reduce of rank "
              + rank
              + " is closed"
              + (failure == null ? "" : " after: " + failure));
    }
    AllReduce.checkBounds(flat, bounds, size);
    callSeq++;
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      INDArray work = isDense(flat) ? flat : flat.dup('c');
      long n = work.length();
      int width = work.dataType().width();
      ByteBuffer all = n == 0 ? EMPTY : nativeBytes(work);
      hostRead(work);
      for (int s = 0; s < size - 1; s++) {
        int send = Math.floorMod(rank - s, size);
        int recv = Math.floorMod(rank - s - 1, size);
        ByteBuffer out =
            slice(all, bounds[send] * width, (bounds[send + 1] - bounds[send]) * width);
        ByteBuffer in = slice(all, bounds[recv] * width, (bounds[recv + 1] - bounds[recv]) * width);
        hop(OP_ALL_GATHER, s, n, work.dataType(), 0, out, EMPTY, EMPTY, in, null, 0, 0);
      }
      hostWritten(work);
      if (work != flat) flat.assign(work);
    } catch (IOException | RuntimeException e) {
      fail(e);
      if (e instanceof CollectiveException ce) throw ce;
      throw new CollectiveException(
          "all-gather call #" + callSeq + " failed on rank " + rank + ": " + e, e);
    }
  }

  /** Reduce-scatter then all-gather of N chunks; scalars ride along the reduce-scatter hops. */
  private void ringPath(INDArray work, int k) throws IOException {
    long n = work.length();
    int width = work.dataType().width();
    ensureSegment(work.dataType());
    ByteBuffer all = nativeBytes(work);
    for (int s = 0; s < size - 1; s++) {
      int sendChunk = Math.floorMod(rank - s, size);
      int recvChunk = Math.floorMod(rank - s - 1, size);
      hostRead(work);
      ByteBuffer out = slice(all, chunkStart(sendChunk, n) * width, chunkLen(sendChunk, n) * width);
      hop(
          OP_RING,
          s,
          n,
          work.dataType(),
          k,
          out,
          slot(sendChunk, k),
          slot(recvChunk, k),
          null,
          work,
          chunkStart(recvChunk, n),
          chunkLen(recvChunk, n));
    }
    for (int s = 0; s < size - 1; s++) {
      int sendChunk = Math.floorMod(rank + 1 - s, size);
      int recvChunk = Math.floorMod(rank - s, size);
      hostRead(work);
      ByteBuffer out = slice(all, chunkStart(sendChunk, n) * width, chunkLen(sendChunk, n) * width);
      ByteBuffer in = slice(all, chunkStart(recvChunk, n) * width, chunkLen(recvChunk, n) * width);
      hop(OP_RING, size - 1 + s, n, work.dataType(), 0, out, EMPTY, EMPTY, in, null, 0, 0);
      hostWritten(work);
    }
  }

  /** All-gather of the whole inputs, then every worker sums them in rank order. */
  private void gatherPath(INDArray work, int k) throws IOException {
    long n = work == null ? 0 : work.length();
    DataType type = work == null ? DataType.DOUBLE : work.dataType();
    int width = type.width();
    ByteBuffer table = EMPTY;
    boolean host = n > 0 && (type == DataType.FLOAT || type == DataType.DOUBLE);
    if (work != null) {
      if (gathered == null || gathered.dataType() != type || gathered.length() != size * n) {
        gathered = Nd4j.createUninitialized(type, size, n);
      }
      if (!host) gathered.getRow(rank).assign(work);
      hostRead(gathered);
      table = nativeBytes(gathered);
      if (host) {
        hostRead(work);
        slice(table, rank * n * width, n * width).put(nativeBytes(work));
      }
    }
    for (int s = 0; s < size - 1; s++) {
      int sendSlot = Math.floorMod(rank - s, size);
      int recvSlot = Math.floorMod(rank - s - 1, size);
      ByteBuffer out = work == null ? EMPTY : slice(table, sendSlot * n * width, n * width);
      ByteBuffer in = work == null ? EMPTY : slice(table, recvSlot * n * width, n * width);
      hop(OP_GATHER, s, n, type, k, out, slot(sendSlot, k), slot(recvSlot, k), in, null, 0, 0);
    }
    if (host) {
      hostWritten(gathered);
      sumRows(table, (int) n, type, nativeBytes(work));
      hostWritten(work);
      java.lang.ref.Reference.reachabilityFence(work);
    } else if (work != null) {
      hostWritten(gathered);
      work.assign(gathered.getRow(0));
      for (int q = 1; q < size; q++) work.addi(gathered.getRow(q));
    }
  }

  private float[] sumF = new float[0];
  private float[] rowF = new float[0];
  private double[] sumD = new double[0];
  private double[] rowD = new double[0];

  /**
   * {@code out} = row 0 + row 1 + ... of the {@code size} rows of {@code n} values in {@code
   * table}, added in rank order in the rows' type: the bits of ND4J's {@code assign} then {@code
   * addi} per row, without the views and ops (a small model's step spends more on those than on the
   * sum).
   */
  private void sumRows(ByteBuffer table, int n, DataType type, ByteBuffer out) {
    if (type == DataType.FLOAT) {
      if (sumF.length != n) {
        sumF = new float[n];
        rowF = new float[n];
      }
      java.nio.FloatBuffer t = table.asFloatBuffer();
      t.get(0, sumF);
      for (int q = 1; q < size; q++) {
        t.get(q * n, rowF);
        for (int i = 0; i < n; i++) sumF[i] += rowF[i];
      }
      out.asFloatBuffer().put(0, sumF);
    } else {
      if (sumD.length != n) {
        sumD = new double[n];
        rowD = new double[n];
      }
      java.nio.DoubleBuffer t = table.asDoubleBuffer();
      t.get(0, sumD);
      for (int q = 1; q < size; q++) {
        t.get(q * n, rowD);
        for (int i = 0; i < n; i++) sumD[i] += rowD[i];
      }
      out.asDoubleBuffer().put(0, sumD);
    }
  }

  /**
   * One hop: sends header + {@code scalarsOut} + {@code out} to the right while receiving header +
   * {@code scalarsIn} + payload from the left. The payload is read straight into {@code in} (copy)
   * or, when {@code addTarget} is given, in segments that are added into {@code addTarget[addStart,
   * addStart + addLen)}.
   */
  private void hop(
      int op,
      int step,
      long n,
      DataType type,
      int k,
      ByteBuffer out,
      ByteBuffer scalarsOut,
      ByteBuffer scalarsIn,
      ByteBuffer in,
      INDArray addTarget,
      long addStart,
      long addLen)
      throws IOException {
    hdrOut.clear();
    writeHeader(hdrOut, op, step, n, type, k);
    hdrOut.flip();
    outBufs[0] = hdrOut;
    outBufs[1] = scalarsOut;
    outBufs[2] = out;

    hdrIn.clear();
    boolean headerChecked = false;
    int width = type.width();
    long payloadTotal = addTarget == null ? in.remaining() : addLen * width;
    long payloadDone = 0;
    ByteBuffer target;
    if (addTarget == null) {
      target = in;
    } else {
      segBuf.clear();
      segBuf.limit((int) Math.min(segBuf.capacity(), payloadTotal));
      target = segBuf;
    }
    inBufs[0] = hdrIn;
    inBufs[1] = scalarsIn;
    inBufs[2] = target;

    long lastProgress = System.nanoTime();
    while (true) {
      boolean sending =
          outBufs[0].hasRemaining()
              || outBufs[1].hasRemaining()
              || outBufs[2].hasRemaining()
              || (sealer != null && sealer.pending());
      boolean receiving = !headerChecked || scalarsIn.hasRemaining() || payloadDone < payloadTotal;
      if (!sending && !receiving) return;
      boolean progress = false;
      if (sending) {
        long w;
        try {
          w = sealer == null ? toRight.write(outBufs) : sealer.write(toRight, outBufs);
        } catch (IOException e) {
          throw new CollectiveException(
              where(op, step)
                  + ": sending to right neighbour "
                  + rightName
                  + " failed ("
                  + e
                  + "); it probably died or closed its all-reduce",
              e);
        }
        progress = w > 0;
      }
      if (receiving) {
        long before = target.position();
        long r;
        try {
          r = opener == null ? fromLeft.read(inBufs) : opener.read(fromLeft, inBufs);
        } catch (FrameCipher.TamperedException e) {
          throw new CollectiveException(
              where(op, step)
                  + ": data from left neighbour "
                  + leftName
                  + " failed authentication, "
                  + e.getMessage(),
              e);
        } catch (IOException e) {
          throw new CollectiveException(
              where(op, step)
                  + ": receiving from left neighbour "
                  + leftName
                  + " failed ("
                  + e
                  + "); it probably died or closed its all-reduce",
              e);
        }
        if (r < 0) {
          throw new CollectiveException(
              where(op, step)
                  + ": left neighbour "
                  + leftName
                  + " closed the connection; it failed, finished early or closed its all-reduce");
        }
        if (r > 0) {
          progress = true;
          if (!headerChecked && !hdrIn.hasRemaining()) {
            checkHeader(op, step, n, type, k);
            headerChecked = true;
          }
          payloadDone += target.position() - before;
          if (addTarget != null && !target.hasRemaining() && target.limit() > 0) {
            long segStart = payloadDone - target.limit();
            addSegment(addTarget, addStart + segStart / width, target.limit() / width);
            target.clear();
            target.limit((int) Math.min(target.capacity(), payloadTotal - payloadDone));
          }
        }
      }
      if (progress) {
        lastProgress = System.nanoTime();
        continue;
      }
      sendKey.interestOps(sending ? SelectionKey.OP_WRITE : 0);
      recvKey.interestOps(receiving ? SelectionKey.OP_READ : 0);
      long idle = (System.nanoTime() - lastProgress) / 1_000_000L;
      long timeout = barrierTimeoutMillis > 0 ? barrierTimeoutMillis : opts.stepTimeoutMillis();
      if (idle >= timeout) {
        throw new CollectiveTimeoutException(
            String.format(
                Locale.ROOT,
                "rank %d: timed out after %s waiting for rank %d in all-reduce call #%d (%s): %s; it"
                    + " probably died, hangs, or stopped calling the all-reduce",
                rank,
                Durations.describe(timeout),
                receiving ? Math.floorMod(rank - 1, size) : (rank + 1) % size,
                callSeq,
                barrierWaitingFor != null ? barrierWaitingFor : phase(op, step),
                receiving
                    ? "nothing received from left neighbour " + leftName
                    : "right neighbour " + rightName + " took nothing"));
      }
      selector.select(Math.min(SELECT_SLICE_MS, timeout - idle));
      selector.selectedKeys().clear();
      cancelCheck.run();
      if (Thread.currentThread().isInterrupted())
        throw new CollectiveException(where(op, step) + ": interrupted");
    }
  }

  private void addSegment(INDArray target, long start, long count) {
    INDArray src = count == segArr.length() ? segArr : segArr.get(NDArrayIndex.interval(0, count));
    hostWritten(segArr);
    target.get(NDArrayIndex.interval(start, start + count)).addi(src);
  }

  private void writeHeader(ByteBuffer b, int op, int step, long n, DataType type, int k) {
    b.putInt(MSG_MAGIC)
        .putInt(op)
        .putInt(callSeq)
        .putInt(step)
        .putLong(n)
        .putInt(type.ordinal())
        .putInt(k)
        .putInt(rank);
  }

  private void checkHeader(int op, int step, long n, DataType type, int k) {
    ByteBuffer h = hdrIn.duplicate().flip();
    int magic = h.getInt();
    int theirOp = h.getInt();
    int seq = h.getInt();
    int theirStep = h.getInt();
    long theirN = h.getLong();
    int theirType = h.getInt();
    int theirK = h.getInt();
    int from = h.getInt();
    if (magic != MSG_MAGIC
        || theirOp != op
        || seq != callSeq
        || theirStep != step
        || theirN != n
        || theirType != type.ordinal()
        || theirK != k
        || from != Math.floorMod(rank - 1, size)) {
      String theirTypeName =
          theirType >= 0 && theirType < DataType.values().length
              ? DataType.values()[theirType].toString()
              : "?" + theirType;
      throw new CollectiveException(
          String.format(
              Locale.ROOT,
              "mismatched all-reduce calls: rank %d is in call #%d hop %d (%s, %d elements of %s, %d scalars) but "
                  + "rank %d sent call #%d hop %d (%s, %d elements of %s, %d scalars)%s; every worker must make the same "
                  + "calls with the same sizes and types",
              rank,
              callSeq,
              step,
              opName(op),
              n,
              type,
              k,
              from,
              seq,
              theirStep,
              opName(theirOp),
              theirN,
              theirTypeName,
              theirK,
              magic != MSG_MAGIC ? " [bad magic]" : ""));
    }
  }

  private static String opName(int op) {
    return op == OP_RING
        ? "ring"
        : op == OP_GATHER ? "gather" : op == OP_ALL_GATHER ? "all-gather" : "op" + op;
  }

  /** Which part of which call: reduce-scatter and all-gather of the ring, or the gather. */
  private String phase(int op, int step) {
    if (op == OP_RING && step < size - 1) return "reduce-scatter hop " + step;
    if (op == OP_RING) return "all-gather hop " + (step - (size - 1));
    if (op == OP_GATHER) return "small-array gather hop " + step;
    return opName(op) + " hop " + step;
  }

  private String where(int op, int step) {
    return String.format(
        Locale.ROOT,
        "rank %d of %d, all-reduce call #%d (%s)",
        rank,
        size,
        callSeq,
        phase(op, step));
  }

  private void ensureSegment(DataType type) {
    long elems = Math.max(1, opts.segmentBytes() / type.width());
    if (segArr == null || segArr.dataType() != type) {
      segArr = Nd4j.createUninitialized(type, elems);
      segBuf = nativeBytes(segArr);
    }
  }

  private ByteBuffer slot(int q, int k) {
    return slice(scalarTable, (long) q * k * 8, (long) k * 8);
  }

  private long chunkStart(int c, long n) {
    return c * n / size;
  }

  private long chunkLen(int c, long n) {
    return (c + 1) * n / size - c * n / size;
  }

  private static ByteBuffer slice(ByteBuffer b, long offset, long len) {
    if (len == 0) return EMPTY;
    return b.duplicate()
        .position(Math.toIntExact(offset))
        .limit(Math.toIntExact(offset + len))
        .slice()
        .order(ByteOrder.nativeOrder());
  }

  /** The array's elements as a direct ByteBuffer over ND4J's native memory (no copy). */
  static ByteBuffer nativeBytes(INDArray a) {
    return HostBytes.of(a);
  }

  /**
   * Dense in C order from its offset: its elements are {@code length()} consecutive values in
   * memory.
   */
  static boolean isDense(INDArray a) {
    long[] shape = a.shape();
    long[] stride = a.stride();
    long expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && stride[i] != expected) return false;
      expected *= shape[i];
    }
    return true;
  }

  private static boolean sameMemory(INDArray work, INDArray flat) {
    return work == flat
        || (isDense(flat)
            && work.data().addressPointer().address() == flat.data().addressPointer().address()
            && work.offset() == flat.offset());
  }

  /** Makes the host copy current before sockets read it (a no-op on the CPU backend). */
  static void hostRead(INDArray a) {
    Nd4j.getAffinityManager().ensureLocation(a, AffinityManager.Location.HOST);
  }

  /** Marks the host copy as newest after sockets wrote it (a no-op on the CPU backend). */
  static void hostWritten(INDArray a) {
    Nd4j.getAffinityManager().tagLocation(a, AffinityManager.Location.HOST);
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    Io.closeQuietly(toRight);
    Io.closeQuietly(fromLeft);
    try {
      selector.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
