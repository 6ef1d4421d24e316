package io.reasonflow.pipeline.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/**
 * Reports the project version from {@code version.properties}, which the Maven build fills in, or else from the
 * jar manifest's {@code Implementation-Version}, or "development" when neither has one.
 */
final class VersionProvider implements CommandLine.IVersionProvider {
    private static final String RESOURCE = "version.properties";

    @Override
    public String[] getVersion() {
        return new String[] {"reasonflow " + version()};
    }

    /** Returns the project version, such as 0.1.0-SNAPSHOT. */
    static String version() {
        try (InputStream in = VersionProvider.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                String version = properties.getProperty("version", "").strip();
                // An unfiltered copy, as an IDE may build it, still contains the Maven placeholder.
                if (!version.isEmpty() && !version.startsWith("@")) {
                    return version;
                }
            }
        } catch (IOException e) {
            // Falls back to the manifest below.
        }
        String manifest = VersionProvider.class.getPackage().getImplementationVersion();
        return manifest == null ? "development" : manifest;
    }
}
