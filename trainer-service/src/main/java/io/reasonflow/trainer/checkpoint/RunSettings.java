package io.reasonflow.trainer.checkpoint;

import io.reasonflow.trainer.TrainerProperties;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The settings of a run as flat {@code reasonflow.trainer.*} property names without the prefix (for example
 * {@code grpo.groups-per-step}) and their values as strings that Spring binds back to the same value. A
 * checkpoint stores them, and a resume compares them: every setting that shapes the run must be equal.
 */
public final class RunSettings {
    /** Settings that a resume may change, because they do not change what is trained. */
    public static final Set<String> OPERATIONAL_NAMES = Set.of("output-dir", "auto-start", "group-timeout", "resume-from",
            "checkpoint-every", "checkpoint-keep", "max-record-bytes");

    private RunSettings() {
    }

    /** Returns whether a resume may give setting {@code name} (without the prefix) another value than the run had. */
    public static boolean operational(String name) {
        return OPERATIONAL_NAMES.contains(name);
    }

    /** Flattens {@code properties}, read from its record components, so a new setting is covered without listing it. */
    public static Map<String, String> of(TrainerProperties properties) {
        Map<String, String> flat = new TreeMap<>();
        flatten("", properties, flat);
        if (properties.base().steps() == 0) {
            // Base pretraining that does not run shapes nothing, and checkpoints written before the stage existed
            // have no base settings, so they still resume.
            flat.keySet().removeIf(name -> name.startsWith("base."));
        }
        return flat;
    }

    /**
     * Checks that {@code current} would continue the run that {@code stored} describes.
     *
     * @throws IllegalArgumentException naming the first setting that differs, its two values and what to do
     */
    public static void requireSameRun(Map<String, String> stored, Map<String, String> current, Path checkpoint) {
        Set<String> names = new TreeSet<>(stored.keySet());
        names.addAll(current.keySet());
        for (String name : names) {
            if (operational(name)) {
                continue;
            }
            String before = stored.get(name);
            String now = current.get(name);
            if (before == null ? now != null : !before.equals(now)) {
                throw new IllegalArgumentException("reasonflow.trainer." + name + " is " + now + " but the checkpoint "
                        + checkpoint + " was written by a run with " + before + "; a resume continues that run, so "
                        + "use its settings (or start a new run in another output directory)");
            }
        }
    }

    private static void flatten(String prefix, Object record, Map<String, String> flat) {
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            put(prefix + kebab(component.getName()), read(component, record), flat);
        }
    }

    private static void put(String name, Object value, Map<String, String> flat) {
        if (value == null) {
            return;
        }
        if (value.getClass().isRecord()) {
            flatten(name + ".", value, flat);
        } else if (value instanceof Map<?, ?> entries) {
            entries.forEach((key, entry) -> put(name + "." + key, entry, flat));
        } else if (value instanceof Collection<?> items) {
            flat.put(name, items.stream().map(String::valueOf).collect(Collectors.joining(",")));
        } else if (value instanceof Enum<?> constant) {
            flat.put(name, constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        } else {
            flat.put(name, String.valueOf(value));
        }
    }

    private static Object read(RecordComponent component, Object record) {
        try {
            return component.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read setting " + component.getName(), e);
        }
    }

    /** {@code groupsPerStep} becomes {@code groups-per-step}, the form of the property names. */
    static String kebab(String camel) {
        StringBuilder out = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('-').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
