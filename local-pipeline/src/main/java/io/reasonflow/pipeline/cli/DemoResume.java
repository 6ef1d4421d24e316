package io.reasonflow.pipeline.cli;

import io.reasonflow.trainer.checkpoint.CheckpointManifest;
import io.reasonflow.trainer.checkpoint.CheckpointStore;
import io.reasonflow.trainer.checkpoint.RunSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The settings of {@code reasonflow demo --resume DIR}: those stored in the newest checkpoint in DIR, so the
 * run continues as it started. Options given beside {@code --resume} must agree with them; one that would
 * change the run is rejected with the setting it changes.
 */
final class DemoResume {
    /** Reward settings are stored among the trainer settings with this prefix. */
    static final String REWARD_PREFIX = "pipeline.reward.";

    /**
     * The run to start.
     *
     * @param output          the run's output directory, DIR
     * @param checkpoint      the checkpoint the trainer resumes from
     * @param trainerSettings {@code reasonflow.trainer.*} settings, without the prefix
     * @param rewardSettings  {@code reasonflow.reward.*} settings, without the prefix
     */
    record Plan(Path output, Path checkpoint, Map<String, String> trainerSettings, Map<String, String> rewardSettings) {
    }

    /**
     * The options given on the command line beside {@code --resume}; null (or empty) when not given.
     *
     * @param smoke   whether {@code --smoke} was given
     * @param seed    {@code --seed}, or null
     * @param dataset {@code --dataset}, or null
     * @param trainer {@code --trainer} settings
     * @param reward  {@code --reward} settings
     */
    record Options(boolean smoke, Long seed, Path dataset, Map<String, String> trainer, Map<String, String> reward) {
    }

    private DemoResume() {
    }

    /**
     * @param path    a run's output directory (DIR), or one of its checkpoints
     * @param options the options given beside {@code --resume}
     * @throws IllegalArgumentException when DIR contains no checkpoint, or an option disagrees with the stored run;
     *                                  the message names the option, the setting and both values
     */
    static Plan plan(Path path, Options options) {
        Path checkpoint = CheckpointStore.locate(path);
        Path parent = path.toAbsolutePath().getParent();
        // DIR may name one checkpoint, <run>/checkpoints/step-<N>; the run then continues in <run>.
        Path directory = checkpoint.equals(path) && parent != null && parent.getParent() != null
                && parent.getFileName().toString().equals("checkpoints") ? parent.getParent() : path;
        CheckpointManifest manifest = CheckpointStore.readManifest(checkpoint);
        Map<String, String> stored = manifest.settings();

        if (options.seed() != null && !Long.toString(options.seed()).equals(stored.get("seed"))) {
            throw new IllegalArgumentException("--seed " + options.seed() + " differs from the run in " + directory
                    + ", which used seed " + stored.get("seed") + "; leave --seed out to continue that run");
        }
        if (options.smoke() || options.dataset() != null) {
            long seed = Long.parseLong(stored.get("seed"));
            Map<String, String> implied = DemoSettings.of(options.smoke(), stored.get("run-id"), directory, seed,
                    options.dataset());
            implied.remove("output-dir");
            String option = options.smoke() ? "--smoke" : "--dataset";
            implied.forEach((name, value) -> {
                if (!RunSettings.operational(name) && !sameValue(value, stored.get(name))) {
                    throw new IllegalArgumentException(option + " sets " + name + " to " + value + ", but the run in "
                            + directory + " has " + stored.get(name) + "; leave " + option
                            + " out to continue that run with its own settings");
                }
            });
        }
        for (Map.Entry<String, String> setting : options.trainer().entrySet()) {
            String before = stored.get(setting.getKey());
            if (!RunSettings.operational(setting.getKey()) && !sameValue(setting.getValue(), before)) {
                throw new IllegalArgumentException("--trainer " + setting.getKey() + "=" + setting.getValue()
                        + " differs from the run in " + directory + ", which has " + before + "; a resume may change "
                        + "only " + String.join(", ", new TreeSet<>(RunSettings.OPERATIONAL_NAMES)));
            }
        }
        Map<String, String> rewards = new TreeMap<>();
        stored.forEach((name, value) -> {
            if (name.startsWith(REWARD_PREFIX)) {
                rewards.put(name.substring(REWARD_PREFIX.length()), value);
            }
        });
        for (Map.Entry<String, String> reward : options.reward().entrySet()) {
            if (!Objects.equals(reward.getValue(), rewards.get(reward.getKey()))) {
                throw new IllegalArgumentException("--reward " + reward.getKey() + "=" + reward.getValue()
                        + " differs from the run in " + directory + ", which has " + rewards.get(reward.getKey())
                        + "; leave --reward out to continue that run with its reward settings");
            }
        }

        Map<String, String> settings = new LinkedHashMap<>(stored);
        // The demo drives the run itself, also when a standalone trainer ran the interrupted attempt.
        settings.remove("auto-start");
        settings.putAll(options.trainer());
        settings.put("output-dir", directory.toAbsolutePath().toString());
        settings.put("resume-from", checkpoint.toAbsolutePath().toString());
        return new Plan(directory, checkpoint, settings, rewards);
    }

    /** Equal strings, or numbers that parse to the same value ({@code 0.04} and {@code 4.0E-2}). */
    private static boolean sameValue(String given, String stored) {
        if (given.equals(stored)) {
            return true;
        }
        try {
            return stored != null && Double.parseDouble(given) == Double.parseDouble(stored);
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
