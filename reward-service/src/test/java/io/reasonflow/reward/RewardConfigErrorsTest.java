package io.reasonflow.reward;

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
 * Invalid settings stop the reward service at start-up, before it connects to Kafka, and the start-up
 * failure report names the property, the value and what is allowed.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RewardConfigErrorsTest {

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            reasonflow.reward.weights.accuracy      | -1   | is -1.0         | expected a finite number >= 0
            reasonflow.reward.weights.accuracy      | abc  | 'abc'           | is not a number such as 0.5
            reasonflow.reward.weights.judge         | 1    | grader 'judge'  | built-in graders are [accuracy, format
            reasonflow.reward.merge-timeout         | soon | 'soon'          | a number without a unit means seconds
            reasonflow.reward.max-record-bytes      | 0    | is 0            | expected a positive number of bytes
            reasonflow.reward.graders.language      | xx   | 'xx'            | expected one of en, zh, ja, ko, ru
            reasonflow.reward.graders.overlong-unit | bits | 'bits'          | expected tokens or characters
            reasonflow.reward.weigths.accuracy      | 1    | '1'             | has no such property
            """)
    void invalidSettingIsReported(String property, String value, String shownValue, String allowed,
            CapturedOutput output) {
        // Port 1 on loopback: nothing listens there, so a start that got past the settings would fail later.
        assertThatThrownBy(() -> RewardApplication.builder().registerShutdownHook(false).run(
                "--spring.kafka.bootstrap-servers=127.0.0.1:1", "--server.port=0", "--" + property + "=" + value)
                .close()).isInstanceOf(RuntimeException.class);

        String report = output.getOut().substring(output.getOut().lastIndexOf("APPLICATION FAILED TO START"));
        assertThat(report).contains(property);
        assertThat(report).contains(shownValue);
        assertThat(report).contains(allowed);
    }
}
