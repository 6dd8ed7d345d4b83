package org.optimbench.prep.text;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Arrays;
import java.util.Map;

/**
 * Byte-level BPE through jtokkit, whose jar carries the ranks: {@code r50k_base} is GPT-2's 50,257
 * tokens with {@code <|endoftext|>} = 50256. Text is encoded as ordinary text (a literal
 * "<|endoftext|>" in a document is not turned into the special token); the end-of-document token is
 * appended explicitly.
 */
public final class Tokenizer {
  private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

  /** {@code <|endoftext|>} of each encoding jtokkit ships. */
  static final Map<String, Integer> END_OF_TEXT =
      Map.of(
          "r50k_base",
          50256,
          "p50k_base",
          50256,
          "p50k_edit",
          50256,
          "cl100k_base",
          100257,
          "o200k_base",
          199999);

  private final Encoding encoding;
  private final int endOfDocument;

  public Tokenizer(String encodingName, Integer endOfDocument) {
    EncodingType type =
        EncodingType.fromName(encodingName)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "unknown encoding '"
                            + encodingName
                            + "'; jtokkit has "
                            + END_OF_TEXT.keySet()));
    this.encoding = REGISTRY.getEncoding(type);
    this.endOfDocument = endOfDocument != null ? endOfDocument : END_OF_TEXT.get(encodingName);
  }

  public int endOfDocument() {
    return endOfDocument;
  }

  /** The document's tokens followed by the end-of-document token. */
  public int[] encodeDocument(String text) {
    int[] t = encoding.encodeOrdinary(text).toArray();
    int[] out = Arrays.copyOf(t, t.length + 1);
    out[t.length] = endOfDocument;
    return out;
  }

  public String decode(int[] tokens) {
    com.knuddels.jtokkit.api.IntArrayList l =
        new com.knuddels.jtokkit.api.IntArrayList(tokens.length);
    for (int t : tokens) {
      l.add(t);
    }
    return encoding.decode(l);
  }
}
