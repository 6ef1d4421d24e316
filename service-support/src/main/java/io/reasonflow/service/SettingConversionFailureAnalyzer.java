package io.reasonflow.service;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.convert.ConversionFailedException;
import org.springframework.core.convert.TypeDescriptor;

/**
 * Reports two kinds of invalid settings at start-up with the property, the value and where it was set. A
 * value that cannot be converted to its type (a weight of {@code abc}, a timeout of {@code soon}) is reported
 * with what the type accepts, where Spring Boot's own report names the Java type only. A setting that no
 * property matches (a misspelt name under a prefix that rejects unknown fields) is reported as unknown.
 * Range checks run after conversion, in each service's properties class, and name the allowed range
 * themselves.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
public class SettingConversionFailureAnalyzer extends AbstractFailureAnalyzer<BindException> {
    private static final Set<Class<?>> WHOLE_NUMBERS = Set.of(Integer.class, int.class, Long.class, long.class,
            Short.class, short.class);
    private static final Set<Class<?>> NUMBERS = Set.of(Double.class, double.class, Float.class, float.class,
            BigDecimal.class);

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
        UnboundConfigurationPropertiesException unbound = findCause(cause,
                UnboundConfigurationPropertiesException.class);
        if (unbound != null) {
            return unknown(cause, unbound);
        }
        ConversionFailedException conversion = findCause(cause, ConversionFailedException.class);
        ConfigurationProperty property = cause.getProperty();
        if (conversion == null || property == null) {
            return null;
        }
        String expected = expected(conversion.getTargetType());
        String description = "Invalid value for " + cause.getName() + ": '" + property.getValue() + "' (set in "
                + property.getOrigin() + ") is not " + expected + ".";
        String action = "Set " + cause.getName() + " to " + expected + ", or remove it to use the default.";
        return new FailureAnalysis(description, action, cause);
    }

    /** Reports settings under a properties class's prefix that match none of its properties, usually misspelt. */
    private static FailureAnalysis unknown(BindException cause, UnboundConfigurationPropertiesException unbound) {
        StringBuilder description = new StringBuilder();
        for (ConfigurationProperty property : unbound.getUnboundProperties()) {
            description.append("Unknown setting ").append(property.getName()).append("='").append(property.getValue())
                    .append("' (set in ").append(property.getOrigin()).append("): ").append(cause.getName())
                    .append(" has no such property.\n");
        }
        String action = "Correct the name or remove the setting. Settings under " + cause.getName()
                + " must be known ones, so that a misspelt setting is not silently ignored; the service's properties"
                + " file and its documentation list them.";
        return new FailureAnalysis(description.toString().strip(), action, cause);
    }

    /** Describes the values that convert to {@code target}, in the words of the setting's documentation. */
    static String expected(TypeDescriptor target) {
        Class<?> type = target.getType();
        if (type == Duration.class) {
            DurationUnit unit = target.getAnnotation(DurationUnit.class);
            String bareNumber = unit == null ? "milliseconds" : unit.value().toString().toLowerCase(Locale.ROOT);
            return "a duration such as 500ms, 30s, 5m or 1h, or an ISO-8601 duration such as PT1M (a number "
                    + "without a unit means " + bareNumber + ")";
        }
        if (WHOLE_NUMBERS.contains(type)) {
            return "a whole number";
        }
        if (NUMBERS.contains(type)) {
            return "a number such as 0.5";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants())
                    .map(constant -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
                    .collect(Collectors.joining(", "));
        }
        if (type == URI.class) {
            return "a URI such as http://127.0.0.1:8000/grade";
        }
        if (type == Path.class) {
            return "a file system path";
        }
        return "a value of type " + type.getSimpleName();
    }
}
