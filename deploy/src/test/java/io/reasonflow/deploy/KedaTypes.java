package io.reasonflow.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.util.FileSystemUtils;

/**
 * Checks KEDA ScaledObjects against KEDA's resource types as the npm package
 * {@code @kubernetes-models/keda} publishes them, generated from KEDA's Go API types. No Java model of
 * KEDA exists, so each resource becomes a TypeScript constant of type {@code IScaledObject}, and the
 * TypeScript compiler's excess-property check rejects unknown fields (its type check rejects values of
 * the wrong type, such as a number where KEDA expects a string).
 *
 * <p>Needs {@code node} on the PATH and {@code npm ci --prefix deploy} run in the repository.
 */
final class KedaTypes {
    private static final String TYPES_IMPORT =
            "import type { IScaledObject } from \"@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject\";\n";

    private KedaTypes() {
    }

    /** Skips the test (fails it under CI) unless node and the npm packages of the deploy module are there. */
    static void requireTools() {
        Path modules = Repository.module().resolve("node_modules");
        if (ExternalTool.onPath("node").isEmpty()) {
            ExternalTool.missing("node is not on the PATH; install Node.js 18 or newer");
        } else if (!Files.isRegularFile(modules.resolve("typescript/bin/tsc"))
                || !Files.isDirectory(modules.resolve("@kubernetes-models/keda"))) {
            ExternalTool.missing("typescript and @kubernetes-models/keda are not installed in " + modules
                    + "; run 'npm ci --prefix deploy' in the repository");
        }
    }

    /**
     * Returns the compiler's complaints about the ScaledObjects, empty when they all match KEDA's types.
     *
     * @param label names the directory under deploy/target that receives the generated sources
     */
    static List<String> check(List<JsonNode> scaledObjects, String label) throws IOException, InterruptedException {
        // Inside the module, so that the compiler finds deploy/node_modules by walking up.
        Path work = Repository.module().resolve("target/keda-check/" + label);
        FileSystemUtils.deleteRecursively(work);
        Files.createDirectories(work);
        ObjectMapper json = new ObjectMapper();
        List<String> files = new ArrayList<>();
        for (JsonNode resource : scaledObjects) {
            String file = resource.path("metadata").path("name").asText("unnamed") + ".ts";
            Files.writeString(work.resolve(file), "// " + ManifestSchemas.describe(resource) + "\n" + TYPES_IMPORT
                    + "export const resource: IScaledObject = "
                    + json.writerWithDefaultPrettyPrinter().writeValueAsString(resource) + ";\n");
            files.add(file);
        }
        Map<String, Object> options = Map.of("strict", true, "noEmit", true, "skipLibCheck", true, "types", List.of(),
                "target", "es2022", "module", "esnext", "moduleResolution", "bundler");
        json.writeValue(work.resolve("tsconfig.json").toFile(), Map.of("compilerOptions", options, "files", files));

        Path tsc = Repository.module().resolve("node_modules/typescript/bin/tsc");
        ExternalTool.Result result = ExternalTool.run(work, List.of("node", tsc.toString(), "-p", "tsconfig.json"));
        if (result.status() == 0) {
            return List.of();
        }
        return result.output().lines().filter(line -> !line.isBlank())
                .map(line -> label + "/" + line).toList();
    }
}
