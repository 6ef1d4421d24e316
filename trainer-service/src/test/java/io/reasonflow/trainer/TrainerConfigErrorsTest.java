package io.reasonflow.trainer;

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
 * Invalid settings stop the trainer at start-up, before it connects to Kafka, and the start-up failure report
 * names the property, the value and what is allowed.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TrainerConfigErrorsTest {

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            reasonflow.trainer.grpo.temperature    | -1    | is -1.0   | expected > 0
            reasonflow.trainer.grpo.temperature    | warm  | 'warm'    | is not a number such as 0.5
            reasonflow.trainer.group-timeout       | soon  | 'soon'    | a duration such as 500ms, 30s, 5m
            reasonflow.trainer.eval.top-p          | 2     | is 2.0    | expected a value in (0, 1]
            reasonflow.trainer.task.name           | chess | is chess  | expected arithmetic, gsm8k
            reasonflow.trainer.max-record-bytes    | 0     | is 0      | expected a positive number of bytes
            reasonflow.trainer.sft.examples        | -5    | is -5     | expected >= 0
            reasonflow.trainer.sft.short-trace-fraction | 1.5 | is 1.5 | expected a value in [0, 1]
            reasonflow.trainer.grpo.temprature     | 1.0   | '1.0'     | has no such property
            """)
    void invalidSettingIsReported(String property, String value, String shownValue, String allowed,
            CapturedOutput output) {
        // Port 1 on loopback: nothing listens there, so a start that got past the settings would fail later.
        assertThatThrownBy(() -> TrainerApplication.builder().registerShutdownHook(false).run(
                "--spring.kafka.bootstrap-servers=127.0.0.1:1", "--server.port=0", "--" + property + "=" + value)
                .close()).isInstanceOf(RuntimeException.class);

        String report = output.getOut().substring(output.getOut().lastIndexOf("APPLICATION FAILED TO START"));
        assertThat(report).contains(property);
        assertThat(report).contains(shownValue);
        assertThat(report).contains(allowed);
    }
}
