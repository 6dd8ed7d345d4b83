package org.optimbench.prep.common;

import java.io.Serializable;

/**
 * What a task learned about one input file while streaming it: size, lines, sha256 of its bytes.
 */
public record FileMeta(String path, long bytes, long lines, String sha256)
    implements Serializable {}
