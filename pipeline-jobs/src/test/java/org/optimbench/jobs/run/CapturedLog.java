package org.optimbench.jobs.run;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * The events one logger emits while it is open, as {@code LEVEL message}: slf4j goes to Log4j 2 on
 * this classpath (Spark's binding), so an appender on the Log4j logger sees them.
 */
final class CapturedLog implements AutoCloseable {
  private final Logger logger;
  private final Level before;
  private final AbstractAppender appender;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  CapturedLog(Class<?> of) {
    logger = (Logger) LogManager.getLogger(of);
    before = logger.getLevel();
    appender =
        new AbstractAppender(
            "captured-" + of.getSimpleName(), null, null, true, Property.EMPTY_ARRAY) {
          @Override
          public void append(LogEvent e) {
            lines.add(e.getLevel() + " " + e.getMessage().getFormattedMessage());
          }
        };
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(Level.INFO);
  }

  List<String> lines() {
    return List.copyOf(lines);
  }

  @Override
  public void close() {
    logger.removeAppender(appender);
    logger.setLevel(before);
    appender.stop();
  }
}
