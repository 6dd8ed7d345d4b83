package org.optimbench.jobs.collective;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The messages and cryptography of the handshake that opens every ring connection. The dialer is
 * rank {@code from}, which connects to its right neighbour rank {@code to}, the acceptor; data then
 * flows from dialer to acceptor only.
 *
 * <pre>
 * 1. dialer   -> acceptor  HELLO  magic, version, ring id, attempt, size, from, to, flags, dialer nonce
 * 2. acceptor -> dialer    REPLY  OK + acceptor nonce        (or a rejection code, then close)
 * 3. dialer   -> acceptor  PROOF  HMAC(auth key, "dialer"   | transcript)
 * 4. acceptor -> dialer    REPLY  OK + HMAC(auth key, "acceptor" | transcript)  (or a rejection)
 * </pre>
 *
 * The transcript is everything the connection is for, taken from each side's own view (not from the
 * HELLO's claims): ring id, stage attempt, ring size, both ranks, the flags, both nonces. Fresh
 * nonces on both sides make every proof good for one connection only, so a recorded handshake
 * replayed later, into another ring or another attempt of the same stage, fails. The role label in
 * the MAC keeps a proof from being reflected back as the other side's. The acceptor proves itself
 * only after checking the dialer's proof, so it never computes a MAC for a peer that does not hold
 * the secret.
 */
final class RingHandshake {
  private RingHandshake() {}

  static final int MAGIC = 0x52696e67; // "Ring"
  static final int VERSION = 2;
  static final int NONCE_BYTES = 32;
  static final int MAC_BYTES = 32;
  static final int HELLO_BYTES = 4 + 4 + 8 + 4 + 4 + 4 + 4 + 4 + NONCE_BYTES;
  static final int REPLY_BYTES = 4 + 32;
  static final int PROOF_BYTES = MAC_BYTES;

  /** Bytes the dialer sends before any data (HELLO and PROOF); tests use it to find the data. */
  static final int DIALER_BYTES = HELLO_BYTES + PROOF_BYTES;

  static final int FLAG_ENCRYPTION = 1;

  // REPLY status codes: why an acceptor refused a connection, so the dialer can say so
  static final int OK = 0;
  static final int BAD_VERSION = 1;
  static final int WRONG_RING = 2;
  static final int WRONG_RANKS = 3;
  static final int ENCRYPTION_MISMATCH = 4;
  static final int BAD_PROOF = 5;

  private static final String LABEL = "optimbench-ring/2 ";
  private static final byte[] AUTH_KEY_INFO = bytes(LABEL + "authentication");
  private static final byte[] DIALER_ROLE = bytes(LABEL + "dialer proof");
  private static final byte[] ACCEPTOR_ROLE = bytes(LABEL + "acceptor proof");
  private static final byte[] DATA_KEY_INFO = bytes(LABEL + "aes-256-gcm data key");

  private static final class Source {
    static final SecureRandom RANDOM = new SecureRandom();
  }

  /** What one connection is for, as one side sees it. */
  record Ends(long ringId, int attempt, int size, int from, int to, boolean encryption) {
    int flags() {
      return encryption ? FLAG_ENCRYPTION : 0;
    }
  }

  static byte[] nonce() {
    byte[] n = new byte[NONCE_BYTES];
    Source.RANDOM.nextBytes(n);
    return n;
  }

  static ByteBuffer hello(Ends e, byte[] dialerNonce) {
    return ByteBuffer.allocate(HELLO_BYTES)
        .putInt(MAGIC)
        .putInt(VERSION)
        .putLong(e.ringId())
        .putInt(e.attempt())
        .putInt(e.size())
        .putInt(e.from())
        .putInt(e.to())
        .putInt(e.flags())
        .put(dialerNonce)
        .flip();
  }

  /** A REPLY: status and 32 bytes (nonce or proof; zeros in a rejection). */
  static ByteBuffer reply(int status, byte[] body) {
    ByteBuffer b = ByteBuffer.allocate(REPLY_BYTES).putInt(status);
    if (body != null) b.put(body);
    return b.position(REPLY_BYTES).flip();
  }

  /** The HELLO's claims, parsed from a full buffer (flipped). */
  record Hello(
      int magic,
      int version,
      long ringId,
      int attempt,
      int size,
      int from,
      int to,
      int flags,
      byte[] nonce) {
    static Hello parse(ByteBuffer b) {
      int magic = b.getInt();
      int version = b.getInt();
      long ringId = b.getLong();
      int attempt = b.getInt();
      int size = b.getInt();
      int from = b.getInt();
      int to = b.getInt();
      int flags = b.getInt();
      byte[] nonce = new byte[NONCE_BYTES];
      b.get(nonce);
      return new Hello(magic, version, ringId, attempt, size, from, to, flags, nonce);
    }

    @Override
    public String toString() {
      return String.format(
          "ring %d attempt %d, rank %d -> %d of %d, encryption %s",
          ringId, attempt, from, to, size, (flags & FLAG_ENCRYPTION) != 0 ? "on" : "off");
    }
  }

  /**
   * The acceptor's verdict on a HELLO, before any cryptography: OK or the rejection code.
   * Mismatches of these claims only say that the peer is not the expected one; the proof decides
   * whether it is genuine.
   */
  static int check(Hello h, Ends mine) {
    if (h.version() != VERSION) return BAD_VERSION;
    if (h.ringId() != mine.ringId() || h.attempt() != mine.attempt() || h.size() != mine.size())
      return WRONG_RING;
    if (h.from() != mine.from() || h.to() != mine.to()) return WRONG_RANKS;
    if (h.flags() != mine.flags()) return ENCRYPTION_MISMATCH;
    return OK;
  }

  static String describe(int status) {
    return switch (status) {
      case OK -> "accepted";
      case BAD_VERSION -> "a different protocol version (the workers run different builds)";
      case WRONG_RING -> "another ring, stage attempt or ring size";
      case WRONG_RANKS -> "unexpected ranks (it expects its own left neighbour)";
      case ENCRYPTION_MISMATCH -> "a different encryption setting (collective.encryption)";
      case BAD_PROOF ->
          "a wrong proof of the ring secret: the workers hold different secrets (create"
              + " CollectiveOptions once, on the driver, and ship it to every worker)";
      default -> "unknown status " + status;
    };
  }

  static byte[] dialerProof(byte[] secret, Ends e, byte[] dialerNonce, byte[] acceptorNonce) {
    return proof(secret, DIALER_ROLE, e, dialerNonce, acceptorNonce);
  }

  static byte[] acceptorProof(byte[] secret, Ends e, byte[] dialerNonce, byte[] acceptorNonce) {
    return proof(secret, ACCEPTOR_ROLE, e, dialerNonce, acceptorNonce);
  }

  /** Constant-time comparison, so the time taken does not tell how many leading bytes matched. */
  static boolean same(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }

  private static byte[] proof(
      byte[] secret, byte[] role, Ends e, byte[] dialerNonce, byte[] acceptorNonce) {
    Mac mac = hmac(hmac(secret).doFinal(AUTH_KEY_INFO));
    mac.update(role);
    mac.update(
        ByteBuffer.allocate(8 + 4 * 5)
            .putLong(e.ringId())
            .putInt(e.attempt())
            .putInt(e.size())
            .putInt(e.from())
            .putInt(e.to())
            .putInt(e.flags())
            .array());
    mac.update(dialerNonce);
    mac.update(acceptorNonce);
    return mac.doFinal();
  }

  /**
   * The AES-256 key of the connection's data, HKDF (RFC 5869) with SHA-256: extract with both
   * nonces as the salt, expand one block with the connection's identity as the info. Fresh for
   * every connection, so GCM's frame counters start at 0 without ever reusing a (key, nonce) pair.
   */
  static byte[] dataKey(byte[] secret, Ends e, byte[] dialerNonce, byte[] acceptorNonce) {
    byte[] salt = new byte[2 * NONCE_BYTES];
    System.arraycopy(dialerNonce, 0, salt, 0, NONCE_BYTES);
    System.arraycopy(acceptorNonce, 0, salt, NONCE_BYTES, NONCE_BYTES);
    byte[] prk = hmac(salt).doFinal(secret);
    Mac expand = hmac(prk);
    expand.update(DATA_KEY_INFO);
    expand.update(
        ByteBuffer.allocate(8 + 4 * 3)
            .putLong(e.ringId())
            .putInt(e.attempt())
            .putInt(e.from())
            .putInt(e.to())
            .array());
    expand.update((byte) 1);
    return expand.doFinal();
  }

  private static Mac hmac(byte[] key) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      return m;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable in this JVM", e);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
