package io.reasonflow.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths inside the repository that the checks read. */
final class Repository {
    private Repository() {
    }

    /** Returns the repository root: the build property {@code reasonflow.root}, or the module's parent directory. */
    static Path root() {
        String configured = System.getProperty("reasonflow.root");
        Path root = configured == null || configured.isBlank() ? Path.of("..") : Path.of(configured);
        root = root.toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("docker-compose.yml"))) {
            throw new IllegalStateException(root + " has no docker-compose.yml; run the tests from the repository "
                    + "with ./mvnw, or set -Dreasonflow.root=<repository root>");
        }
        return root;
    }

    static Path resolve(String relative) {
        return root().resolve(relative);
    }

    /** Returns the deploy module's directory, which contains package.json and node_modules. */
    static Path module() {
        return resolve("deploy");
    }
}
