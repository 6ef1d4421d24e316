package io.reasonflow.model.transformer;

import io.reasonflow.model.ModelConfig;
import java.util.Arrays;
import java.util.Map;

/**
 * A plain-Java Llama / Qwen2 forward pass in double precision over one unpadded sequence, written from the
 * formulas only, to check the NDArray implementation against. Grouped-query attention maps query head h to
 * key/value head h / (H / K). A projection bias is added when the weights contain one under its Hugging Face
 * name. A tied head multiplies by the embedding matrix.
 */
final class ReferenceForward {
    private final ModelConfig config;
    private final Map<String, float[]> weights;

    ReferenceForward(ModelConfig config, Map<String, float[]> weights) {
        this.config = config;
        this.weights = weights;
    }

    /** Returns logits [T][V] for token ids at positions 0..T-1. */
    double[][] logits(int[] ids) {
        int d = config.hiddenSize();
        double[][] hidden = new double[ids.length][];
        float[] embedding = weights.get("model.embed_tokens.weight");
        for (int t = 0; t < ids.length; t++) {
            hidden[t] = new double[d];
            for (int i = 0; i < d; i++) {
                hidden[t][i] = embedding[ids[t] * d + i];
            }
        }
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            hidden = layer(hidden, layer);
        }
        String headName = config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
        double[][] logits = new double[ids.length][];
        for (int t = 0; t < ids.length; t++) {
            double[] normalized = rmsNorm(hidden[t], weights.get("model.norm.weight"), config.rmsNormEps());
            logits[t] = linear(normalized, weights.get(headName), config.vocabSize());
        }
        return logits;
    }

    private double[][] layer(double[][] hidden, int layer) {
        int time = hidden.length;
        double[][] normalized = new double[time][];
        for (int t = 0; t < time; t++) {
            normalized[t] = rmsNorm(hidden[t], weight(layer, "input_layernorm.weight"), config.rmsNormEps());
        }
        double[][] attended = attention(normalized, layer);
        double[][] out = new double[time][];
        for (int t = 0; t < time; t++) {
            double[] residual = add(hidden[t], attended[t]);
            double[] mlpInput = rmsNorm(residual, weight(layer, "post_attention_layernorm.weight"),
                    config.rmsNormEps());
            out[t] = add(residual, mlp(mlpInput, layer));
        }
        return out;
    }

    private double[][] attention(double[][] x, int layer) {
        int time = x.length;
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int e = config.headDim();
        double[][] q = new double[time][];
        double[][] k = new double[time][];
        double[][] v = new double[time][];
        for (int t = 0; t < time; t++) {
            q[t] = ropeHeads(projection(x[t], layer, "self_attn.q_proj", heads * e), heads, t);
            k[t] = ropeHeads(projection(x[t], layer, "self_attn.k_proj", kvHeads * e), kvHeads, t);
            v[t] = projection(x[t], layer, "self_attn.v_proj", kvHeads * e);
        }
        double[][] out = new double[time][];
        for (int t = 0; t < time; t++) {
            double[] context = new double[heads * e];
            for (int h = 0; h < heads; h++) {
                int kv = h / (heads / kvHeads);
                double[] scores = new double[t + 1];
                for (int j = 0; j <= t; j++) {
                    double dot = 0;
                    for (int i = 0; i < e; i++) {
                        dot += q[t][h * e + i] * k[j][kv * e + i];
                    }
                    scores[j] = dot / Math.sqrt(e);
                }
                double[] p = softmax(scores);
                for (int j = 0; j <= t; j++) {
                    for (int i = 0; i < e; i++) {
                        context[h * e + i] += p[j] * v[j][kv * e + i];
                    }
                }
            }
            out[t] = projection(context, layer, "self_attn.o_proj", config.hiddenSize());
        }
        return out;
    }

    private double[] mlp(double[] x, int layer) {
        int inner = config.intermediateSize();
        double[] gate = linear(x, weight(layer, "mlp.gate_proj.weight"), inner);
        double[] up = linear(x, weight(layer, "mlp.up_proj.weight"), inner);
        double[] activated = new double[inner];
        for (int i = 0; i < inner; i++) {
            activated[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
        }
        return linear(activated, weight(layer, "mlp.down_proj.weight"), config.hiddenSize());
    }

    /** Rotates each head of a projection by position {@code position}, pairing dimension i with i + E/2. */
    private double[] ropeHeads(double[] x, int count, int position) {
        int e = config.headDim();
        double[] out = x.clone();
        for (int h = 0; h < count; h++) {
            double[] rotated = rope(Arrays.copyOfRange(x, h * e, (h + 1) * e), position,
                    config.ropeTheta());
            System.arraycopy(rotated, 0, out, h * e, e);
        }
        return out;
    }

    static double[] rope(double[] x, int position, double theta) {
        int e = x.length;
        int half = e / 2;
        double[] out = new double[e];
        for (int i = 0; i < half; i++) {
            double angle = position * Math.pow(theta, -2.0 * i / e);
            out[i] = x[i] * Math.cos(angle) - x[i + half] * Math.sin(angle);
            out[i + half] = x[i + half] * Math.cos(angle) + x[i] * Math.sin(angle);
        }
        return out;
    }

    static double[] rmsNorm(double[] x, float[] weight, double eps) {
        double meanSquare = 0;
        for (double value : x) {
            meanSquare += value * value / x.length;
        }
        double scale = 1 / Math.sqrt(meanSquare + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * weight[i];
        }
        return out;
    }

    /** y = W x + b, with b = 0 when the layer has no bias of that name. */
    private double[] projection(double[] x, int layer, String name, int outputs) {
        double[] y = linear(x, weight(layer, name + ".weight"), outputs);
        float[] bias = weight(layer, name + ".bias");
        if (bias != null) {
            for (int o = 0; o < outputs; o++) {
                y[o] += bias[o];
            }
        }
        return y;
    }

    private static double[] linear(double[] x, float[] weight, int outputs) {
        double[] out = new double[outputs];
        for (int o = 0; o < outputs; o++) {
            double sum = 0;
            for (int i = 0; i < x.length; i++) {
                sum += weight[o * x.length + i] * x[i];
            }
            out[o] = sum;
        }
        return out;
    }

    private static double[] softmax(double[] scores) {
        double max = Double.NEGATIVE_INFINITY;
        for (double score : scores) {
            max = Math.max(max, score);
        }
        double total = 0;
        double[] p = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            p[i] = Math.exp(scores[i] - max);
            total += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= total;
        }
        return p;
    }

    private static double[] add(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }

    private float[] weight(int layer, String suffix) {
        return weights.get("model.layers." + layer + "." + suffix);
    }
}
