/**
 * The text (BookWiki) job: documents from several file formats ({@link
 * org.optimbench.prep.text.DocumentAssembler}), GPT-2 BPE through jtokkit ({@link
 * org.optimbench.prep.text.Tokenizer}), packing into blocks of seq_len + 1 tokens ({@link
 * org.optimbench.prep.text.TokenPacker}) and the Spark job ({@link
 * org.optimbench.prep.text.TextJob}).
 */
package org.optimbench.prep.text;
