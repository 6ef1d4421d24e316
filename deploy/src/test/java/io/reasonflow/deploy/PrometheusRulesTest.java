package io.reasonflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * promtool accepts infra/prometheus: the scrape configuration, the alert rules and their unit tests,
 * and the PromQL of every dashboard panel.
 */
class PrometheusRulesTest {
    private static final String INSTALL = "install it with 'apt-get install prometheus' (Debian's package has promtool)";

    @Test
    void configIsValid() throws Exception {
        Path promtool = ExternalTool.require("promtool", INSTALL);

        String output = ExternalTool.runOk(Repository.resolve("infra/prometheus"), promtool.toString(),
                "check", "config", "prometheus.yml");

        assertThat(output).contains("SUCCESS: 1 rule files found");
    }

    @Test
    void rulesAreValid() throws Exception {
        Path promtool = ExternalTool.require("promtool", INSTALL);

        ExternalTool.runOk(Repository.resolve("infra/prometheus"), promtool.toString(),
                "check", "rules", "reasonflow-rules.yml");
    }

    @Test
    void ruleUnitTestsPass() throws Exception {
        Path promtool = ExternalTool.require("promtool", INSTALL);

        ExternalTool.runOk(Repository.resolve("infra/prometheus"), promtool.toString(),
                "test", "rules", "tests/reasonflow-rules.test.yml");
    }

    @Test
    void invalidExpressionIsRejected(@TempDir Path work) throws Exception {
        Path promtool = ExternalTool.require("promtool", INSTALL);
        Path rules = work.resolve("bad-rules.yml");
        Files.writeString(rules, """
                groups:
                  - name: bad
                    rules:
                      - alert: Unbalanced
                        expr: sum(rate(reasonflow_reward_groups_scored_total[5m])
                """);

        ExternalTool.Result result = ExternalTool.run(work, List.of(promtool.toString(), "check", "rules", rules.toString()));

        assertThat(result.status()).as("promtool check rules on an unbalanced expression").isNotZero();
    }

    /** Writes every dashboard query as a recording rule, so that promtool parses it. */
    @Test
    void dashboardQueriesParse(@TempDir Path work) throws Exception {
        Path promtool = ExternalTool.require("promtool", INSTALL);
        List<MetricReferences.Query> queries = MetricReferences.dashboardQueries(Repository.resolve("infra/grafana/dashboards"));
        assertThat(queries).hasSizeGreaterThan(20);

        List<Map<String, String>> rules = new java.util.ArrayList<>();
        for (int i = 0; i < queries.size(); i++) {
            // $__rate_interval is a Grafana variable, so a fixed range replaces it for parsing.
            rules.add(Map.of("record", "dashboard_query_" + i,
                    "expr", queries.get(i).expr().replace("$__rate_interval", "5m")));
        }
        Path file = work.resolve("dashboard-queries.yml");
        new ObjectMapper().writeValue(file.toFile(), Map.of("groups", List.of(Map.of("name", "dashboards", "rules", rules))));

        ExternalTool.Result result = ExternalTool.run(work, List.of(promtool.toString(), "check", "rules", file.toString()));

        assertThat(result.status()).as("promtool on the dashboards' queries %s:\n%s", queries, result.output()).isZero();
    }
}
