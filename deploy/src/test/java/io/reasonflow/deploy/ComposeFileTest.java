package io.reasonflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-compose.yml is valid for Debian's docker-compose 1.29 ({@code docker-compose config} needs no
 * Docker engine) and wires the services as docs/deploy.md describes.
 */
class ComposeFileTest {
    private static final String INSTALL = "install it with 'apt-get install docker-compose'";

    /** Port of each ReasonFlow compose service, whose name is also the image argument that starts it. */
    private static final Map<String, Integer> SERVICE_PORTS = Map.of("rollout", 8081, "reward", 8082, "trainer", 8083,
            "distill", 8084);

    @Test
    void composeFileIsValid() throws Exception {
        Path compose = ExternalTool.require("docker-compose", INSTALL);

        ExternalTool.runOk(Repository.root(), compose.toString(), "config", "-q");
    }

    @Test
    void misspeltKeyIsRejected(@TempDir Path work) throws Exception {
        Path compose = ExternalTool.require("docker-compose", INSTALL);
        Files.writeString(work.resolve("docker-compose.yml"), """
                services:
                  kafka:
                    image: apache/kafka:4.1.1
                    healthchek:
                      test: ["CMD", "true"]
                """);

        ExternalTool.Result result = ExternalTool.run(work, List.of(compose.toString(), "config", "-q"));

        assertThat(result.status()).as("docker-compose config on a file with 'healthchek'").isNotZero();
        assertThat(result.output()).contains("healthchek");
    }

    @Test
    void servicesHaveHealthChecksAndStartInOrder() throws Exception {
        Path compose = ExternalTool.require("docker-compose", INSTALL);
        JsonNode services = new YAMLMapper().readTree(
                ExternalTool.runOk(Repository.root(), compose.toString(), "config")).get("services");

        for (Map.Entry<String, Integer> entry : SERVICE_PORTS.entrySet()) {
            JsonNode service = services.get(entry.getKey());
            assertThat(service).as("compose service %s", entry.getKey()).isNotNull();
            assertThat(service.at("/command/0").asText()).as("%s's command", entry.getKey()).isEqualTo(entry.getKey());
            assertThat(service.at("/environment/SERVER_ADDRESS").asText()).isEqualTo("0.0.0.0");
            assertThat(service.at("/environment/KAFKA_BOOTSTRAP_SERVERS").asText()).isEqualTo("kafka:9092");
            assertThat(service.at("/healthcheck/test").toString()).as("%s's health check", entry.getKey())
                    .contains("\"" + entry.getValue() + "\"");
        }
        assertThat(services.at("/topics/depends_on/kafka/condition").asText()).isEqualTo("service_healthy");
        assertThat(services.at("/reward/depends_on/kafka/condition").asText()).isEqualTo("service_healthy");
        assertThat(services.at("/rollout/depends_on/kafka/condition").asText()).isEqualTo("service_healthy");
        assertThat(services.at("/reward/depends_on/topics/condition").asText()).isEqualTo("service_completed_successfully");
        assertThat(services.at("/rollout/depends_on/topics/condition").asText()).isEqualTo("service_completed_successfully");
        assertThat(services.at("/trainer/depends_on/rollout/condition").asText()).isEqualTo("service_healthy");
        assertThat(services.at("/trainer/depends_on/reward/condition").asText()).isEqualTo("service_healthy");
        assertThat(services.at("/distill/depends_on/trainer/condition").asText()).isEqualTo("service_completed_successfully");
        assertThat(services.at("/grafana/depends_on/prometheus/condition").asText()).isEqualTo("service_healthy");
    }

    @Test
    void prometheusScrapesEveryServiceOnItsPort() throws Exception {
        JsonNode config = new YAMLMapper().readTree(Repository.resolve("infra/prometheus/prometheus.yml").toFile());

        for (Map.Entry<String, Integer> entry : SERVICE_PORTS.entrySet()) {
            JsonNode job = null;
            for (JsonNode candidate : config.get("scrape_configs")) {
                if (candidate.get("job_name").asText().equals("reasonflow-" + entry.getKey())) {
                    job = candidate;
                }
            }
            assertThat(job).as("scrape job reasonflow-%s", entry.getKey()).isNotNull();
            assertThat(job.get("metrics_path").asText()).isEqualTo("/actuator/prometheus");
            assertThat(job.at("/dns_sd_configs/0/names/0").asText()).isEqualTo(entry.getKey());
            assertThat(job.at("/dns_sd_configs/0/port").asInt()).isEqualTo(entry.getValue());
        }
    }
}
