package org.optimbench.jobs.collective;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM framing of one ring connection's data, which flows one way (dialer to acceptor). Each
 * frame is a 4-byte length then the ciphertext of up to {@link #FRAME_BYTES} plaintext bytes and
 * its 16-byte tag. The GCM nonce is the frame's sequence number, counted by both ends and never
 * sent, so a frame that is altered, dropped, repeated or reordered fails its tag. The key is fresh
 * for every connection ({@link RingHandshake#dataKey}), so counting from 0 never reuses a nonce.
 *
 * <p>A frame never spans two of the sender's buffers unless the whole rest fits in one frame: the
 * header and scalars of a large message travel in frames of their own and the payload's frames
 * start at its first byte, so with the default sizes each payload frame decrypts straight into the
 * receiver's segment or array, with no copy.
 */
final class FrameCipher {
  /** Plaintext per frame: large enough that the per-frame work is noise, a divisor of segments. */
  static final int FRAME_BYTES = 256 << 10;

  static final int TAG_BYTES = 16;
  static final int LENGTH_BYTES = 4;
  private static final String TRANSFORM = "AES/GCM/NoPadding";

  private FrameCipher() {}

  private static Cipher cipher() {
    try {
      return Cipher.getInstance(TRANSFORM);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(TRANSFORM + " unavailable in this JVM", e);
    }
  }

  private static GCMParameterSpec nonce(long seq) {
    byte[] iv = new byte[12];
    for (int i = 0; i < 8; i++) iv[11 - i] = (byte) (seq >>> (8 * i));
    return new GCMParameterSpec(TAG_BYTES * 8, iv);
  }

  /** The dialer's end: encrypts what {@link #write} is given, frame by frame. */
  static final class Sealer {
    private final Cipher cipher = cipher();
    private final SecretKeySpec key;
    private final ByteBuffer out =
        ByteBuffer.allocateDirect(LENGTH_BYTES + FRAME_BYTES + TAG_BYTES).limit(0);
    private long seq;

    Sealer(byte[] key) {
      this.key = new SecretKeySpec(key, "AES");
    }

    /** Whether an encrypted frame still waits to go out; the hop is not done before it has. */
    boolean pending() {
      return out.hasRemaining();
    }

    /**
     * Encrypts from {@code srcs} (advancing them) and writes to {@code ch} until the socket is full
     * or everything went. Returns the bytes consumed plus the bytes written (progress, for the idle
     * timeout).
     */
    long write(SocketChannel ch, ByteBuffer[] srcs) throws IOException {
      long moved = 0;
      while (true) {
        if (!out.hasRemaining()) {
          int sealed = seal(srcs);
          if (sealed == 0) return moved;
          moved += sealed;
        }
        int w = ch.write(out);
        moved += w;
        if (out.hasRemaining()) return moved;
      }
    }

    private int seal(ByteBuffer[] srcs) {
      long rest = 0;
      int first = -1;
      for (int i = 0; i < srcs.length; i++) {
        if (srcs[i].hasRemaining() && first < 0) first = i;
        rest += srcs[i].remaining();
      }
      if (first < 0) return 0;
      // the whole rest in one frame when it fits (a small message: one frame, one tag), else
      // frames of one buffer each, so that payload frames align with the receiver's segments
      int n = (int) Math.min(rest <= FRAME_BYTES ? rest : srcs[first].remaining(), FRAME_BYTES);
      out.clear();
      out.putInt(n + TAG_BYTES);
      try {
        cipher.init(Cipher.ENCRYPT_MODE, key, nonce(seq++));
        int left = n;
        for (int i = first; left > 0; i++) {
          ByteBuffer s = srcs[i];
          int take = Math.min(left, s.remaining());
          if (take == 0) continue;
          ByteBuffer part = s.duplicate().limit(s.position() + take);
          left -= take;
          if (left > 0) cipher.update(part, out);
          else cipher.doFinal(part, out);
          s.position(s.position() + take);
        }
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-GCM encryption failed", e);
      }
      out.flip();
      return n;
    }
  }

  /** A frame failed its tag: altered or forged data, or an end that lost count. */
  static final class TamperedException extends IOException {
    private static final long serialVersionUID = 1L;

    TamperedException(String message) {
      super(message);
    }
  }

  /** The acceptor's end: reads frames and delivers their verified plaintext. */
  static final class Opener {
    private final Cipher cipher = cipher();
    private final SecretKeySpec key;
    private final ByteBuffer in = ByteBuffer.allocateDirect(LENGTH_BYTES + FRAME_BYTES + TAG_BYTES);

    /** Plaintext of a frame that did not fit the destination, delivered on later reads. */
    private final ByteBuffer plain = ByteBuffer.allocateDirect(FRAME_BYTES).limit(0);

    private long seq;

    Opener(byte[] key) {
      this.key = new SecretKeySpec(key, "AES");
      in.limit(LENGTH_BYTES);
    }

    /** Frames opened so far: the number of the next one. */
    long frames() {
      return seq;
    }

    /**
     * Fills {@code dsts} with verified plaintext as far as the socket allows. Returns the bytes
     * read from the socket plus the bytes delivered (progress, for the idle timeout), or -1 when
     * the peer closed the connection and nothing moved. It reads no further than the current frame,
     * and no frame at all while {@code dsts} are full, so bytes of the sender's next message stay
     * in the socket.
     */
    long read(SocketChannel ch, ByteBuffer[] dsts) throws IOException {
      long moved = 0;
      while (true) {
        if (plain.hasRemaining()) {
          moved += scatter(plain, dsts);
          if (plain.hasRemaining()) return moved;
        }
        ByteBuffer dst = null;
        for (ByteBuffer d : dsts) {
          if (d.hasRemaining()) {
            dst = d;
            break;
          }
        }
        if (dst == null) return moved;
        if (!in.hasRemaining()) {
          if (in.limit() == LENGTH_BYTES) {
            int len = in.getInt(0);
            if (len <= TAG_BYTES || len > FRAME_BYTES + TAG_BYTES) {
              throw new TamperedException(
                  "frame " + seq + " has an impossible length " + len + " (altered in transit)");
            }
            in.limit(LENGTH_BYTES + len);
            continue;
          }
          moved += open(dst, dsts);
          continue;
        }
        int r = ch.read(in);
        if (r < 0) return moved > 0 ? moved : -1;
        if (r == 0) return moved;
        moved += r;
      }
    }

    private int open(ByteBuffer dst, ByteBuffer[] dsts) throws IOException {
      int len = in.limit() - LENGTH_BYTES;
      int n = len - TAG_BYTES;
      ByteBuffer ct = in.duplicate().position(LENGTH_BYTES);
      try {
        cipher.init(Cipher.DECRYPT_MODE, key, nonce(seq));
        if (dst.remaining() >= n) {
          cipher.doFinal(ct, dst);
        } else {
          plain.clear();
          cipher.doFinal(ct, plain);
          plain.flip();
          scatter(plain, dsts);
        }
      } catch (AEADBadTagException e) {
        throw new TamperedException(
            "frame "
                + seq
                + " failed its authentication tag (altered in transit, or not sent by"
                + " the holder of this connection's key)");
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-GCM decryption failed", e);
      }
      seq++;
      in.clear().limit(LENGTH_BYTES);
      return n;
    }

    private static int scatter(ByteBuffer src, ByteBuffer[] dsts) {
      int moved = 0;
      for (ByteBuffer d : dsts) {
        if (!src.hasRemaining()) break;
        int take = Math.min(d.remaining(), src.remaining());
        if (take == 0) continue;
        ByteBuffer part = src.duplicate().limit(src.position() + take);
        d.put(part);
        src.position(src.position() + take);
        moved += take;
      }
      return moved;
    }
  }
}
