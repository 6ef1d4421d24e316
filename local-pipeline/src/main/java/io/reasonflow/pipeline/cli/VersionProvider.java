package io.reasonflow.pipeline.cli;

import picocli.CommandLine;

/** Reports the version from the jar manifest, or "development" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = ReasonflowCli.class.getPackage().getImplementationVersion();
        return new String[] {"reasonflow " + (version == null ? "development" : version)};
    }
}
