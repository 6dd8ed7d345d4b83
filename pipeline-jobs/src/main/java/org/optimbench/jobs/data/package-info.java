/**
 * Streaming reads of data-prep's Parquet splits for data-parallel training (docs/DATA.md): every
 * rank reads its own rows straight from storage, a window at a time, so no split is ever shuffled
 * through Spark or held whole on a worker (Criteo 1TB: 4.4 billion rows). Pure Java over Hadoop's
 * FileSystem ({@code file:}, {@code hdfs:}, {@code s3a:}) and parquet-hadoop's page API; nothing
 * here depends on the training or workload packages.
 *
 * <h2>Pieces</h2>
 *
 * <ul>
 *   <li>{@link org.optimbench.jobs.data.SplitIndex}: the driver lists {@code
 *       <dir>/data/split=<split>/} (files sorted by name) and reads each file's footer for the row
 *       count of every row group; no data is read. The index is small and serializable and goes to
 *       every task.
 *   <li>{@link org.optimbench.jobs.data.ShardPlan}: which rows each rank reads in an epoch (below).
 *   <li>{@link org.optimbench.jobs.data.ParquetRangeReader}: reads ranges of row groups, only the
 *       requested columns, into {@link org.optimbench.jobs.data.RowChunk}s: ids, labels and list
 *       columns as offsets plus one primitive array of values, no object per row. A column stored
 *       as doubles may be decoded as floats ({@link
 *       org.optimbench.jobs.data.ChunkSchema.ListColumn}): float32 runs read LIBSVM values that
 *       way, half the memory for the values they round to float anyway.
 *   <li>{@link org.optimbench.jobs.data.RankStream}: a rank's endless training stream, windowed
 *       shuffle and background prefetch.
 *   <li>{@link org.optimbench.jobs.data.ValidationReader}: restartable evaluation passes.
 * </ul>
 *
 * <h2>Row groups and shares</h2>
 *
 * An epoch orders the split's row groups (a permutation seeded by (seed, epoch) when shuffling,
 * file order otherwise; the same on every rank) and concatenates them into one sequence of R rows.
 * Rank r of N takes the contiguous slice {@code [floor(r R / N), floor((r + 1) R / N))} of that
 * sequence: its share. A row group can straddle two shares, and each of the two ranks reads only
 * its own rows of it; a rank reads about R / N rows of whole row groups plus at most two partial
 * ones per epoch. Which row groups a rank reads changes every epoch with the order.
 *
 * <p>No row is dropped: every row is in exactly one share per epoch, and each rank reads its share
 * exactly once per epoch. Shares are floor(R / N) or floor(R / N) + 1 rows and keep their size
 * every epoch, so with the same batch size on every rank the ranks' epochs end within one step of
 * each other. A rank whose share would be empty (more ranks than rows) is an error.
 *
 * <h2>Windows and {@code shuffle_buffer}</h2>
 *
 * Within an epoch a rank's share is cut into windows of W = {@code shuffle_buffer} rows; window w
 * holds share rows {@code [wW, min((w + 1)W, S))} and is read whole, then its rows are served in
 * the order of a permutation seeded by (seed, rank, epoch, w). Stream position p is epoch {@code p
 * / S}, share row {@code p mod S}; a batch is {@code rows(step * B, B)} and may span windows and
 * epochs.
 *
 * <p>This is a two-level shuffle, not a full global one. A full shuffle would give every batch B
 * rows drawn uniformly from all R rows; here a batch's rows come from one window, i.e. from the W
 * consecutive rows of about {@code W / rows per row group + 1} row groups, and the row groups
 * themselves are shuffled per epoch. Rows that sit together in a row group (data-prep writes Criteo
 * day by day, text block by block) therefore meet in batches more often than chance. {@code
 * shuffle_buffer} trades memory and start-up for randomness: (prefetch + 1) W decoded rows are held
 * per rank, and the first batch after a start or a resume waits for a whole window, while a W
 * covering many row groups mixes many of them into every batch. With W at least a few row groups'
 * rows the batches mix row groups; W = 1 keeps the row-group order within an epoch. With shuffling
 * off, the stream is the share in file order and the row groups are not permuted.
 *
 * <h2>Memory</h2>
 *
 * A stream holds at most {@code prefetch + 1} decoded windows (the consumer's, those decoded ahead
 * and the one being decoded), the page being decoded of each requested column (read from storage
 * and decompressed one page at a time, {@link org.optimbench.jobs.data.ColumnChunkPages}), and the
 * chunk handed to the caller. None of it depends on the number of rows, row groups or files of the
 * split, or on the row groups' size. A window is kept in parts of at most 65,536 rows, so W is not
 * limited by the largest Java array; a chunk's arrays are checked against that limit before they
 * are allocated.
 *
 * <h2>Purity and resume</h2>
 *
 * {@code rows(p, n)} is a pure function of (split, seed, shuffle settings, rank, ranks, p, n): the
 * plan, the window permutations and the decoding depend on nothing else, in particular not on what
 * was read before. Resuming at step t reads the windows of rows {@code [tB, tB + B)} only, decoding
 * and dropping the rows before the window's start in its first row group; nothing before that
 * window is read. The ranks' streams change with the number of ranks.
 *
 * <h2>Prefetch</h2>
 *
 * With {@code prefetch > 0} one daemon thread per stream decodes the windows after the consumer's,
 * at most {@code prefetch} ahead, continuing its reader where the previous window ended, so a
 * consumer reading in order waits only for the first window whenever decoding is faster than its
 * own work ({@link org.optimbench.jobs.data.RankStream#waitNanos()} measures the stall). A jump
 * elsewhere drops the windows decoded ahead. Errors in the thread are rethrown by the consumer's
 * next call, naming the file and row group; {@code close()} stops the thread.
 *
 * <h2>Example</h2>
 *
 * <pre>{@code
 * // driver
 * SplitIndex train = SplitIndex.load("s3a://bucket/criteo-prep", "train", hadoopConf);
 * ParquetRangeReader.checkColumns(train, ChunkSchema.criteo(), hadoopConf);
 * // each rank (task), with data-prep's HadoopConf wrapper to ship the Configuration
 * RankStream.Options o = RankStream.Options.defaults(seed).withShuffleBuffer(1 << 18);
 * try (RankStream s = new RankStream(train, ChunkSchema.criteo(), rank, ranks, o, conf)) {
 *   for (long step = start; step < steps; step++) {
 *     RowChunk batch = s.rows(step * batchSize, batchSize);
 *     int[] categorical = batch.ints(0); // 26 per row, row i at batch.offsets(0)[i]
 *     float[] dense = batch.floats(1);
 *     ...
 *   }
 * }
 * }</pre>
 */
package org.optimbench.jobs.data;
