package org.optimbench.prep.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.optimbench.prep.common.RowFormatException;

class TextCoreTest {
  static List<String> docs(DocumentFormat f, String... lines) throws RowFormatException {
    DocumentAssembler a = new DocumentAssembler(f);
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      String d = a.accept(l);
      if (d != null) {
        out.add(d);
      }
    }
    String last = a.finish();
    if (last != null) {
      out.add(last);
    }
    return out;
  }

  @Test
  void eachFormatYieldsItsDocuments() throws RowFormatException {
    assertEquals(List.of("Title\n\nText."), docs(DocumentFormat.book, "Title", "", "Text."));
    assertEquals(List.of("one", "two"), docs(DocumentFormat.lines, "one", "", "two"));
    assertEquals(List.of("a\nb", "c"), docs(DocumentFormat.blankline, "a", "b", "", "", "c"));
    assertEquals(
        List.of("Anarchism\nAnarchism is ...", "Autism\nAutism is ..."),
        docs(
            DocumentFormat.wikiextractor,
            "<doc id=\"12\" url=\"?curid=12\" title=\"Anarchism\">",
            "Anarchism",
            "Anarchism is ...",
            "</doc>",
            "<doc id=\"25\" title=\"Autism\">",
            "Autism",
            "Autism is ...",
            "</doc>"));
    assertEquals(List.of("x"), docs(DocumentFormat.auto, "", "<doc id=\"1\">", "x", "</doc>"));
    assertEquals(List.of("plain\ntext"), docs(DocumentFormat.auto, "plain", "text"));
    assertEquals(List.of(), docs(DocumentFormat.book, "  ", ""));
  }

  @Test
  void malformedWikiExtractorBlocksAreReported() {
    assertEquals(
        "text outside a <doc> block",
        assertThrows(RowFormatException.class, () -> docs(DocumentFormat.wikiextractor, "stray"))
            .getMessage());
    assertEquals(
        "<doc> opened before the previous </doc>",
        assertThrows(
                RowFormatException.class,
                () -> docs(DocumentFormat.wikiextractor, "<doc id=\"1\">", "<doc id=\"2\">"))
            .getMessage());
    assertEquals(
        "</doc> without <doc>",
        assertThrows(RowFormatException.class, () -> docs(DocumentFormat.wikiextractor, "</doc>"))
            .getMessage());
  }

  @Test
  void packerCutsConsecutiveBlocksAcrossDocuments() {
    TokenPacker p = new TokenPacker(4);
    assertEquals(0, p.add(new int[] {1, 2, 3}).size());
    List<int[]> blocks = p.add(new int[] {4, 5, 6, 7, 8, 9, 10});
    assertEquals(2, blocks.size());
    assertArrayEquals(new int[] {1, 2, 3, 4}, blocks.get(0));
    assertArrayEquals(new int[] {5, 6, 7, 8}, blocks.get(1));
    assertArrayEquals(new int[] {9, 10}, p.remainder());
  }

  @Test
  void gpt2EncodingMatchesKnownIdsAndAppendsEndOfText() {
    Tokenizer t = new Tokenizer("r50k_base", null);
    // GPT-2: "Hello" = 15496, " world" = 995, <|endoftext|> = 50256
    assertArrayEquals(new int[] {15496, 995, 50256}, t.encodeDocument("Hello world"));
    assertEquals("Hello world", t.decode(new int[] {15496, 995}));
    assertArrayEquals(
        new int[] {27, 91, 437, 1659, 5239, 91, 29, 50256},
        t.encodeDocument("<|endoftext|>"),
        "a literal special token in the text is ordinary text");
    assertThrows(IllegalArgumentException.class, () -> new Tokenizer("gpt9", null));
  }

  @Test
  void tailsOfFilesArePackedInFileOrder() {
    List<TextBlock> tails =
        List.of(
            new TextBlock(0, new int[] {7, 8, 9}, "train", true, 1),
            new TextBlock(0, new int[] {1, 2}, "train", true, 0));
    List<TextBlock> out = TextJob.packTails("train", tails, 4);
    assertEquals(1, out.size());
    assertArrayEquals(new int[] {1, 2, 7, 8}, out.get(0).getTokens());
  }
}
