package io.reasonflow.model.transformer;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * The parameters of one decoder layer, looked up once from the model's parameter map. The biases are null when the
 * config has none.
 */
record LayerWeights(
        NDArray inputNorm,
        NDArray query,
        NDArray queryBias,
        NDArray key,
        NDArray keyBias,
        NDArray value,
        NDArray valueBias,
        NDArray output,
        NDArray outputBias,
        NDArray postAttentionNorm,
        NDArray gate,
        NDArray up,
        NDArray down) {

    static LayerWeights of(Map<String, NDArray> parameters, int layer) {
        return new LayerWeights(
                parameters.get(ParameterLayout.layerName(layer, "input_layernorm.weight")),
                parameters.get(ParameterLayout.layerName(layer, "self_attn.q_proj.weight")),
                parameters.get(ParameterLayout.layerName(layer, "self_attn.q_proj.bias")),
                parameters.get(ParameterLayout.layerName(layer, "self_attn.k_proj.weight")),
                parameters.get(ParameterLayout.layerName(layer, "self_attn.k_proj.bias")),
                parameters.get(ParameterLayout.layerName(layer, "self_attn.v_proj.weight")),
                parameters.get(ParameterLayout.layerName(layer, "self_attn.v_proj.bias")),
                parameters.get(ParameterLayout.layerName(layer, "self_attn.o_proj.weight")),
                parameters.get(ParameterLayout.layerName(layer, "self_attn.o_proj.bias")),
                parameters.get(ParameterLayout.layerName(layer, "post_attention_layernorm.weight")),
                parameters.get(ParameterLayout.layerName(layer, "mlp.gate_proj.weight")),
                parameters.get(ParameterLayout.layerName(layer, "mlp.up_proj.weight")),
                parameters.get(ParameterLayout.layerName(layer, "mlp.down_proj.weight")));
    }
}
