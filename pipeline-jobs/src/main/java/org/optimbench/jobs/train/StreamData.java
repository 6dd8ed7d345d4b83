package org.optimbench.jobs.train;

import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.buffer.DataType;
import org.optimbench.jobs.data.RankStream;
import org.optimbench.jobs.data.RowRefs;
import org.optimbench.jobs.data.SplitIndex;
import org.optimbench.jobs.data.ValidationReader;
import org.optimbench.jobs.workload.ValidationRows;
import org.optimbench.jobs.workload.Workload;

/**
 * A worker's data read straight from data-prep's Parquet: its own share of the training split as a
 * {@link RankStream} (row groups assigned per epoch, shuffled in windows of {@code
 * reader.shuffle_buffer} rows, decoded ahead by a background thread), its slice of the validation
 * split for evaluations ({@link ValidationReader}, the {@code eval.valid_fraction} subset of ids),
 * and, only when an optimizer asks for validation gradients, a second stream over its validation
 * slice. Memory is bounded by the streams' windows, whatever the split sizes (package {@code
 * org.optimbench.jobs.data}).
 */
final class StreamData implements WorkerData {
  /** Seeds the validation-gradient stream apart from the training stream. */
  private static final long VALIDATION_STREAM_SEED = 0x76616c6964L; // "valid"

  private final Workload workload;
  private final DataType dtype;
  private final SplitIndex validSplit;
  private final int rank;
  private final int ranks;
  private final RankStream.Options options;
  private final Configuration conf;
  private final RankStream train;
  private final ValidationReader evaluation;
  private RankStream validation;

  StreamData(
      Workload workload,
      DataType dtype,
      SplitIndex trainSplit,
      SplitIndex validSplit,
      double validFraction,
      int rank,
      int ranks,
      RankStream.Options options,
      Configuration conf) {
    this.workload = workload;
    this.dtype = dtype;
    this.validSplit = validSplit;
    this.rank = rank;
    this.ranks = ranks;
    this.options = options;
    this.conf = conf;
    this.train = new RankStream(trainSplit, workload.schema(dtype), rank, ranks, options, conf);
    this.evaluation =
        new ValidationReader(
            validSplit,
            workload.schema(dtype),
            rank,
            ranks,
            workload.evaluationChunkRows(),
            validFraction >= 1.0 ? null : id -> TrainingJob.inEvaluationSubset(id, validFraction),
            conf);
  }

  @Override
  public Batch batchAt(long index, int batchSize) {
    return encode(train.refs(index * batchSize, batchSize));
  }

  @Override
  public Batch validBatchAt(long t, int batchSize) {
    if (validation == null) {
      if (validSplit.rows() == 0)
        throw new IllegalStateException(
            "the validation split is empty: this optimizer needs validation batches");
      validation =
          new RankStream(
              validSplit,
              workload.schema(dtype),
              rank,
              ranks,
              options.withSeed(options.seed() ^ VALIDATION_STREAM_SEED).withPrefetch(0),
              conf);
    }
    return encode(validation.refs(t * batchSize, batchSize));
  }

  @Override
  public ValidationRows valid() {
    return each -> {
      try (ValidationReader.Pass pass = evaluation.open()) {
        pass.forEachRemaining(each);
      }
    };
  }

  /** Waits on the training stream so far: time this worker's steps waited for their data. */
  long inputWaitNanos() {
    return train.waitNanos();
  }

  /** How many batches found their window not decoded yet and waited for it. */
  long inputWaits() {
    return train.waits();
  }

  /** Windows of the training split decoded so far. */
  long windowsDecoded() {
    return train.windowsDecoded();
  }

  private Batch encode(RowRefs rows) {
    return new Batch(workload.encode(rows, dtype), rows.ids());
  }

  @Override
  public void close() {
    train.close();
    if (validation != null) validation.close();
  }
}
