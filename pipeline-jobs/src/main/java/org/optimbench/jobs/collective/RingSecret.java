package org.optimbench.jobs.collective;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * The key that the workers of one ring share: every ring connection proves knowledge of it (HMAC
 * challenge-response) before any data, and the optional encryption derives its per-connection keys
 * from it. It never travels on the ring itself: the driver generates it and it reaches the
 * executors inside the task closure, over Spark's own RPC (see COLLECTIVE.md, "Security").
 *
 * <p>{@link #toString()} never shows the bytes, so options can be logged.
 */
public final class RingSecret implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Length of a generated secret and the least accepted by {@link #of(byte[])}: 256 bits. */
  public static final int BYTES = 32;

  private static final class Source {
    static final SecureRandom RANDOM = new SecureRandom();
  }

  private final byte[] key;

  private RingSecret(byte[] key) {
    this.key = key;
  }

  /** A fresh random secret from {@link SecureRandom}; call it once per run, on the driver. */
  public static RingSecret generate() {
    byte[] b = new byte[BYTES];
    Source.RANDOM.nextBytes(b);
    return new RingSecret(b);
  }

  /** A secret from given bytes (copied), at least {@value #BYTES} of them. */
  public static RingSecret of(byte[] key) {
    if (key == null || key.length < BYTES) {
      throw new IllegalArgumentException(
          "a ring secret needs at least "
              + BYTES
              + " bytes, got "
              + (key == null ? "null" : key.length));
    }
    return new RingSecret(key.clone());
  }

  /**
   * Proof of holding this secret for one challenge: HMAC-SHA256, under a key derived from the
   * secret for {@code purpose}, of {@code challenge}. For other channels of the same run than the
   * ring (the workers' progress to the driver), so the secret itself never leaves this class.
   */
  public byte[] prove(String purpose, byte[] challenge) {
    try {
      javax.crypto.Mac derive = javax.crypto.Mac.getInstance("HmacSHA256");
      derive.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
      byte[] purposeKey = derive.doFinal(purpose.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(purposeKey, "HmacSHA256"));
      return mac.doFinal(challenge);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  /** Whether {@code proof} is {@link #prove}'s for this challenge, compared in constant time. */
  public boolean verify(String purpose, byte[] challenge, byte[] proof) {
    return java.security.MessageDigest.isEqual(prove(purpose, challenge), proof);
  }

  /** The bytes themselves, not copied: callers in this package only read them. */
  byte[] key() {
    return key;
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (key == null || key.length < BYTES)
      throw new InvalidObjectException("ring secret shorter than " + BYTES + " bytes");
  }

  /** Equal bytes, compared in constant time. */
  @Override
  public boolean equals(Object o) {
    return o instanceof RingSecret s && MessageDigest.isEqual(key, s.key);
  }

  /** Depends on the length only, so hash tables cannot leak the bytes. */
  @Override
  public int hashCode() {
    return key.length;
  }

  @Override
  public String toString() {
    return "RingSecret[" + key.length * 8 + " bits, redacted]";
  }
}
