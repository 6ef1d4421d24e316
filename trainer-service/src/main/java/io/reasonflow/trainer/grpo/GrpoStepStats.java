package io.reasonflow.trainer.grpo;

/**
 * Figures of one GRPO optimizer step.
 *
 * @param loss      total loss (policy loss plus beta times KL)
 * @param kl        mean k3 KL to the reference policy over completion tokens
 * @param clipLow   share of completion tokens whose ratio was clipped at 1 - epsilon low
 * @param clipHigh  share of completion tokens whose ratio was clipped at 1 + epsilon high
 * @param sequences completions trained on
 * @param tokens    completion tokens trained on
 */
public record GrpoStepStats(double loss, double kl, double clipLow, double clipHigh, int sequences, int tokens) {
}
