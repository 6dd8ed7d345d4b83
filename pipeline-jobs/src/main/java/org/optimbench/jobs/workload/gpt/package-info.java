/**
 * The GPT workload's model: a GPT-2 style decoder-only language model ({@link
 * org.optimbench.jobs.workload.gpt.GptModel}) built as a DL4J network whose flat parameters the
 * optim library updates through {@code NetworkModel}, and its batches of token blocks ({@link
 * org.optimbench.jobs.workload.gpt.GptBatch}). Architecture, parameter count and cost model: {@code
 * pipeline-jobs/GPT.md}. The training engine's {@code gpt} workload ({@link
 * org.optimbench.jobs.workload.gpt.GptWorkload}) reads data-prep's text blocks, and prepares them
 * from a raw text {@code data.source} on first use ({@code TextSource}).
 */
package org.optimbench.jobs.workload.gpt;
