package org.optimbench.prep.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Turns a YAML conf file plus command-line options into a job's config record. Keys are the long
 * option names without dashes ({@code max-bad-rows: 10} in YAML is {@code --max-bad-rows 10}); an
 * option given on the command line wins over the file; defaults live in the record's compact
 * constructor, so there is one place for each default. Unknown keys are errors.
 */
public final class Configs {
  private static final Set<String> NOT_CONFIG = Set.of("conf", "master", "help", "version");
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final ObjectMapper JSON =
      new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE);

  private Configs() {}

  public static <C> C resolve(Class<C> type, Path confFile, CommandSpec spec) throws IOException {
    ObjectNode node;
    if (confFile == null) {
      node = YAML.createObjectNode();
    } else {
      JsonNode read = YAML.readTree(Files.readString(confFile));
      if (read == null || read.isMissingNode() || read.isNull()) {
        node = YAML.createObjectNode();
      } else if (read instanceof ObjectNode o) {
        node = o;
      } else {
        throw new IllegalArgumentException("conf file " + confFile + " must hold a YAML mapping");
      }
    }
    if (spec != null) {
      for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
        String key = o.longestName().replaceFirst("^-+", "");
        if (!NOT_CONFIG.contains(key)) {
          node.set(key, YAML.valueToTree(o.getValue()));
        }
      }
    }
    return fromTree(type, node, confFile == null ? "options" : confFile.toString());
  }

  public static <C> C fromYaml(Class<C> type, String yaml) throws IOException {
    JsonNode n = YAML.readTree(yaml);
    return fromTree(type, n == null || n.isNull() ? YAML.createObjectNode() : n, "yaml");
  }

  private static <C> C fromTree(Class<C> type, JsonNode node, String where) {
    try {
      return YAML.treeToValue(node, type);
    } catch (UnrecognizedPropertyException e) {
      throw new IllegalArgumentException(where + ": unknown key '" + e.getPropertyName() + "'");
    } catch (JsonProcessingException e) {
      Throwable c = e.getCause();
      if (c instanceof IllegalArgumentException) {
        throw (IllegalArgumentException) c;
      }
      throw new IllegalArgumentException(where + ": " + e.getOriginalMessage());
    }
  }

  /** The config as a JSON tree with the same kebab-case keys, for the manifest. */
  public static JsonNode toTree(Object config) {
    return JSON.valueToTree(config);
  }
}
