package io.reasonflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.pipeline.LocalPipeline;
import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric that a dashboard or an alert rule queries is one the services serve. The pipeline runs
 * on a broker in this JVM, and each service's /actuator/prometheus is scraped after every GRPO step.
 * Every name in infra/grafana and infra/prometheus must appear in those scrapes.
 */
class MetricNamesEndToEndTest {
    /** Series that Prometheus itself adds to every scrape. */
    private static final Set<String> SCRAPE_SERIES = Set.of("up");
    private static final Pattern METRICS_URL = Pattern.compile("http://127\\.0\\.0\\.1:\\d+/actuator/prometheus");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @Timeout(300)
    void dashboardsAndRulesQueryServedMetrics(@TempDir Path output) throws Exception {
        List<MetricReferences.Query> queries = new ArrayList<>(
                MetricReferences.dashboardQueries(Repository.resolve("infra/grafana/dashboards")));
        queries.addAll(MetricReferences.ruleQueries(Repository.resolve("infra/prometheus")));
        Map<String, List<String>> referenced = new TreeMap<>();
        for (MetricReferences.Query query : queries) {
            for (String name : MetricReferences.metricNames(query.expr())) {
                referenced.computeIfAbsent(name, n -> new ArrayList<>()).add(query.source());
            }
        }
        assertThat(referenced).as("metric names found in the dashboards and rules").hasSizeGreaterThan(30);

        Scrapes scrapes = new Scrapes();
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            TopicSetup.ensureTopics(broker.bootstrapServers(), Duration.ofSeconds(20));
            LocalPipeline.run(broker.bootstrapServers(), shortRun(output), Map.of(), scrapes::onProgress);
        }

        assertThat(scrapes.afterStep).as("scrapes taken after a GRPO step").isPositive();
        assertThat(scrapes.urls).as("metrics addresses printed by the pipeline").hasSize(3);
        Map<String, List<String>> missing = new LinkedHashMap<>();
        referenced.forEach((name, sources) -> {
            if (!scrapes.names.contains(name) && !SCRAPE_SERIES.contains(name)) {
                missing.put(name, sources);
            }
        });
        assertThat(missing).as("metrics queried by dashboards or rules but not served by any service").isEmpty();
    }

    /** Returns trainer settings for every stage with the fewest steps that still publish the step gauges. */
    private static Map<String, String> shortRun(Path output) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("run-id", "metric-names");
        settings.put("output-dir", output.toAbsolutePath().toString());
        settings.put("seed", "7");
        settings.put("group-timeout", "2m");
        settings.put("task.name", "arithmetic");
        settings.put("task.digits", "2");
        settings.put("task.train-examples", "100");
        settings.put("task.eval-examples", "4");
        settings.put("model.hidden-size", "64");
        settings.put("model.layers", "2");
        settings.put("model.heads", "4");
        settings.put("model.kv-heads", "2");
        settings.put("model.intermediate-size", "172");
        settings.put("sft.steps", "5");
        settings.put("sft.batch-size", "8");
        settings.put("grpo.steps", "2");
        settings.put("grpo.groups-per-step", "2");
        settings.put("grpo.group-size", "4");
        settings.put("grpo.max-new-tokens", "32");
        settings.put("checkpoint-every", "0");
        settings.put("eval.samples", "1");
        settings.put("eval.max-new-tokens", "32");
        return settings;
    }

    /** Collects the sample names of every scrape, taken on the training thread while the services run. */
    private static final class Scrapes {
        final List<String> urls = new ArrayList<>();
        final Set<String> names = new TreeSet<>();
        int afterStep;

        void onProgress(String line) {
            if (line.startsWith("Metrics:")) {
                Matcher url = METRICS_URL.matcher(line);
                while (url.find()) {
                    urls.add(url.group());
                }
            } else if (line.startsWith("grpo step")) {
                urls.forEach(url -> names.addAll(sampleNames(scrape(url))));
                afterStep++;
            }
        }

        private static String scrape(String url) {
            try {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as("status of %s", url).isEqualTo(200);
                return response.body();
            } catch (IOException e) {
                throw new UncheckedIOException("scraping " + url + " failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while scraping " + url, e);
            }
        }

        /** Names of the samples in a Prometheus text exposition, such as {@code x_total} and {@code y_bucket}. */
        private static Set<String> sampleNames(String exposition) {
            Set<String> samples = new TreeSet<>();
            for (String line : exposition.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int end = 0;
                while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                    end++;
                }
                samples.add(line.substring(0, end));
            }
            return samples;
        }
    }
}
