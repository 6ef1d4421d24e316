package io.reasonflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The container image's start script and health check (deploy/docker), run with bash on this machine. */
class ImageScriptsTest {
    private static final Path START = Repository.resolve("deploy/docker/reasonflow-service");
    private static final Path HEALTH_CHECK = Repository.resolve("deploy/docker/healthcheck");

    @Test
    void mainClassesOfTheStartScriptExist() throws Exception {
        Matcher main = Pattern.compile("main=(\\S+)").matcher(Files.readString(START));
        List<String> classes = new ArrayList<>();
        while (main.find()) {
            classes.add(main.group(1));
        }

        assertThat(classes).hasSize(4);
        for (String name : classes) {
            assertThat(Class.forName(name).getMethod("main", String[].class)).as("main method of %s", name).isNotNull();
        }
    }

    @Test
    void unknownServiceIsRejected() throws Exception {
        ExternalTool.Result result = ExternalTool.run(Repository.root(), List.of("bash", START.toString(), "distil"));

        assertThat(result.status()).isEqualTo(2);
        assertThat(result.output()).contains("unknown service 'distil'").contains("rollout, reward, trainer or distill");
    }

    @Test
    void trainerResumesOnlyFromAnExistingCheckpoint(@TempDir Path work) throws Exception {
        Path output = work.resolve("trainer");
        Files.createDirectories(output);

        Map<String, String> environment = Map.of("TRAINER_OUTPUT_DIR", output.toString());

        String fresh = startWithFakeJava(work, "trainer", environment);
        Files.createDirectories(output.resolve("checkpoints/step-2"));
        String restarted = startWithFakeJava(work, "trainer", environment);

        assertThat(fresh).contains("io.reasonflow.trainer.TrainerApplication")
                .contains("--reasonflow.trainer.output-dir=" + output).contains("--spring.main.banner-mode=off")
                .doesNotContain("resume-from");
        assertThat(restarted).contains("--reasonflow.trainer.resume-from=" + output);
    }

    @Test
    void distillWritesToItsOutputDirectory(@TempDir Path work) throws Exception {
        Path output = work.resolve("distill");

        String started = startWithFakeJava(work, "distill", Map.of("DISTILL_OUTPUT_DIR", output.toString()));

        assertThat(started).contains("io.reasonflow.distill.DistillApplication")
                .contains("--reasonflow.distill.output-dir=" + output);
    }

    @Test
    void healthCheckPassesOnlyOnStatus200() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/up", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.createContext("/down", exchange -> {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        server.start();
        try {
            String port = Integer.toString(server.getAddress().getPort());

            ExternalTool.Result up = ExternalTool.run(Repository.root(), List.of("bash", HEALTH_CHECK.toString(), port, "/up"));
            ExternalTool.Result down = ExternalTool.run(Repository.root(), List.of("bash", HEALTH_CHECK.toString(), port, "/down"));

            assertThat(up.status()).as(up.describe()).isZero();
            assertThat(down.status()).isEqualTo(1);
            assertThat(down.output()).contains("503");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void healthCheckFailsWhenNothingListens() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }

        ExternalTool.Result result = ExternalTool.run(Repository.root(),
                List.of("bash", HEALTH_CHECK.toString(), Integer.toString(port)));

        assertThat(result.status()).isEqualTo(1);
        assertThat(result.output()).contains("nothing listens on 127.0.0.1:" + port);
    }

    /** Runs the start script for a service with a "java" that only prints its arguments. */
    private static String startWithFakeJava(Path work, String service, Map<String, String> settings) throws Exception {
        Path bin = Files.createDirectories(work.resolve("bin"));
        Path fakeJava = bin.resolve("java");
        Files.writeString(fakeJava, "#!/bin/bash\necho \"java $*\"\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder builder = new ProcessBuilder("bash", START.toString(), service, "--spring.main.banner-mode=off")
                .redirectErrorStream(true);
        Map<String, String> environment = builder.environment();
        environment.put("PATH", bin + File.pathSeparator + environment.getOrDefault("PATH", ""));
        environment.putAll(settings);
        environment.put("REASONFLOW_LIB", work.resolve("lib").toString());
        Process process = builder.start();
        String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("start script output: %s", printed).isZero();
        return printed;
    }
}
