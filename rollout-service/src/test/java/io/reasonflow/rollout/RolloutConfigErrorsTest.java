package io.reasonflow.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Invalid settings stop the rollout service at start-up, before it connects to Kafka, and the start-up failure
 * report names the property, the value and what is allowed.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RolloutConfigErrorsTest {

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            reasonflow.rollout.max-batch-sequences | 0    | is 0   | expected >= 1
            reasonflow.rollout.max-batch-sequences | many | 'many' | is not a whole number
            reasonflow.rollout.policy-wait-timeout | soon | 'soon' | a duration such as 500ms, 30s, 5m
            reasonflow.rollout.policy-wait-timeout | -5s  | PT-5S  | expected a positive duration
            reasonflow.rollout.max-batch-sequencs  | 8    | '8'    | has no such property
            """)
    void invalidSettingIsReported(String property, String value, String shownValue, String allowed,
            CapturedOutput output) {
        // Port 1 on loopback: nothing listens there, so a start that got past the settings would fail later.
        assertThatThrownBy(() -> RolloutApplication.builder().registerShutdownHook(false).run(
                "--spring.kafka.bootstrap-servers=127.0.0.1:1", "--server.port=0", "--" + property + "=" + value)
                .close()).isInstanceOf(RuntimeException.class);

        String report = output.getOut().substring(output.getOut().lastIndexOf("APPLICATION FAILED TO START"));
        assertThat(report).contains(property);
        assertThat(report).contains(shownValue);
        assertThat(report).contains(allowed);
    }
}
