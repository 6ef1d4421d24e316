package io.reasonflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The dashboards in infra/grafana load in any Grafana with a Prometheus data source. */
class GrafanaDashboardsTest {
    private static final Path DASHBOARDS = Repository.resolve("infra/grafana/dashboards");

    @Test
    void everyDashboardIsThere() throws Exception {
        Set<String> uids = new HashSet<>();
        for (JsonNode dashboard : dashboards()) {
            uids.add(dashboard.get("uid").asText());
        }

        assertThat(uids).containsExactlyInAnyOrder("reasonflow-pipeline", "reasonflow-training", "reasonflow-rollout",
                "reasonflow-reward");
    }

    @Test
    void panelsQueryTheSelectedDataSource() throws Exception {
        for (JsonNode dashboard : dashboards()) {
            String title = dashboard.get("title").asText();
            JsonNode variable = dashboard.at("/templating/list/0");
            assertThat(variable.get("name").asText()).as("first variable of %s", title).isEqualTo("datasource");
            assertThat(variable.get("query").asText()).isEqualTo("prometheus");
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : dashboard.get("panels")) {
                assertThat(ids.add(panel.get("id").asInt())).as("panel id %s of %s is unique", panel.get("id"), title).isTrue();
                if (panel.get("type").asText().equals("row")) {
                    continue;
                }
                assertThat(panel.at("/datasource/uid").asText()).as("data source of '%s' in %s", panel.get("title"), title)
                        .isEqualTo("${datasource}");
                assertThat(panel.get("targets")).as("queries of '%s' in %s", panel.get("title"), title).isNotEmpty();
                assertThat(panel.path("description").asText()).as("description of '%s'", panel.get("title")).isNotBlank();
            }
        }
    }

    @Test
    void provisioningPointsAtTheDashboards() throws Exception {
        JsonNode provider = new YAMLMapper().readTree(
                Repository.resolve("infra/grafana/provisioning/dashboards/reasonflow.yml").toFile()).at("/providers/0");
        JsonNode datasource = new YAMLMapper().readTree(
                Repository.resolve("infra/grafana/provisioning/datasources/prometheus.yml").toFile()).at("/datasources/0");
        String compose = Files.readString(Repository.resolve("docker-compose.yml"));

        assertThat(compose).contains("./infra/grafana/dashboards:" + provider.at("/options/path").asText() + ":ro");
        assertThat(compose).contains("./infra/grafana/provisioning:/etc/grafana/provisioning:ro");
        assertThat(datasource.get("type").asText()).isEqualTo("prometheus");
        assertThat(datasource.get("url").asText()).isEqualTo("http://prometheus:9090");
    }

    private static List<JsonNode> dashboards() throws Exception {
        try (Stream<Path> files = Files.list(DASHBOARDS)) {
            List<Path> paths = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            List<JsonNode> dashboards = new java.util.ArrayList<>();
            for (Path path : paths) {
                dashboards.add(new ObjectMapper().readTree(path.toFile()));
            }
            return dashboards;
        }
    }
}
