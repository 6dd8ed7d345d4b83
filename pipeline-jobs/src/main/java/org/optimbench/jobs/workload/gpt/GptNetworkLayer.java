package org.optimbench.jobs.workload.gpt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.samediff.DL4JSameDiffMemoryMgr;
import org.deeplearning4j.nn.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd;
import org.nd4j.linalg.api.ops.impl.shape.Gather;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime of {@link GptLayer}: DL4J's SameDiff output layer with three changes, each because
 * the stock path was wrong or wasteful for this model in DL4J 1.0.0-M2.1.
 *
 * <ul>
 *   <li>The token-embedding lookup happens here, outside the graph: {@code wte} rows are gathered
 *       for the token ids (ND4J's gather op, whose forward is fine) and fed to the graph as the
 *       placeholder {@link GptLayer#TOKEN_EMBEDDINGS}, and in backward the gradient of that
 *       placeholder is scatter-added (repeated tokens accumulate) into {@code wte}'s gradient, on
 *       top of the output projection's share that SameDiff computes. SameDiff's own gather fails in
 *       backward (Gather.doDiff's put), and a one-hot matmul would cost as much as the output
 *       projection again.
 *   <li>Backward returns the loss with the gradients, and {@link #computeScore} uses it: DL4J asks
 *       for the score right after backward, and the stock layer runs a second forward pass for it.
 *   <li>No input gradient is returned (token ids have none); DL4J accepts null for a first layer.
 * </ul>
 *
 * Memory is handled as in the stock layer: SameDiff's arrays live in DL4J's workspaces.
 */
final class GptNetworkLayer extends SameDiffOutputLayer {
  private double cachedLoss = Double.NaN;

  GptNetworkLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private GptLayer gpt() {
    return (GptLayer) layerConf();
  }

  @Override
  public void setInput(INDArray input, LayerWorkspaceMgr mgr) {
    cachedLoss = Double.NaN;
    super.setInput(input, mgr);
  }

  @Override
  public void setLabels(INDArray labels) {
    cachedLoss = Double.NaN;
    super.setLabels(labels);
  }

  /**
   * The ids as an int vector on the backend's device: no per-step round trip through Java arrays.
   */
  private INDArray tokenIds() {
    return input.castTo(DataType.INT32).reshape('c', new long[] {input.length()});
  }

  private Map<String, INDArray> placeholders(INDArray ids, boolean withLabels) {
    Map<String, INDArray> ph = new HashMap<>();
    ph.put(GptLayer.TOKEN_EMBEDDINGS, Nd4j.exec(new Gather(paramTable.get("wte"), ids, 0))[0]);
    if (withLabels) ph.put(LABELS_KEY, labels);
    return ph;
  }

  private void ensureGraph() {
    if (sameDiff == null) {
      try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        doInit();
      }
    }
  }

  /**
   * SameDiff's temporaries in DL4J's workspaces, as the stock layer does: outside them each
   * allocation costs more than the op.
   */
  private void useWorkspaces(
      Map<Long, InferenceSession> sessions,
      SameDiff fn,
      LayerWorkspaceMgr mgr,
      ArrayType working,
      ArrayType output) {
    InferenceSession is =
        sessions.computeIfAbsent(
            Thread.currentThread().getId(), k -> SameDiff.getInferenceFactory().create(fn));
    is.setMmgr(
        new DL4JSameDiffMemoryMgr(
            mgr.getWorkspaceName(working),
            mgr.getWorkspaceName(output),
            mgr.getConfiguration(working),
            mgr.getConfiguration(output)));
  }

  private INDArray forward(String output, boolean withLabels, LayerWorkspaceMgr mgr) {
    ensureGraph();
    useWorkspaces(
        sameDiff.getSessions(), sameDiff, mgr, ArrayType.FF_WORKING_MEM, ArrayType.ACTIVATIONS);
    INDArray out = sameDiff.outputSingle(placeholders(tokenIds(), withLabels), output);
    sameDiff.clearPlaceholders(true);
    sameDiff.clearOpInputs();
    return out;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
    assertInputSet(false);
    INDArray out = forward(GptLayer.LOGITS, false, mgr);
    if (mgr.isScopedOut(ArrayType.ACTIVATIONS)) return out.isAttached() ? out.detach() : out;
    String ws = mgr.getWorkspaceName(ArrayType.ACTIVATIONS);
    boolean inWs = out.isAttached() && out.data().getParentWorkspace().getId().equals(ws);
    return inWs ? out : mgr.dup(ArrayType.ACTIVATIONS, out);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    if (labels == null)
      throw new IllegalStateException("GPT backward needs labels (the next token ids)");
    ensureGraph();
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      // SameDiff differentiates only variables unless a placeholder is named when the function is
      // built
      if (sameDiff.getFunction("grad") == null)
        sameDiff.createGradFunction(GptLayer.TOKEN_EMBEDDINGS);
    }
    SameDiff gradFn = sameDiff.getFunction("grad");
    useWorkspaces(
        gradFn.getSessions(), gradFn, mgr, ArrayType.BP_WORKING_MEM, ArrayType.ACTIVATION_GRAD);
    INDArray ids = tokenIds();
    List<String> wrt = new ArrayList<>(paramTable.keySet());
    wrt.add(GptLayer.TOKEN_EMBEDDINGS);
    OutAndGrad r =
        sameDiff.calculateGradientsAndOutputs(
            placeholders(ids, true), List.of(outputVar.name()), wrt);
    Map<String, INDArray> grads = r.getGradients();
    Gradient g = new DefaultGradient();
    for (String name : paramTable.keySet()) {
      INDArray dl4jGrad = gradTable.get(name);
      dl4jGrad.assign(grads.get(name));
      g.gradientForVariable().put(name, dl4jGrad);
    }
    INDArray wteGrad = gradTable.get("wte");
    ScatterAdd scatter = new ScatterAdd(wteGrad, ids, grads.get(GptLayer.TOKEN_EMBEDDINGS));
    scatter.addOutputArgument(wteGrad);
    // Locked: with more than one OpenMP thread, libnd4j splits the ids among threads and unlocked
    // adds to a repeated token's row race and lose updates (repeated tokens are the rule in text).
    scatter.addBArgument(true);
    Nd4j.exec(scatter);
    cachedLoss = r.getOutputs().get(outputVar.name()).getDouble(0);
    sameDiff.clearPlaceholders(true);
    sameDiff.clearOpInputs();
    return new Pair<>(g, null);
  }

  @Override
  public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr mgr) {
    double loss = cachedLoss;
    cachedLoss = Double.NaN;
    if (Double.isNaN(loss)) loss = forward(outputVar.name(), true, mgr).getDouble(0);
    return (loss + fullNetRegTerm) / input.size(0);
  }
}
