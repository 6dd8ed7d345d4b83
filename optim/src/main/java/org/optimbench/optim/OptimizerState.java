package org.optimbench.optim;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The mutable state of one optimizer on one model: named arrays (in the model's dtype), named
 * double scalars or small double vectors (global estimates such as d, kept in double precision),
 * and the states of inner optimizers for wrappers (Mechanic, grafting).
 *
 * <p>Every entry carries its {@link Combine} rule, so the training engine can merge the states of
 * workers without knowing the method. {@link #write}/{@link #read} round-trip bit-exactly (arrays
 * through ND4J's own binary format, scalars as IEEE bits), which is what checkpoints use.
 */
public final class OptimizerState {
  private static final int MAGIC = 0x4f505453; // "OPTS"
  private static final int VERSION = 1;

  private final Map<String, INDArray> arrays = new LinkedHashMap<>();
  private final Map<String, double[]> scalars = new LinkedHashMap<>();
  private final Map<String, Combine> rules = new LinkedHashMap<>();
  private final Map<String, OptimizerState> children = new LinkedHashMap<>();

  // ---- arrays ----

  /** Registers a state array. Names are unique across arrays and scalars. */
  public INDArray putArray(String name, INDArray value, Combine rule) {
    claim(name, rule);
    arrays.put(name, value);
    return value;
  }

  public INDArray array(String name) {
    INDArray a = arrays.get(name);
    if (a == null)
      throw new IllegalStateException(
          "no state array '" + name + "' (have " + arrays.keySet() + ")");
    return a;
  }

  public boolean hasArray(String name) {
    return arrays.containsKey(name);
  }

  // ---- scalars ----

  public void putScalar(String name, double value, Combine rule) {
    claim(name, rule);
    scalars.put(name, new double[] {value});
  }

  public void putScalars(String name, double[] values, Combine rule) {
    claim(name, rule);
    scalars.put(name, values.clone());
  }

  public double scalar(String name) {
    return scalarsRef(name)[0];
  }

  public void setScalar(String name, double value) {
    scalarsRef(name)[0] = value;
  }

  /** The live vector of a scalar-vector entry (callers may update it in place). */
  public double[] scalarsRef(String name) {
    double[] v = scalars.get(name);
    if (v == null)
      throw new IllegalStateException(
          "no state scalar '" + name + "' (have " + scalars.keySet() + ")");
    return v;
  }

  // ---- children (wrapped optimizers) ----

  public OptimizerState putChild(String name, OptimizerState child) {
    if (children.containsKey(name))
      throw new IllegalArgumentException("duplicate child state '" + name + "'");
    children.put(name, child);
    return child;
  }

  public OptimizerState child(String name) {
    OptimizerState c = children.get(name);
    if (c == null)
      throw new IllegalStateException(
          "no child state '" + name + "' (have " + children.keySet() + ")");
    return c;
  }

  public Map<String, INDArray> arrays() {
    return Collections.unmodifiableMap(arrays);
  }

  public Map<String, double[]> scalars() {
    return Collections.unmodifiableMap(scalars);
  }

  public Map<String, OptimizerState> children() {
    return Collections.unmodifiableMap(children);
  }

  public Combine rule(String name) {
    Combine r = rules.get(name);
    if (r == null) throw new IllegalStateException("no state entry '" + name + "'");
    return r;
  }

  public Set<String> names() {
    return Collections.unmodifiableSet(rules.keySet());
  }

  private void claim(String name, Combine rule) {
    if (rules.containsKey(name))
      throw new IllegalArgumentException("duplicate state entry '" + name + "'");
    rules.put(name, java.util.Objects.requireNonNull(rule, "rule"));
  }

  /** Bytes held by the state arrays (including children): the optimizer's memory cost. */
  public long arrayBytes() {
    long b = 0;
    for (INDArray a : arrays.values()) b += a.length() * a.dataType().width();
    for (OptimizerState c : children.values()) b += c.arrayBytes();
    return b;
  }

  // ---- copy, equality, serialization ----

  /** A deep copy (arrays duplicated). */
  public OptimizerState copy() {
    OptimizerState s = new OptimizerState();
    copyInto(s);
    return s;
  }

  private void copyInto(OptimizerState s) {
    for (String n : rules.keySet()) {
      if (arrays.containsKey(n)) s.putArray(n, arrays.get(n).dup(), rules.get(n));
      else s.putScalars(n, scalars.get(n), rules.get(n));
    }
    for (Map.Entry<String, OptimizerState> e : children.entrySet())
      s.putChild(e.getKey(), e.getValue().copy());
  }

  /**
   * True when both states have the same entries, rules, dtypes, shapes and bit-identical values.
   */
  public boolean bitwiseEquals(OptimizerState o) {
    if (!rules.equals(o.rules) || !children.keySet().equals(o.children.keySet())) return false;
    for (String n : arrays.keySet()) {
      INDArray a = arrays.get(n);
      INDArray b = o.arrays.get(n);
      if (b == null || a.dataType() != b.dataType() || !Arrays.equals(a.shape(), b.shape()))
        return false;
      if (!Arrays.equals(bits(a), bits(b))) return false;
    }
    for (String n : scalars.keySet()) {
      double[] a = scalars.get(n);
      double[] b = o.scalars.get(n);
      if (b == null || a.length != b.length) return false;
      for (int i = 0; i < a.length; i++) {
        if (Double.doubleToRawLongBits(a[i]) != Double.doubleToRawLongBits(b[i])) return false;
      }
    }
    for (String c : children.keySet()) {
      if (!children.get(c).bitwiseEquals(o.children.get(c))) return false;
    }
    return true;
  }

  private static long[] bits(INDArray a) {
    double[] d =
        a.dup().data().asDouble(); // float -> double is exact, so equal bits <=> equal values
    long[] out = new long[d.length];
    for (int i = 0; i < d.length; i++) out[i] = Double.doubleToRawLongBits(d[i]);
    return out;
  }

  public void write(OutputStream out) throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.writeInt(MAGIC);
    d.writeInt(VERSION);
    writeBody(d);
    d.flush();
  }

  private void writeBody(DataOutputStream d) throws IOException {
    d.writeInt(rules.size());
    for (Map.Entry<String, Combine> e : rules.entrySet()) {
      String n = e.getKey();
      d.writeUTF(n);
      d.writeUTF(e.getValue().name());
      if (arrays.containsKey(n)) {
        d.writeBoolean(true);
        Nd4j.write(arrays.get(n), d);
      } else {
        d.writeBoolean(false);
        double[] v = scalars.get(n);
        d.writeInt(v.length);
        for (double x : v) d.writeLong(Double.doubleToRawLongBits(x));
      }
    }
    d.writeInt(children.size());
    for (Map.Entry<String, OptimizerState> e : children.entrySet()) {
      d.writeUTF(e.getKey());
      e.getValue().writeBody(d);
    }
  }

  public static OptimizerState read(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    if (d.readInt() != MAGIC) throw new IOException("not an optimizer state (bad magic)");
    int v = d.readInt();
    if (v != VERSION) throw new IOException("unsupported optimizer state version " + v);
    return readBody(d);
  }

  private static OptimizerState readBody(DataInputStream d) throws IOException {
    OptimizerState s = new OptimizerState();
    int n = d.readInt();
    for (int i = 0; i < n; i++) {
      String name = d.readUTF();
      Combine rule = Combine.valueOf(d.readUTF());
      if (d.readBoolean()) {
        s.putArray(name, Nd4j.read(d), rule);
      } else {
        double[] v = new double[d.readInt()];
        for (int j = 0; j < v.length; j++) v[j] = Double.longBitsToDouble(d.readLong());
        s.putScalars(name, v, rule);
      }
    }
    int c = d.readInt();
    for (int i = 0; i < c; i++) {
      String name = d.readUTF();
      s.putChild(name, readBody(d));
    }
    return s;
  }

  public byte[] toBytes() {
    try {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      write(b);
      return b.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static OptimizerState fromBytes(byte[] bytes) {
    try {
      return read(new ByteArrayInputStream(bytes));
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
