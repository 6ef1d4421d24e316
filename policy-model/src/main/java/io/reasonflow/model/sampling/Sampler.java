package io.reasonflow.model.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tensor.GradMode;
import io.reasonflow.model.tensor.Slices;
import io.reasonflow.model.transformer.KvCache;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batched autoregressive sampling with a KV cache.
 *
 * <p>Prompts are left-padded to a common length and run through the model once. Each later step feeds one token
 * per row. A row that has stopped is fed padding (masked out) and gets no more tokens. Token choice and
 * log-probs follow {@link TokenSelector}. Each row draws from its own random stream split from {@code seed}, so
 * the same model, prompts, options and seed give the same output. Runs without autograd, and every step closes
 * its arrays.
 */
public final class Sampler {
    private static final Logger LOG = LoggerFactory.getLogger(Sampler.class);

    /** Decoding state of one row. */
    private static final class Row {
        final int[] tokens;
        final float[] logProbs;
        final SplittableRandom random;
        int length;
        boolean finished;
        boolean stopped;

        Row(int maxNewTokens, SplittableRandom random) {
            this.tokens = new int[maxNewTokens];
            this.logProbs = new float[maxNewTokens];
            this.random = random;
        }

        SampledSequence result() {
            return new SampledSequence(Arrays.copyOf(tokens, length), Arrays.copyOf(logProbs, length), stopped);
        }
    }

    /**
     * Samples one completion per prompt.
     *
     * @param prompts non-empty token id arrays, possibly of different lengths
     * @return one sequence per prompt, in prompt order
     * @throws IllegalArgumentException when a prompt is empty, or the longest prompt plus maxNewTokens does not
     *                                  fit in max_position_embeddings
     */
    public List<SampledSequence> sample(PolicyModel model, List<int[]> prompts, SamplingOptions options, long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        List<SplittableRandom> streams = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            streams.add(root.split());
        }
        return sampleRows(model, prompts, options, streams);
    }

    /**
     * Samples one completion per prompt, row i drawing from its own stream seeded with {@code rowSeeds[i]}. A row's
     * draws then do not depend on which other rows share the batch, so a caller that derives the seeds from the
     * prompts gets the same tokens however the prompts are batched. The logits themselves can still differ in the
     * last bits between batch shapes, which moves a token only when a draw falls that close to a boundary.
     *
     * @throws IllegalArgumentException when there is not one seed per prompt, or as {@link #sample(PolicyModel,
     *                                  List, SamplingOptions, long)} does
     */
    public List<SampledSequence> sample(PolicyModel model, List<int[]> prompts, SamplingOptions options,
            long[] rowSeeds) {
        if (rowSeeds.length != prompts.size()) {
            throw new IllegalArgumentException("got " + rowSeeds.length + " row seeds for " + prompts.size()
                    + " prompts; give one seed per prompt");
        }
        List<SplittableRandom> streams = new ArrayList<>(prompts.size());
        for (long rowSeed : rowSeeds) {
            streams.add(new SplittableRandom(rowSeed));
        }
        return sampleRows(model, prompts, options, streams);
    }

    private List<SampledSequence> sampleRows(PolicyModel model, List<int[]> prompts, SamplingOptions options,
            List<SplittableRandom> streams) {
        if (prompts.isEmpty()) {
            return List.of();
        }
        int promptLength = checkPrompts(model.config(), prompts, options);
        long started = System.nanoTime();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            rows.add(new Row(options.maxNewTokens(), streams.get(i)));
        }
        int capacity = promptLength + options.maxNewTokens();
        try (GradMode.Scope noGrad = GradMode.disabled();
                NDManager manager = model.manager().newSubManager();
                KvCache cache = model.newKvCache(prompts.size(), capacity)) {
            decode(model, manager, cache, prompts, promptLength, rows, options);
        }
        List<SampledSequence> results = new ArrayList<>();
        for (Row row : rows) {
            results.add(row.result());
        }
        LOG.debug("Sampled {} sequences, {} new tokens max, in {} ms", prompts.size(), options.maxNewTokens(),
                (System.nanoTime() - started) / 1_000_000);
        return results;
    }

    private static int checkPrompts(ModelConfig config, List<int[]> prompts, SamplingOptions options) {
        int longest = 0;
        for (int i = 0; i < prompts.size(); i++) {
            if (prompts.get(i).length == 0) {
                throw new IllegalArgumentException("prompt " + i + " is empty");
            }
            longest = Math.max(longest, prompts.get(i).length);
        }
        if (longest + options.maxNewTokens() - 1 > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("longest prompt has " + longest + " tokens; with maxNewTokens "
                    + options.maxNewTokens() + " it exceeds max_position_embeddings = "
                    + config.maxPositionEmbeddings());
        }
        return longest;
    }

    private static void decode(PolicyModel model, NDManager manager, KvCache cache, List<int[]> prompts,
            int promptLength, List<Row> rows, SamplingOptions options) {
        int batch = rows.size();
        int vocab = model.config().vocabSize();
        int padId = model.config().eosTokenId();
        StopRules stopRules = new StopRules(options);
        long[] ids = new long[batch * promptLength];
        long[] mask = new long[batch * promptLength];
        for (int row = 0; row < batch; row++) {
            int[] prompt = prompts.get(row);
            int padding = promptLength - prompt.length;
            Arrays.fill(ids, row * promptLength, row * promptLength + padding, padId);
            for (int t = 0; t < prompt.length; t++) {
                ids[row * promptLength + padding + t] = prompt[t];
                mask[row * promptLength + padding + t] = 1;
            }
        }
        float[] logits = lastLogits(model, manager, cache, ids, mask, promptLength);
        for (int step = 0; step < options.maxNewTokens(); step++) {
            boolean anyActive = chooseTokens(rows, logits, vocab, options, stopRules);
            if (!anyActive || step == options.maxNewTokens() - 1) {
                return;
            }
            long[] nextIds = new long[batch];
            long[] nextMask = new long[batch];
            for (int row = 0; row < batch; row++) {
                Row state = rows.get(row);
                nextIds[row] = state.finished ? padId : state.tokens[state.length - 1];
                nextMask[row] = state.finished ? 0 : 1;
            }
            logits = lastLogits(model, manager, cache, nextIds, nextMask, 1);
        }
    }

    /** Appends a token to every unfinished row; returns whether any row is still unfinished. */
    private static boolean chooseTokens(List<Row> rows, float[] logits, int vocab, SamplingOptions options,
            StopRules stopRules) {
        boolean anyActive = false;
        for (int index = 0; index < rows.size(); index++) {
            Row row = rows.get(index);
            if (row.finished) {
                continue;
            }
            TokenSelector.Selection selection = TokenSelector.select(logits, index * vocab, vocab, options,
                    row.random);
            row.tokens[row.length] = selection.token();
            row.logProbs[row.length] = selection.logProb();
            row.length++;
            if (stopRules.isStop(row.tokens, row.length)) {
                row.finished = true;
                row.stopped = true;
            } else if (row.length == options.maxNewTokens()) {
                row.finished = true;
            }
            anyActive |= !row.finished;
        }
        return anyActive;
    }

    /** Runs one cached forward step and returns the logits of each row's last position, [B*V] row-major. */
    private static float[] lastLogits(PolicyModel model, NDManager manager, KvCache cache, long[] ids, long[] mask,
            int time) {
        int batch = cache.batchSize();
        try (NDManager step = manager.newSubManager()) {
            NDArray inputIds = step.create(ids, new Shape(batch, time)); // [B,T]
            NDArray attentionMask = step.create(mask, new Shape(batch, time)); // [B,T]
            NDArray logits = model.forward(inputIds, attentionMask, cache); // [B,T,V]
            NDArray last = time == 1 ? logits : Slices.view(logits, 1, time - 1, time); // [B,1,V]
            return last.toFloatArray(); // [B*V]
        }
    }
}
