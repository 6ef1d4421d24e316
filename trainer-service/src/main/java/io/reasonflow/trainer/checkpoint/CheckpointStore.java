package io.reasonflow.trainer.checkpoint;

import io.reasonflow.contracts.Messages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.FileSystemUtils;

/**
 * The trainer checkpoints of a run, {@code <output>/checkpoints/step-<N>}. Each is written into a temporary
 * sibling directory, its files and directories are flushed to disk, the manifest goes in last, and one rename
 * makes it visible, so a directory named {@code step-<N>} is always complete. Only the newest {@code keep} are
 * kept. A checkpoint directory holds:
 * <pre>
 * manifest.json          {@link CheckpointManifest}: step, version, settings, size and SHA-256 of every file
 * trainer-state.json     {@link TrainerState}: counters, RNG state, ledger, evaluations, Kafka offsets
 * model/                 the policy in Hugging Face layout (config.json, model.safetensors)
 * reference/             the KL reference policy, same layout
 * optimizer.safetensors  AdamW moments and step count (absent at step 0, before GRPO's optimizer exists)
 * metrics.jsonl, eval.jsonl  the run's lines up to this checkpoint
 * </pre>
 */
public final class CheckpointStore {
    public static final String MANIFEST_FILE = "manifest.json";
    public static final String STATE_FILE = "trainer-state.json";
    public static final String MODEL_DIR = "model";
    public static final String REFERENCE_DIR = "reference";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    private static final Pattern STEP = Pattern.compile("step-(\\d+)");
    private static final Pattern LEFTOVER = Pattern.compile("\\.step-\\d+\\.(tmp|old)");
    private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);

    /** Fills a checkpoint's directory with everything but the manifest. */
    public interface Contents {
        void writeTo(Path directory) throws IOException;
    }

    private final Path root;
    private final int keep;

    /**
     * @param root the run's {@code checkpoints} directory
     * @param keep how many step checkpoints to keep, >= 1
     */
    public CheckpointStore(Path root, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep is " + keep + ", expected >= 1");
        }
        this.root = root;
        this.keep = keep;
    }

    public static String name(int step) {
        return "step-" + step;
    }

    /**
     * Writes checkpoint {@code step-<step>} atomically and durably, replacing one of that name, then removes the
     * oldest beyond {@code keep}.
     *
     * @param manifest the manifest; its file list is filled in here
     * @return the checkpoint's directory
     */
    public Path write(int step, CheckpointManifest manifest, Contents contents) {
        Path target = root.resolve(name(step));
        Path temporary = root.resolve("." + name(step) + ".tmp");
        Path replaced = root.resolve("." + name(step) + ".old");
        try {
            Files.createDirectories(root);
            removeLeftovers();
            Files.createDirectories(temporary);
            contents.writeTo(temporary);
            CheckpointManifest complete = new CheckpointManifest(manifest.format(), manifest.runId(), manifest.step(),
                    manifest.policyVersion(), manifest.createdAt(), manifest.settings(), digests(temporary));
            Files.writeString(temporary.resolve(MANIFEST_FILE),
                    Messages.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(complete),
                    StandardCharsets.UTF_8);
            syncTree(temporary);
            if (Files.exists(target)) {
                Files.move(target, replaced, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(root);
            FileSystemUtils.deleteRecursively(replaced);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        }
        prune();
        return target;
    }

    /** Removes step checkpoints newer than {@code step}: a run resumed from {@code step} replaces their timeline. */
    public List<Path> removeAfter(int step) {
        List<Path> removed = new ArrayList<>();
        for (Map.Entry<Integer, Path> entry : steps(root).entrySet()) {
            if (entry.getKey() > step) {
                deleteQuietly(entry.getValue());
                removed.add(entry.getValue());
            }
        }
        return removed;
    }

    private void prune() {
        List<Path> all = new ArrayList<>(steps(root).values());
        for (int i = 0; i < all.size() - keep; i++) {
            deleteQuietly(all.get(i));
        }
    }

    private void removeLeftovers() throws IOException {
        try (Stream<Path> entries = Files.list(root)) {
            for (Path entry : entries.toList()) {
                if (LEFTOVER.matcher(entry.getFileName().toString()).matches()) {
                    FileSystemUtils.deleteRecursively(entry);
                }
            }
        }
    }

    /**
     * Finds the checkpoint to resume from: {@code path} itself when it contains a manifest, else the newest
     * {@code step-<N>} under {@code path/checkpoints} (an output directory) or under {@code path}.
     *
     * @throws IllegalArgumentException naming {@code path} when it contains no checkpoint
     */
    public static Path locate(Path path) {
        if (Files.isRegularFile(path.resolve(MANIFEST_FILE))) {
            return path;
        }
        for (Path candidates : List.of(path.resolve("checkpoints"), path)) {
            TreeMap<Integer, Path> steps = steps(candidates);
            if (!steps.isEmpty()) {
                return steps.lastEntry().getValue();
            }
        }
        throw new IllegalArgumentException(path + " contains no trainer checkpoint; expected a checkpoint directory "
                + "with " + MANIFEST_FILE + ", or a run's output directory with checkpoints/step-<N>");
    }

    /** Reads a checkpoint's manifest only. */
    public static CheckpointManifest readManifest(Path checkpoint) {
        CheckpointManifest manifest = readJson(checkpoint.resolve(MANIFEST_FILE), CheckpointManifest.class);
        if (!CheckpointManifest.FORMAT.equals(manifest.format())) {
            throw new IllegalArgumentException(checkpoint.resolve(MANIFEST_FILE) + " has format " + manifest.format()
                    + "; this trainer reads " + CheckpointManifest.FORMAT);
        }
        return manifest;
    }

    /**
     * Reads a checkpoint, checking every file against the manifest's size and SHA-256.
     *
     * @throws IllegalArgumentException when a file is missing or differs; the message names it
     */
    public static SavedCheckpoint read(Path checkpoint) {
        CheckpointManifest manifest = readManifest(checkpoint);
        for (Map.Entry<String, CheckpointManifest.FileDigest> file : manifest.files().entrySet()) {
            Path path = checkpoint.resolve(file.getKey());
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("checkpoint " + checkpoint + " lacks " + file.getKey()
                        + "; resume from an earlier checkpoint");
            }
            String digest = sha256(path);
            if (!digest.equals(file.getValue().sha256())) {
                throw new IllegalArgumentException("checkpoint " + checkpoint + " is damaged: " + file.getKey()
                        + " has SHA-256 " + digest + " but the manifest says " + file.getValue().sha256()
                        + "; resume from an earlier checkpoint");
            }
        }
        TrainerState state = readJson(checkpoint.resolve(STATE_FILE), TrainerState.class);
        return new SavedCheckpoint(checkpoint, manifest, state);
    }

    private static TreeMap<Integer, Path> steps(Path directory) {
        TreeMap<Integer, Path> steps = new TreeMap<>();
        if (!Files.isDirectory(directory)) {
            return steps;
        }
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path entry : entries.toList()) {
                Matcher matcher = STEP.matcher(entry.getFileName().toString());
                if (matcher.matches() && Files.isRegularFile(entry.resolve(MANIFEST_FILE))) {
                    steps.put(Integer.parseInt(matcher.group(1)), entry);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory + ": " + e.getMessage(), e);
        }
        return steps;
    }

    private static <T> T readJson(Path file, Class<T> type) {
        try {
            return Messages.decode(Files.readAllBytes(file), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a valid " + type.getSimpleName() + ": " + e.getMessage(),
                    e);
        }
    }

    private static Map<String, CheckpointManifest.FileDigest> digests(Path directory) throws IOException {
        Map<String, CheckpointManifest.FileDigest> digests = new TreeMap<>();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = directory.relativize(file).toString().replace('\\', '/');
                digests.put(name, new CheckpointManifest.FileDigest(Files.size(file), sha256(file)));
            }
        }
        return digests;
    }

    private static String sha256(Path file) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /** Flushes every file, then every directory, so the rename that publishes the checkpoint finds them on disk. */
    private static void syncTree(Path directory) throws IOException {
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(directory)) {
            entries = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path entry : entries) {
            if (Files.isRegularFile(entry)) {
                try (FileChannel channel = FileChannel.open(entry, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
            } else {
                syncDirectory(entry);
            }
        }
    }

    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some platforms cannot open a directory for syncing; the files themselves are synced already.
            log.debug("Cannot sync directory {}: {}", directory, e.getMessage());
        }
    }

    private static void deleteQuietly(Path directory) {
        try {
            FileSystemUtils.deleteRecursively(directory);
        } catch (IOException e) {
            log.warn("Could not remove checkpoint {}: {}", directory, e.getMessage());
        }
    }
}
